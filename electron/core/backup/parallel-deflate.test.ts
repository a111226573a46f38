import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { writeArchive } from './archive-writer';
import { checkSnapshot, openArchive } from './archive-reader';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import {
  BlockDeflater,
  idleHasherCount,
  runningDeflateWorkers,
  type BlockDeflaterOptions,
} from './parallel-deflate';
import { takeSnapshot } from './snapshot';
import { agentIo, newStore, tempDir } from './test-support';
import type { ManifestV1 } from '../../shared/contract/archives';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Debian 12's 7zip package installs `7zz`; later ones also `7z`. */
const sevenZip = ['7z', '7zz'].find((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
});

/** What three independent ZIP readers say of an archive: each must accept it. */
function checkWithTools(file: string): void {
  expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
  const python = `import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nbad = z.testzip()\nprint('bad' if bad else 'ok', bad or '')`;
  expect(execFileSync('python3', ['-c', python, file], { encoding: 'utf8' }).trim()).toBe('ok');
  expect(sevenZip, '7-Zip (Debian package 7zip) must be installed').toBeDefined();
  expect(execFileSync(sevenZip!, ['t', file], { encoding: 'utf8' })).toContain('Everything is Ok');
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Runs a deflater over a file and returns its output joined, and the digest it reported. */
async function deflateAll(file: string, options: BlockDeflaterOptions) {
  const deflater = new BlockDeflater(options);
  try {
    const parts: Buffer[] = [];
    const blocks = deflater.compress(file);
    for (;;) {
      const next = await blocks.next();
      if (next.done) return { data: Buffer.concat(parts), digest: next.value, blocks: parts.length };
      parts.push(next.value.data);
    }
  } finally {
    deflater.close();
  }
}

/** Text-like bytes (base64), which compress about as real test data does. */
const textLike = (bytes: number) => Buffer.from(randomBytes(bytes).toString('base64').slice(0, bytes));

/** The files this process holds open (Linux). */
const openFiles = () =>
  fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });

