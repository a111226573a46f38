import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeArchive } from './archive-writer';
import { checkSnapshot, openArchive } from './archive-reader';
import { SNAPSHOT_ENTRY, MANIFEST_ENTRY } from './manifest';
import { takeSnapshot } from './snapshot';
import { openDatabase } from '../storage/open-database';
import { agentIo, contentsOf, fill, newStore, tempDir } from './test-support';
import type { ManifestV1 } from '../../shared/contract/archives';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function manifestFor(name: string, id: string, size: number, sha256: string): ManifestV1 {
  return {
    format: 'repo-server-backup',
    formatVersion: 1,
    repository: { name, id },
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

describe('archive writer and reader', () => {
  it.each(['store', 'fast', 'best'] as const)(
    'writes a ZIP (%s) that unzip -t accepts, whose snapshot passes sqlite3 integrity_check',
    async (compression) => {
      const { store, dataDir } = newStore();
      cleanups.push(() => store.closeAll());
      const repo = store.create('Alpha');
      fill(repo);
      const work = tempDir('archive-out');
      const snap = path.join(dataDir, 'snap.sqlite');
      const facts = await takeSnapshot(repo, snap, { includeHistory: true });
      expect(facts).toMatchObject({ items: 20, revisions: 6, id: repo.id });
      const file = path.join(work, 'Alpha_2026-11-22-09-30-00.zip');
      const written = await writeArchive({
        io: agentIo(cleanups),
        file,
        snapshotFile: snap,
        compression,
        mtime: new Date(),
        manifest: (d) => manifestFor('Alpha', repo.id, d.size, d.sha256),
      });
      expect(fs.readdirSync(work)).toEqual(['Alpha_2026-11-22-09-30-00.zip']);
      expect(written.sizeBytes).toBe(fs.statSync(file).size);
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
      execFileSync('unzip', ['-q', file, '-d', path.join(work, 'x')]);
      const extracted = path.join(work, 'x', SNAPSHOT_ENTRY);
      expect(
        execFileSync('sqlite3', [extracted, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(),
      ).toBe('ok');
      expect(
        execFileSync('sqlite3', [extracted, 'SELECT count(*) FROM items'], { encoding: 'utf8' }).trim(),
      ).toBe('20');

      const archive = await openArchive(file);
      try {
        expect(archive.manifest.repository).toEqual({ name: 'Alpha', id: repo.id });
        const restored = path.join(dataDir, 'restored.sqlite');
        await checkSnapshot(archive, restored);
        expect(fs.statSync(restored).size).toBe(written.size);
      } finally {
        archive.close();
      }
      expect(
        JSON.parse(fs.readFileSync(path.join(work, 'x', MANIFEST_ENTRY), 'utf8')).entries[0].sha256,
      ).toBe(written.sha256);
    },
  );

  it('leaves out the history from the copy only, never from the live repository', async () => {
    const { store, dataDir } = newStore();
    cleanups.push(() => store.closeAll());
    const repo = store.create('Beta');
    fill(repo);
    const before = contentsOf(repo);
    const facts = await takeSnapshot(repo, path.join(dataDir, 's.sqlite'), { includeHistory: false });
    expect(facts).toMatchObject({ items: 20, revisions: 0 });
    expect(contentsOf(repo)).toEqual(before);
    expect(before.revisions.length).toBe(6);
  });

  it('finishes even when another process keeps writing (the stepped copy would restart forever)', async () => {
    const { store, dataDir } = newStore();
    cleanups.push(() => store.closeAll());
    const repo = store.create('Shared');
    for (let i = 0; i < 16; i++) {
      repo.put({
        path: `seed/${i}`,
        kind: 'data',
        content: new Uint8Array(1 << 20).fill(i),
        updatedBy: 'seed',
      });
    }
    // A second connection to the same file, as a running server has while the CLI exports.
    const other = openDatabase(store.pathOf('Shared'));
    const insert = other.prepare(
      "INSERT INTO items (path, kind, content, encoding, version, updated_at, updated_by) VALUES (?, 'data', 'x', 'utf8', 1, 0, 'other')",
    );
    let n = 0;
    const timer = setInterval(() => insert.run(`other/${n++}`), 1);
    try {
      const facts = await takeSnapshot(repo, path.join(dataDir, 's.sqlite'), { includeHistory: true });
      expect(facts.items).toBeGreaterThanOrEqual(16);
      expect(n).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
      other.close();
    }
  });

  it('a snapshot that cannot be read fails cleanly: no partial, no open file left waiting', async () => {
    const work = tempDir('archive-out');
    const file = path.join(work, 'Gone.zip');
    await expect(
      writeArchive({
        io: agentIo(cleanups),
        file,
        snapshotFile: path.join(work, 'missing.sqlite'),
        compression: 'fast',
        mtime: new Date(),
        manifest: () => ({}),
      }),
    ).rejects.toThrow(/The snapshot copy could not be read: ENOENT/);
    expect(fs.readdirSync(work)).toEqual([]);
  });
});
