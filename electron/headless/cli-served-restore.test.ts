import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient } from '../core/client/repo-client';
import type { HistoryEntry } from '../shared/contract/archives';
import { openServer } from './open-server';
import { runCommand, serveDataDir, tempDirs, type ServedDataDir } from './testing/cli-harness';

// The scenario: a real `serve` with two real clients writing, and the CLI asking it to back up
// and to restore. The server does it as the Control Panel would: notices, disconnects, a safety backup.

const temp = tempDirs();
afterEach(() => temp.removeAll());

async function seeded() {
  const dataDir = temp.make('cli-served-');
  const server = await openServer(dataDir);
  const repo = server.store.create('Alpha');
  for (let i = 0; i < 10; i++)
    repo.put({ path: `m/${i}`, kind: 'module', content: `v${i}`, updatedBy: 'seed' });
  await server.stop();
  return dataDir;
}

const clientPort = (server: ServedDataDir) =>
  Number(/Clients connect to: ws:\/\/127\.0\.0\.1:(\d+)/.exec(server.output())![1]);

/** A test tool writing w<n>/<i> as fast as it is answered, until its connection ends; what was acknowledged. */
async function writer(port: number, n: number) {
  const client = await RepoClient.connect({
    server: `ws://127.0.0.1:${port}`,
    repository: 'Alpha',
    label: `writer ${n}`,
  });
  const acknowledged: string[] = [];
  let open = true;
  void client.closed.then(() => (open = false));
  const loop = (async () => {
    for (let i = 0; open; i++) {
      const path = `w${n}/${i}`;
      try {
        await client.put({ path, kind: 'data', content: `written by ${n}` });
        acknowledged.push(path);
      } catch {
        // Refused or cut off: not acknowledged, so not owed.
      }
    }
  })();
  return { client, acknowledged, loop };
}

/** The item paths of a repository file inside an archive, read with the tools an administrator has. */
function pathsInArchive(archive: string): string[] {
  const dir = temp.make('cli-served-unzip-');
  execFileSync('unzip', ['-q', archive, 'repository.sqlite', '-d', dir]);
  return execFileSync(
    'sqlite3',
    [path.join(dir, 'repository.sqlite'), 'SELECT path FROM items ORDER BY path'],
    {
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter(Boolean);
}

describe('the CLI and a serving server with two clients writing', () => {
  it('backup under keep-connected: runs on the server, clients keep writing, exit 0 with a verified archive', async () => {
    const dataDir = await seeded();
    const target = temp.make('cli-served-target-');
    expect(
      (await runCommand(['schedule', '--repos', 'Alpha', '--target', target, '--data-dir', dataDir])).code,
    ).toBe(0);
    const server = await serveDataDir(dataDir);
    const writers = await Promise.all([writer(clientPort(server), 1), writer(clientPort(server), 2)]);
    try {
      await expect.poll(() => writers.every((w) => w.acknowledged.length > 20)).toBe(true);
      const backup = await runCommand(['backup', 'Alpha', '--data-dir', dataDir]);
      expect(backup).toMatchObject({ code: 0, err: '' });
      const file = /to (\S+\.zip)/.exec(backup.out)![1]!;
      expect(server.events).toContainEqual({
        name: 'jobFinished',
        payload: expect.objectContaining({ kind: 'backup', repository: 'Alpha', status: 'done', file }),
      });
      // Still connected and still writing.
      const before = writers.map((w) => w.acknowledged.length);
      await expect.poll(() => writers.every((w, i) => w.acknowledged.length > before[i]! + 10)).toBe(true);
      expect((await runCommand(['verify', file, '--data-dir', dataDir])).code).toBe(0);
    } finally {
      for (const w of writers) await w.client.close();
      await Promise.all(writers.map((w) => w.loop));
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('backup under disconnect: the clients get a notice, then 4001', async () => {
    const dataDir = await seeded();
    const target = temp.make('cli-served-target-');
    const policy = ['--policy', 'disconnect', '--grace', '0'];
    expect(
      (
        await runCommand([
          'schedule',
          '--repos',
          'Alpha',
          '--target',
          target,
          ...policy,
          '--data-dir',
          dataDir,
        ])
      ).code,
    ).toBe(0);
    const server = await serveDataDir(dataDir);
    const writers = await Promise.all([writer(clientPort(server), 1), writer(clientPort(server), 2)]);
    try {
      await expect.poll(() => writers.every((w) => w.acknowledged.length > 5)).toBe(true);
      const backup = await runCommand(['backup', 'Alpha', '--data-dir', dataDir]);
      expect(backup.code).toBe(0);
      for (const w of writers) {
        expect((await w.client.closed).code).toBe(4001);
        expect(w.client.notices.length).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all(writers.map((w) => w.loop));
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('import --on-conflict replace: clients disconnected with a notice, safety backup holds every acknowledged write, the repository is the archive', async () => {
    const dataDir = await seeded();
    const out = temp.make('cli-served-out-');
    const exported = await runCommand(['export', 'Alpha', '--to', out, '--data-dir', dataDir]);
    const archive = /to (\S+\.zip)/.exec(exported.out)![1]!;
    const server = await serveDataDir(dataDir);
    const writers = await Promise.all([writer(clientPort(server), 1), writer(clientPort(server), 2)]);
    try {
      await expect.poll(() => writers.every((w) => w.acknowledged.length > 20)).toBe(true);
      const restore = await runCommand([
        'import',
        archive,
        '--as',
        'Alpha',
        '--on-conflict',
        'replace',
        '--data-dir',
        dataDir,
      ]);
      expect(restore).toMatchObject({ code: 0, err: '' });
      expect(restore.out).toMatch(/^Restored .*Alpha_[\d-]+\.zip as "Alpha" in .+\.$/m);
      for (const w of writers) {
        expect((await w.client.closed).code).toBe(4001);
        expect(w.client.notices.map((n) => n.kind)).toContain('restore');
      }
      await Promise.all(writers.map((w) => w.loop));
      // Every write a client was told succeeded is in the safety backup taken before the restore.
      const safetyDir = path.join(dataDir, 'safety-backups');
      const safety = fs.readdirSync(safetyDir).filter((f) => f.endsWith('.zip'));
      expect(safety).toHaveLength(1);
      const saved = new Set(pathsInArchive(path.join(safetyDir, safety[0]!)));
      const acknowledged = writers.flatMap((w) => w.acknowledged);
      expect(acknowledged.length).toBeGreaterThan(40);
      expect(acknowledged.filter((p) => !saved.has(p))).toEqual([]);
      // And the repository is the archive again.
      const again = await RepoClient.connect({
        server: `ws://127.0.0.1:${clientPort(server)}`,
        repository: 'Alpha',
      });
      expect((await again.list()).map((i) => i.path).sort()).toEqual(pathsInArchive(archive));
      await again.close();
      const history = await server.api<HistoryEntry[]>('listHistory', { limit: 3 });
      expect(history.map((h) => [h.kind, h.trigger, h.status])).toEqual(
        expect.arrayContaining([
          ['import', 'cli', 'ok'],
          ['backup', 'pre-restore', 'ok'],
        ]),
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