async function workersGone(): Promise<number> {
  for (let i = 0; i < 100 && runningDeflateWorkers() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return runningDeflateWorkers();
}

function manifestFor(id: string, size: number, sha256: string): ManifestV1 {
  return {
    format: 'repo-server-backup',
    formatVersion: 1,
    repository: { name: 'Para', id },
    schemaVersion: 1,
    itemCount: 0,
    revisionCount: 0,
    includesHistory: true,
    startedAt: '2026-11-22T09:30:00.000+00:00',
    finishedAt: '2026-11-22T09:30:01.000+00:00',
    producer: { app: 'Repository Server', version: '0.1.0', host: 'test' },
    trigger: 'manual',
    clientsPolicy: 'keep-connected',
    entries: [{ name: SNAPSHOT_ENTRY, size, sha256 }],
  };
}

describe('parallel deflate: blocks that join into one deflate stream', () => {
  it.each([
    ['an empty file', 0],
    ['a file smaller than one block', 1000],
    ['exactly one block', 64 * 1024],
    ['exactly 5 blocks', 5 * 64 * 1024],
    ['5 blocks and a byte', 5 * 64 * 1024 + 1],
  ])('%s inflates back to the same bytes, with its CRC-32 and SHA-256', async (_label, size) => {
    const dir = tempDir('deflate');
    const file = path.join(dir, 'data.bin');
    const content = textLike(size);
    fs.writeFileSync(file, content);
    const { data, digest, blocks } = await deflateAll(file, { level: 1, workers: 2, blockBytes: 64 * 1024 });
    expect(blocks).toBe(Math.max(1, Math.ceil(size / (64 * 1024))));
    expect(zlib.inflateRawSync(data).equals(content)).toBe(true);
    expect(digest).toEqual({ size, crc32: zlib.crc32(content), sha256: sha256(content) });
    expect(await workersGone()).toBe(0);
  });

  it('uses the previous block as its dictionary: the ratio stays close to one stream', async () => {
    const dir = tempDir('deflate');
    const file = path.join(dir, 'data.bin');
    // A 20 KB text repeated: every match is 20 KB back, across the 16 KB blocks' boundaries, so a block
    // that started from nothing would find none at all.
    const content = Buffer.concat(new Array<Buffer>(32).fill(textLike(20 * 1024)));
    fs.writeFileSync(file, content);
    const { data } = await deflateAll(file, { level: 1, workers: 2, blockBytes: 16 * 1024 });
    const oneStream = zlib.deflateRawSync(content, { level: 1 });
    expect(data.length).toBeLessThan(content.length / 10);
    expect(data.length).toBeLessThan(oneStream.length * 1.2);
  });

  it('stores the blocks as they are at level 0, with no deflate worker', async () => {
    const dir = tempDir('deflate');
    const file = path.join(dir, 'data.bin');
    const content = textLike(200 * 1024);
    fs.writeFileSync(file, content);
    const { data, digest } = await deflateAll(file, { level: 0, blockBytes: 64 * 1024 });
    expect(data.equals(content)).toBe(true);
    expect(digest.crc32).toBe(zlib.crc32(content));
  });
});

describe('archives written through the parallel path', () => {
  async function snapshotOf(items: number) {
    const { store, dataDir } = newStore();
    cleanups.push(() => store.closeAll());
    const repo = store.create('Para');
    for (let i = 0; i < items; i++) {
      repo.put({ path: `gen/${i}`, kind: 'data', content: textLike(6000).toString(), updatedBy: 'seed' });
    }
    const snap = path.join(dataDir, 'snap.sqlite');
    await takeSnapshot(repo, snap, { includeHistory: true });
    repoId = repo.id;
    return { snap, dataDir, repo };
  }

  let repoId = '';
  async function write(snap: string, file: string, parallel: BlockDeflaterOptions | object, extra = {}) {
    return writeArchive({
      io: agentIo(cleanups),
      file,
      snapshotFile: snap,
      compression: 'fast',
      mtime: new Date(Date.UTC(2026, 10, 22, 9, 30)),
      manifest: (d) => manifestFor(repoId, d.size, d.sha256),
      parallel,
      ...extra,
    });
  }

  it.each([
    ['many blocks', 200, { workers: 2, blockBytes: 64 * 1024 }, false],
    ['smaller than one block', 2, { workers: 2 }, false],
    ['many blocks, ZIP64 records', 200, { workers: 2, blockBytes: 64 * 1024 }, true],
  ])(
    '%s: unzip -t, Python zipfile and 7-Zip accept it, and the manifest SHA-256 is the snapshot’s',
    async (_label, items, parallel, forceZip64) => {
      const { snap, dataDir } = await snapshotOf(items);
      const work = tempDir('para-out');
      const file = path.join(work, 'Para.zip');
      const written = await write(snap, file, parallel, { forceZip64 });
      checkWithTools(file);
      execFileSync('unzip', ['-q', file, '-d', path.join(work, 'x')]);
      const extracted = fs.readFileSync(path.join(work, 'x', SNAPSHOT_ENTRY));
      expect(extracted.equals(fs.readFileSync(snap))).toBe(true);
      const manifest = JSON.parse(fs.readFileSync(path.join(work, 'x', MANIFEST_ENTRY), 'utf8'));
      expect(manifest.entries[0].sha256).toBe(sha256(extracted));
      expect(written.sha256).toBe(sha256(extracted));
      // Our own reader too: sizes against the manifest, CRC and SHA-256 while extracting.
      const archive = await openArchive(file);
      try {
        await checkSnapshot(archive, path.join(dataDir, 'restored.sqlite'));
      } finally {
        archive.close();
      }
      expect(await workersGone()).toBe(0);
    },
  );

  it('a snapshot of exactly N blocks gives N blocks and an archive the tools accept', async () => {
    const { snap } = await snapshotOf(60);
    const size = fs.statSync(snap).size;
    // SQLite files are whole pages: a block of 4 pages divides the file when its page count does.
    const pages = size / 4096;
    const perBlock = [8, 4, 2, 1].find((n) => pages % n === 0)! * 4096;
    const { blocks } = await deflateAll(snap, { level: 1, workers: 2, blockBytes: perBlock });
    expect(blocks).toBe(size / perBlock);
    expect(blocks).toBeGreaterThan(4);
    const work = tempDir('para-out');
    const file = path.join(work, 'Para.zip');
    await write(snap, file, { workers: 2, blockBytes: perBlock });
    checkWithTools(file);
  });

  it('cancelled midway: nothing is left in the folder and every worker has ended', async () => {
    const { snap } = await snapshotOf(200);
    const work = tempDir('para-out');
    const file = path.join(work, 'Para.zip');
    const controller = new AbortController();
    let seen = 0;
    await expect(
      write(
        snap,
        file,
        { workers: 2, blockBytes: 64 * 1024 },
        {
          signal: controller.signal,
          onBytes: (done: number) => {
            seen = done;
            if (done >= 128 * 1024) controller.abort();
          },
        },
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toBeLessThan(fs.statSync(snap).size);
    expect(fs.readdirSync(work)).toEqual([]);
    expect(await workersGone()).toBe(0);
    // Nor is the snapshot left open (it was, until GC: the writer never resumed the compression).
    await new Promise((r) => setTimeout(r, 100));
    expect(openFiles()).not.toContain(snap);
  });

  it('a snapshot that cannot be read ends every worker too', async () => {
    const work = tempDir('para-out');
    await expect(write(path.join(work, 'missing.sqlite'), path.join(work, 'Gone.zip'), {})).rejects.toThrow(
      /could not be read/,
    );
    expect(fs.readdirSync(work)).toEqual([]);
    expect(await workersGone()).toBe(0);
  });

  it('a hasher that finished its file waits for the next one: a cancel then ends at once, and the next file is right', async () => {
    const dir = tempDir('para-reuse');
    const file = path.join(dir, 'data.bin');
    const data = textLike(3 * 1024 * 1024);
    fs.writeFileSync(file, data);
    const deflater = new BlockDeflater({ level: 1, workers: 1, blockBytes: 64 * 1024 });
    const blocks = deflater.compress(file);
    await blocks.next();
    // The hasher reads 3 MB in milliseconds: it is done long before deflate is.
    await new Promise((r) => setTimeout(r, 300));
    deflater.close();
    // Not held until the idle hasher ends: the file is no longer read by anyone, and it is still kept.
    await expect(
      (async () => {
        for (;;) if ((await blocks.next()).done) return;
      })(),
    ).rejects.toThrow('The compression was stopped.');
    expect(idleHasherCount()).toBe(1);
    expect(await workersGone()).toBe(0);
    // The next file gets the kept hasher, and its own digest.
    const other = path.join(dir, 'other.bin');
    const otherData = textLike(200 * 1024);
    fs.writeFileSync(other, otherData);
    const { data: out, digest } = await deflateAll(other, { level: 1, blockBytes: 64 * 1024 });
    expect(zlib.inflateRawSync(out).equals(otherData)).toBe(true);
    expect(digest).toEqual({
      size: otherData.length,
      crc32: zlib.crc32(otherData),
      sha256: sha256(otherData),
    });
  });
});
