import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../shared/contract/archives';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { buildZip, type FixtureEntry } from './zip-fixture';
import { backupFixture, contentsOf, fill, tempDir } from './test-support';
import { openArchive } from './archive-reader';

// Every hostile or broken archive gets a clear error, nothing is written outside a temp folder inside
// the data dir (and that is emptied), and the existing repository is unchanged.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

let snapshot: Buffer;
let manifest: ManifestV1;

beforeAll(async () => {
  const t = backupFixture(cleanups);
  fill(t.store.create('Alpha'));
  const result = await t.service.backupRepository({
    repository: 'Alpha',
    destination: { kind: 'folder', folder: t.out },
    compression: 'store',
  });
  manifest = await t.service.readManifest(result.file);
  const zip = fs.readFileSync(result.file);
  // A stored entry: its bytes sit in the file as they are; find them by the known hash.
  const size = manifest.entries[0]!.size;
  for (let i = 0; i + size <= zip.length; i++) {
    if (zip.readUInt32LE(i) === 0x04034b50 && zip.toString('utf8', i + 30, i + 30 + 17) === SNAPSHOT_ENTRY) {
      snapshot = zip.subarray(i + 30 + 17, i + 30 + 17 + size);
      break;
    }
  }
  expect(createHash('sha256').update(snapshot).digest('hex')).toBe(manifest.entries[0]!.sha256);
  cleanups.splice(0).forEach((c) => c());
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const manifestEntry = (m: unknown = manifest): FixtureEntry => ({ name: MANIFEST_ENTRY, data: json(m) });
const snapshotEntry = (extra: Partial<FixtureEntry> = {}): FixtureEntry => ({
  name: SNAPSHOT_ENTRY,
  data: snapshot,
  ...extra,
});

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Verify and import the archive; both must fail with `code` and a message matching `why`. */
async function expectRefused(zip: Buffer, code: string, why: RegExp) {
  const t = backupFixture(cleanups);
  const repo = t.store.create('Alpha');
  repo.put({ path: 'mine', kind: 'data', content: 'keep me', updatedBy: 'x' });
  const before = contentsOf(repo);
  const outside = tempDir('hostile-outside');
  const file = path.join(outside, 'archive.zip');
  fs.writeFileSync(file, zip);
  const treeBefore = listTree(t.dataDir).filter((f) => !f.startsWith('tmp'));

  const verified = await t.service.verify(file);
  expect(verified.verified).toBe(false);
  expect(verified.error?.code).toBe(code);
  expect(verified.error?.message).toMatch(why);

  for (const onConflict of ['replace', 'merge', 'rename'] as const) {
    const result = await t.service.startImportJob({ file, onConflict, includeHistory: true }).done;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(code);
  }
  expect(contentsOf(t.store.open('Alpha'))).toEqual(before);
  expect(t.store.list().map((r) => r.name)).toEqual(['Alpha']);
  const tmp = path.join(t.dataDir, 'tmp');
  expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  expect(listTree(t.dataDir).filter((f) => !f.startsWith('tmp') && !f.startsWith('server.sqlite'))).toEqual(
    treeBefore.filter((f) => !f.startsWith('server.sqlite')),
  );
  expect(fs.readdirSync(outside)).toEqual(['archive.zip']);
  expect(fs.existsSync(path.join(path.dirname(outside), 'evil.sqlite'))).toBe(false);
  return verified;
}

describe('hostile and broken archives', () => {
  it('a well-formed fixture passes, so the refusals below are about the flaw each one has', async () => {
    const t = backupFixture(cleanups);
    const file = path.join(t.out, 'ok.zip');
    fs.writeFileSync(file, buildZip([snapshotEntry(), manifestEntry()]));
    expect((await t.service.verify(file)).verified).toBe(true);
  });

  it('entry names with .. are refused', async () => {
    await expectRefused(
      buildZip([manifestEntry(), snapshotEntry({ name: '../evil.sqlite' })]),
      'INVALID_ARCHIVE',
      /unsafe|unexpected/,
    );
  });

  it('absolute entry names are refused', async () => {
    await expectRefused(
      buildZip([manifestEntry(), snapshotEntry({ name: '/tmp/evil.sqlite' })]),
      'INVALID_ARCHIVE',
      /unsafe|unexpected/,
    );
  });

  it('backslashes in entry names are refused', async () => {
    await expectRefused(
      buildZip([manifestEntry(), snapshotEntry({ name: '..\\evil.sqlite' })]),
      'INVALID_ARCHIVE',
      /unsafe|unexpected/,
    );
  });

  it('a link entry is refused', async () => {
    await expectRefused(
      buildZip([
        manifestEntry(),
        snapshotEntry({ name: SNAPSHOT_ENTRY, data: Buffer.from('/etc/passwd'), mode: 0o120777 }),
      ]),
      'INVALID_ARCHIVE',
      /link/,
    );
  });

  it('an entry whose real size exceeds its declared size is stopped at the declared size', async () => {
    const declared = snapshot.length - 4096;
    const m = { ...manifest, entries: [{ ...manifest.entries[0]!, size: declared }] };
    await expectRefused(
      buildZip([manifestEntry(m), snapshotEntry({ uncompressedSize: declared })]),
      'INVALID_ARCHIVE',
      // Its SQLite header already tells the real size, so it is refused at its first bytes.
      /header says \d+ pages .* the manifest \d+/,
    );
  });

  it('a zip bomb (tiny file, huge declared size) is refused before anything is inflated', async () => {
    const huge = 8 * 1024 ** 3 - 1;
    const m = { ...manifest, entries: [{ ...manifest.entries[0]!, size: huge }] };
    const zip = buildZip([
      manifestEntry(m),
      snapshotEntry({ data: Buffer.alloc(64 * 1024), uncompressedSize: huge >>> 0 }),
    ]);
    expect(zip.length).toBeLessThan(2000);
    await expectRefused(zip, 'INVALID_ARCHIVE', /zip bomb|manifest|bytes/);
  });

  it('an honest deflate bomb (50 MB of zeros in 50 KB) is refused by the ratio', async () => {
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const m = {
      ...manifest,
      entries: [
        {
          name: SNAPSHOT_ENTRY,
          size: zeros.length,
          sha256: createHash('sha256').update(zeros).digest('hex'),
        },
      ],
    };
    const zip = buildZip([manifestEntry(m), snapshotEntry({ data: zeros })]);
    expect(zip.length).toBeLessThan(100 * 1024);
    await expectRefused(zip, 'INVALID_ARCHIVE', /zip bomb/);
  });

  it('a truncated archive is refused', async () => {
    const whole = buildZip([snapshotEntry(), manifestEntry()]);
    await expectRefused(
      whole.subarray(0, Math.floor(whole.length / 2)),
      'INVALID_ARCHIVE',
      /not a ZIP|truncated/,
    );
  });

  it('a wrong CRC is refused', async () => {
    await expectRefused(
      buildZip([snapshotEntry({ crc32: zlib.crc32(snapshot) ^ 1 }), manifestEntry()]),
      'INVALID_ARCHIVE',
      /CRC/,
    );
  });

  it('a wrong SHA-256 in the manifest is refused', async () => {
    const m = { ...manifest, entries: [{ ...manifest.entries[0]!, sha256: 'ab'.repeat(32) }] };
    await expectRefused(buildZip([snapshotEntry(), manifestEntry(m)]), 'INVALID_ARCHIVE', /SHA-256/);
  });

  it('a changed byte in the snapshot is caught', async () => {
    const damaged = Buffer.from(snapshot);
    damaged[damaged.length - 100] = damaged[damaged.length - 100]! ^ 0xff;
    await expectRefused(
      buildZip([snapshotEntry({ data: damaged }), manifestEntry()]),
      'INVALID_ARCHIVE',
      /SHA-256/,
    );
  });

  it('a missing manifest is refused', async () => {
    await expectRefused(buildZip([snapshotEntry()]), 'INVALID_ARCHIVE', /no manifest\.json/);
  });

  it('a missing snapshot is refused', async () => {
    await expectRefused(buildZip([manifestEntry()]), 'INVALID_ARCHIVE', /no repository\.sqlite|lacks/);
  });

  it('a formatVersion from the future is refused as such', async () => {
    const verified = await expectRefused(
      buildZip([snapshotEntry(), manifestEntry({ ...manifest, formatVersion: 2 })]),
      'UNSUPPORTED_VERSION',
      /format 2.*newer/,
    );
    expect(verified.manifest).toBeNull();
  });

  it('a manifest nested 20,000 levels deep (40 KB, under the 64 KiB cap) is refused unparsed, in words', async () => {
    const deep = JSON.stringify({ ...manifest, note: 0 }).replace(
      '"note":0',
      `"note":${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    );
    await expectRefused(
      buildZip([snapshotEntry(), { name: MANIFEST_ENTRY, data: Buffer.from(deep) }]),
      'INVALID_ARCHIVE',
      /manifest\.json is nested deeper than 32 levels: not a manifest of ours\.$/,
    );
  });

  it('an empty file is refused in words, not with the zip library’s', async () => {
    await expectRefused(
      Buffer.alloc(0),
      'INVALID_ARCHIVE',
      /: This file is empty — it is not a backup archive\.$/,
    );
  });

  it('a file that is not a ZIP is refused', async () => {
    await expectRefused(
      Buffer.from('this is a text file, not an archive\n'.repeat(100)),
      'INVALID_ARCHIVE',
      // One sentence a person can read: not the library's own full stop inside ours ("….).").
      /: not a ZIP archive, or truncated \([^)]*[^.]\)\.$/,
    );
  });

  it('a snapshot that is not a SQLite database is refused', async () => {
    const text = Buffer.from('definitely not sqlite\n'.repeat(1000));
    const m = {
      ...manifest,
      entries: [
        { name: SNAPSHOT_ENTRY, size: text.length, sha256: createHash('sha256').update(text).digest('hex') },
      ],
    };
    await expectRefused(
      buildZip([snapshotEntry({ data: text }), manifestEntry(m)]),
      'INVALID_ARCHIVE',
      /not a usable SQLite/,
    );
  });

  it('a snapshot whose counts disagree with the manifest is refused', async () => {
    await expectRefused(
      buildZip([snapshotEntry(), manifestEntry({ ...manifest, itemCount: manifest.itemCount + 1 })]),
      'INVALID_ARCHIVE',
      /does not match its manifest/,
    );
  });

  it('a manifest name that is not a valid repository name is refused by import', async () => {
    const t = backupFixture(cleanups);
    const file = path.join(t.out, 'odd-name.zip');
    const m = { ...manifest, repository: { ...manifest.repository, name: '../../etc' } };
    fs.writeFileSync(file, buildZip([snapshotEntry(), manifestEntry(m)]));
    const result = await t.service.startImportJob({ file, onConflict: 'fail', includeHistory: true }).done;
    expect(result.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(result.error!.message).toContain('"../../etc" cannot be a repository name');
    expect(t.store.list()).toEqual([]);
    // With a valid name given by the person importing, the same archive restores.
    const renamed = await t.service.startImportJob({
      file,
      targetName: 'Etc',
      onConflict: 'fail',
      includeHistory: true,
    }).done;
    expect(renamed).toMatchObject({ status: 'done', restoredAs: 'Etc' });
  });

  it('a snapshot from a newer schema verifies, but import refuses it and changes nothing', async () => {
    const t = backupFixture(cleanups);
    const repo = t.store.create('Alpha');
    repo.put({ path: 'mine', kind: 'data', content: 'keep me', updatedBy: 'x' });
    const before = contentsOf(repo);
    const newer = Buffer.from(snapshot);
    newer.writeUInt32BE(99, 60); // PRAGMA user_version lives at offset 60 of the header
    const m = {
      ...manifest,
      schemaVersion: 99,
      entries: [
        {
          name: SNAPSHOT_ENTRY,
          size: newer.length,
          sha256: createHash('sha256').update(newer).digest('hex'),
        },
      ],
    };
    const file = path.join(t.out, 'newer.zip');
    fs.writeFileSync(file, buildZip([snapshotEntry({ data: newer }), manifestEntry(m)]));
    expect((await t.service.verify(file)).verified).toBe(true);
    for (const onConflict of ['replace', 'rename'] as const) {
      const result = await t.service.startImportJob({ file, onConflict, includeHistory: true }).done;
      expect(result.error).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
      expect(result.error!.message).toMatch(/schema version 99.*Update the app/);
    }
    expect(contentsOf(t.store.open('Alpha'))).toEqual(before);
    expect(t.store.list().map((r) => r.name)).toEqual(['Alpha']);
  });

  it('preview reads the manifest without reading the snapshot', async () => {
    const t = backupFixture(cleanups);
    const file = path.join(t.out, 'ok.zip');
    fs.writeFileSync(file, buildZip([snapshotEntry(), manifestEntry()]));
    const reads: number[] = [];
    const original = fs.read;
    // Count the bytes yauzl reads through fs.read while opening and reading the manifest.
    const spy = ((...args: unknown[]) => {
      reads.push(Number(args[3]));
      return (original as (...a: unknown[]) => void)(...args);
    }) as typeof fs.read;
    (fs as { read: typeof fs.read }).read = spy;
    try {
      const archive = await openArchive(file);
      archive.close();
    } finally {
      (fs as { read: typeof fs.read }).read = original;
    }
    const total = reads.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(snapshot.length / 2);
  });
});
