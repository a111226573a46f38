import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient } from '../client/repo-client';
import { createServer, type RepoServer } from '../create-server';
import { openArchive, checkSnapshot } from './archive-reader';
import { tempDir } from './test-support';

// Ten test tools keep writing over real sockets while the repository is backed up (keep-connected):
// no write fails, none is lost, and every write acknowledged before the snapshot began is in the archive.

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
let server: RepoServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('a backup while clients keep writing', () => {
  it('loses nothing, fails nothing, and holds every write acknowledged before the snapshot', async () => {
    const dataDir = tempDir('live-backup');
    const out = tempDir('live-backup-out');
    server = await createServer({
      dataDir,
      appInfo: { name: 'Repository Server', version: 'test' },
      host: 'headless',
      logger: quiet,
    });
    server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
    await server.start();
    const repo = server.store.create('Busy');
    // Big enough that the snapshot takes many steps.
    for (let i = 0; i < 24; i++)
      repo.put({ path: `seed/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });

    const url = `ws://127.0.0.1:${server.clientServer.status().port}`;
    const clients = await Promise.all(
      Array.from({ length: 10 }, (_, c) =>
        RepoClient.connect({ server: url, repository: 'Busy', label: `tool ${c}` }),
      ),
    );
    const acked = clients.map(() => 0);
    const failures: unknown[] = [];
    let writing = true;
    const writers = clients.map(async (client, c) => {
      for (let i = 0; writing; i++) {
        try {
          await client.put({ path: `c${c}/n${i}`, kind: 'result', content: `client ${c} write ${i}` });
          acked[c] = i + 1;
        } catch (error) {
          failures.push(error);
        }
      }
    });

    let ackedAtSnapshotStart: number[] | undefined;
    const off = server.events.on('jobProgress', (p) => {
      if (p.phase === 'snapshot' && !ackedAtSnapshotStart) ackedAtSnapshotStart = [...acked];
    });
    // Let the writers get going first.
    while (acked.some((n) => n < 5)) await new Promise((r) => setTimeout(r, 5));
    const result = await server.backups.startExportJob({
      repository: 'Busy',
      destination: { kind: 'folder', folder: out },
    }).done;
    off();
    const ackedAtEnd = [...acked];
    writing = false;
    await Promise.all(writers);
    await Promise.all(clients.map((c) => c.close()));

    expect(result.error).toBeNull();
    expect(failures).toEqual([]);
    // Nothing lost: every acknowledged write is in the live repository.
    for (const [c, n] of acked.entries()) {
      expect(repo.list(`c${c}/`)).toHaveLength(n);
    }
    // Writes kept coming during the backup.
    expect(ackedAtEnd.reduce((a, b) => a + b, 0)).toBeGreaterThan(
      ackedAtSnapshotStart!.reduce((a, b) => a + b, 0),
    );

    const archive = await openArchive(result.file!);
    const extracted = path.join(tempDir('live-backup-check'), 'snap.sqlite');
    await checkSnapshot(archive, extracted);
    archive.close();
    const snap = new DatabaseSync(extracted, { readOnly: true });
    try {
      for (let c = 0; c < 10; c++) {
        const paths = (
          snap.prepare('SELECT path FROM items WHERE path LIKE ?').all(`c${c}/%`) as Array<{ path: string }>
        )
          .map((r) => Number(r.path.split('/n')[1]))
          .sort((a, b) => a - b);
        // A consistent point in time: each client's writes are a gap-free prefix…
        expect(paths).toEqual(paths.map((_, i) => i));
        // …that holds everything acknowledged before the snapshot began.
        expect(paths.length).toBeGreaterThanOrEqual(ackedAtSnapshotStart![c]!);
      }
      expect(archive.manifest.itemCount).toBe(
        (snap.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n,
      );
    } finally {
      snap.close();
    }
    expect(fs.readdirSync(out)).toHaveLength(1);
  });
});
