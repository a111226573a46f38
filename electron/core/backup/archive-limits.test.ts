import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../shared/contract/archives';
import { checkSnapshot, openArchive } from './archive-reader';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { backupFixture, fill, tempDir } from './test-support';
import { buildZip, type FixtureEntry } from './zip-fixture';

// What an archive may cost before it is refused: the expanded size against the manifest and the free
// space before anything is written, the snapshot's own header at its first bytes, and names that are
// never echoed in full.

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
    compression: 'fast',
  });
  manifest = await t.service.readManifest(result.file);
  const archive = await openArchive(result.file);
  const extracted = path.join(t.out, 'snapshot.sqlite');
  try {
    await checkSnapshot(archive, extracted);
  } finally {
    archive.close();
  }
  snapshot = fs.readFileSync(extracted);
  cleanups.splice(0).forEach((c) => c());
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** An archive with `data` as its snapshot and a manifest that states its size and hash truly. */
function archiveFile(data: Buffer, over: Partial<ManifestV1> = {}, extra: Partial<FixtureEntry> = {}) {
  const dir = tempDir('archive-limits');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const m = {
    ...manifest,
    entries: [{ name: SNAPSHOT_ENTRY, size: data.length, sha256: sha256(data) }],
    ...over,
  };
  const file = path.join(dir, 'archive.zip');
  fs.writeFileSync(
    file,
    buildZip([
      { name: SNAPSHOT_ENTRY, data, ...extra },
      { name: MANIFEST_ENTRY, data: Buffer.from(JSON.stringify(m)) },
    ]),
  );
  return file;
}

async function refusal(file: string) {
  const t = backupFixture(cleanups);
  const verified = await t.service.verify(file);
  const imported = await t.service.startImportJob({ file, onConflict: 'fail', includeHistory: true }).done;
  expect(imported.status).toBe('failed');
  expect(imported.error).toEqual(verified.error);
  const tmp = path.join(t.dataDir, 'tmp');
  expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  return verified.error!;
}

describe('archive limits', () => {
  it('a 60 KB repository name in the manifest is refused without being echoed', async () => {
    const long = 'A'.repeat(60_000);
    const error = await refusal(
      archiveFile(snapshot, { repository: { name: long, id: manifest.repository.id } }),
    );
    expect(error.code).toBe('INVALID_ARCHIVE');
    expect(error.message).toContain('manifest is damaged: repository.name: longer than 256 characters.');
    expect(error.message.length).toBeLessThan(400);
  });

  it('a 60 KB entry name in the ZIP is shown cut short', async () => {
    const dir = tempDir('archive-limits');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'long-name.zip');
    const name = `${'n'.repeat(61_440)}`;
    fs.writeFileSync(
      file,
      buildZip([
        { name, data: Buffer.from('x') },
        { name: MANIFEST_ENTRY, data: Buffer.from(JSON.stringify(manifest)) },
      ]),
    );
    const error = await refusal(file);
    expect(error.message).toContain(`unexpected entry "${'n'.repeat(80)}… (61440 characters)"`);
    expect(error.message.length).toBeLessThan(400);
  });

  it('a snapshot of zeros is refused at its first bytes, as no SQLite file starts so', async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const error = await refusal(archiveFile(zeros, {}, { method: 0 }));
    expect(error).toEqual({
      code: 'INVALID_ARCHIVE',
      message: expect.stringMatching(
        /: repository\.sqlite is not a usable SQLite database: its first bytes are not SQLite's header\.$/,
      ),
    });
  });

  it('a snapshot longer than its header and manifest say is stopped at the declared size', async () => {
    const longer = Buffer.concat([snapshot, Buffer.alloc(8192, 7)]);
    const file = archiveFile(
      longer,
      {
        entries: [{ name: SNAPSHOT_ENTRY, size: snapshot.length, sha256: sha256(longer) }],
      },
      { uncompressedSize: snapshot.length },
    );
    const error = await refusal(file);
    // yauzl counts the bytes against the ZIP directory as they come; so does our tap, against the manifest.
    expect(error.message).toMatch(
      /repository\.sqlite (inflates past its declared|cannot be read; .*too many bytes)/,
    );
  });

  it('nothing is extracted when the disk cannot hold the snapshot and the headroom', async () => {
    const file = archiveFile(snapshot);
    const dir = tempDir('archive-limits-target');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stats = await fs.promises.statfs(dir);
    const free = stats.bavail * stats.bsize;
    const archive = await openArchive(file);
    try {
      // Ask for headroom of all the space there is, and more: the snapshot itself no longer fits. (The
      // margin: on a shared disk other processes free space between our statfs and the reader's.)
      await expect(
        checkSnapshot(archive, path.join(dir, 'out.sqlite'), { headroomBytes: free + 1024 ** 3 }),
      ).rejects.toMatchObject({
        code: 'NO_SPACE',
        message: expect.stringMatching(
          /^Extracting repository\.sqlite needs .* free in the data folder; .* is free\. Free some space/,
        ),
      });
    } finally {
      archive.close();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
