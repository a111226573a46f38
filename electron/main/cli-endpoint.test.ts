import fs from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient } from '../core/client/repo-client';
import { createServer, type RepoServer } from '../core/create-server';
import { dataDirHolder, lockDataDir } from '../core/data-dir-lock';
import { MemorySettingsBackend } from '../core/settings';
import { headlessHostHandlers } from '../headless/host-handlers';
import { jsonLines, runCommand, tempDirs } from '../headless/testing/cli-harness';
import { ipcChannel } from '../shared/contract';
import type { HistoryEntry } from '../shared/contract/archives';
import { startCliEndpoint, type CliEndpoint } from './cli-endpoint';
import { registerContractIpc } from './ipc';
import { APP_ORIGIN } from './protocol';

// The desktop app as the CLI's forwarding target: what electron/main/index.ts starts on ready — the core
// (host 'electron', its settings in a store outside the data dir, as electron-store keeps them), the lock,
// the endpoint — without Electron, and the real CLI against it. The Control Panel's view is the real IPC
// registration with a fake window, which receives what the desktop renderer would.

const temp = tempDirs();
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  temp.removeAll();
});

/** The desktop app on a data dir with Alpha (20 items), and the events its window is sent. */
async function desktop() {
  const dataDir = temp.make('desktop-cli-');
  const lock = lockDataDir(dataDir, { host: 'electron', startedAt: '2026-12-03T10:00:00Z' });
  const core: RepoServer = await createServer({
    dataDir,
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'electron',
    settings: new MemorySettingsBackend(),
  });
  core.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
  await core.start();
  const repo = core.store.create('Alpha');
  for (let i = 0; i < 20; i++)
    repo.put({ path: `m/${i}`, kind: 'module', content: `v${i}`, updatedBy: 'seed' });

  const window: Array<{ name: string; payload: unknown }> = [];
  const ipcMain = {
    handle: () => {},
    removeHandler: () => {},
    on: (channel: string, fn: (event: unknown) => void) => {
      if (channel !== ipcChannel.ready) return;
      fn({
        senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null },
        sender: {
          send: (_channel: string, name: string, payload: unknown) => window.push({ name, payload }),
          isDestroyed: () => false,
          once: () => {},
        },
      });
    },
    removeListener: () => {},
  };
  const unregister = registerContractIpc({
    ipcMain: ipcMain as never,
    handlers: { ...core.handlers, ...headlessHostHandlers },
    events: core.events,
    trustedOrigins: [APP_ORIGIN],
  });
  const endpoint: CliEndpoint = await startCliEndpoint({
    dataDir,
    handlers: core.handlers,
    events: core.events,
    lock,
    logger: { error: () => {} },
  });
  // Quit: the endpoint first, then the core, then the lock (as index.ts does).
  running.push(async () => {
    unregister();
    await endpoint.close();
    await core.stop();
    lock.release();
  });
  return { dataDir, core, endpoint, window };
}

const target = () => temp.make('desktop-cli-target-');

describe('the desktop app as the CLI’s forwarding target', () => {
  it('is in the lock, and the CLI forwards to it: status live from the desktop app, backup as a cli job with a verified archive', async () => {
    const app = await desktop();
    expect(dataDirHolder(app.dataDir)).toMatchObject({ host: 'electron', controlPanel: app.endpoint.origin });
    expect(app.endpoint.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const scheduled = await runCommand([
      'schedule',
      '--repos',
      'Alpha',
      '--target',
      target(),
      '--data-dir',
      app.dataDir,
    ]);
    expect(scheduled.code).toBe(0);
    // Forwarded: the desktop core's own settings changed (they live in its store, not in the data dir).
    expect(app.core.settings.get().backup.repositories).toEqual(['Alpha']);
    expect(fs.existsSync(`${app.dataDir}/settings.json`)).toBe(false);

    const status = await runCommand(['status', '--data-dir', app.dataDir]);
    expect(status).toMatchObject({ code: 0, err: '' });
    expect(status.out).toMatch(/^Source: +live, from the Repository Server desktop app \(pid \d+/m);

    const backup = await runCommand(['backup', 'Alpha', '--data-dir', app.dataDir]);
    expect(backup).toMatchObject({ code: 0, err: '' });
    const file = /to (\S+\.zip)/.exec(backup.out)![1]!;
    // The desktop Control Panel's window was sent the job as it ran.
    expect(app.window).toContainEqual({
      name: 'jobFinished',
      payload: expect.objectContaining({ kind: 'backup', repository: 'Alpha', status: 'done', file }),
    });
    const history = (await app.core.handlers.listHistory({ limit: 5 })) as HistoryEntry[];
    expect(history.find((h) => h.repository === 'Alpha')).toMatchObject({
      kind: 'backup',
      trigger: 'cli',
      status: 'ok',
    });

    const verified = await runCommand(['verify', file, '--json', '--data-dir', app.dataDir]);
    expect(verified.code).toBe(0);
    expect(jsonLines(verified.out).at(-1)).toMatchObject({
      type: 'result',
      archives: [{ file, verified: true, manifest: { itemCount: 20 } }],
    });
  }, 60_000);

  it('prints and exits the same as with no server on the folder', async () => {
    const script = async (dataDir: string) => {
      const answers: string[] = [];
      for (const args of [
        ['list'],
        ['create', 'Beta'],
        ['create', 'beta'],
        ['create', '.bad'],
        ['list', '--json'],
      ]) {
        const r = await runCommand([...args, '--data-dir', dataDir]);
        answers.push(
          `$ ${args.join(' ')} → ${r.code}\n${r.out}${r.err}`.replace(/\b\d+(\.\d+)? (B|KB)\b/g, '<n>'),
        );
      }
      // What differs between two folders: ids, times, sizes, and so the width of a column.
      return answers.map((a) =>
        a
          .replace(/"(id|sizeBytes|lastModified|createdAt)":[^,}]+/g, '"$1":_')
          .replace(/\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d/g, '<when>')
          .replace(/ {2,}/g, '  '),
      );
    };
    const app = await desktop();
    const forwarded = await script(app.dataDir);
    // The same repository in a folder no server holds: the commands run in-process.
    const alone = temp.make('desktop-cli-alone-');
    const seed = await createServer({
      dataDir: alone,
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'headless',
    });
    const repo = seed.store.create('Alpha');
    for (let i = 0; i < 20; i++)
      repo.put({ path: `m/${i}`, kind: 'module', content: `v${i}`, updatedBy: 'seed' });
    await seed.stop();
    expect(forwarded).toEqual(await script(alone));
    expect(forwarded[3]).toMatch(/^\$ create \.bad → 2\n/);
  }, 60_000);

  it('Ctrl-C cancels the desktop app’s job: exit 5, history "cancelled"', async () => {
    const app = await desktop();
    const policy = ['--policy', 'disconnect', '--grace', '1'];
    expect(
      (
        await runCommand([
          'schedule',
          '--repos',
          'Alpha',
          '--target',
          target(),
          ...policy,
          '--data-dir',
          app.dataDir,
        ])
      ).code,
    ).toBe(0);
    // A connected client makes the backup wait a minute (its grace period): a job that surely runs.
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(app.core.clientServer.status().addresses.join(' '))![1]);
    const client = await RepoClient.connect({
      server: `ws://127.0.0.1:${port}`,
      repository: 'Alpha',
      label: 'tool',
    });
    try {
      let ctrlC!: () => void;
      const stop = new Promise<void>((resolve) => (ctrlC = resolve));
      const started = new Promise<void>((resolve) =>
        app.core.events.onAny((name) => name === 'jobProgress' && resolve()),
      );
      const cli = runCommand(['backup', 'Alpha', '--data-dir', app.dataDir], { stop });
      await started;
      ctrlC();
      const ended = await cli;
      expect(ended.code).toBe(5);
      expect(ended.err).toContain('cancel');
      const history = (await app.core.handlers.listHistory({ limit: 5 })) as HistoryEntry[];
      expect(history.find((h) => h.repository === 'Alpha')).toMatchObject({
        trigger: 'cli',
        status: 'cancelled',
      });
    } finally {
      await client.close();
    }
  }, 60_000);

  it('guards its API as the headless console does: Host, Origin, site, token, body, and no page', async () => {
    const app = await desktop();
    const token = fs.readFileSync(`${app.dataDir}/console-token`, 'utf8').trim();
    expect(fs.statSync(`${app.dataDir}/console-token`).mode & 0o777).toBe(0o600);
    const port = Number(new URL(app.endpoint.origin).port);
    const ask = (pathname: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: { ok: boolean; error?: { code: string; message: string } } }>(
        (resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port, path: pathname, method: body === undefined ? 'GET' : 'POST', headers },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
            },
          );
          req.on('error', reject);
          req.end(body);
        },
      );
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ok = await ask('/api/listRepositories', auth, '{}');
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
    // DNS rebinding: a name that resolves to 127.0.0.1 is not this endpoint's.
    expect(await ask('/api/listRepositories', { ...auth, host: `evil.example:${port}` }, '{}')).toMatchObject(
      {
        status: 403,
        body: { error: { code: 'FORBIDDEN' } },
      },
    );
    expect(
      await ask('/api/listRepositories', { ...auth, origin: 'http://evil.example' }, '{}'),
    ).toMatchObject({ status: 403 });
    expect(
      await ask('/api/listRepositories', { ...auth, 'sec-fetch-site': 'cross-site' }, '{}'),
    ).toMatchObject({ status: 403 });
    expect(await ask('/api/listRepositories', { 'content-type': 'application/json' }, '{}')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect(await ask('/api/events', {})).toMatchObject({ status: 401 });
    expect(await ask('/api/createRepository', auth, '{"name":".bad"}')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_ARGUMENT' } },
    });
    expect(await ask('/api/listRepositories', { ...auth, 'content-type': 'text/plain' }, '{}')).toMatchObject(
      {
        status: 415,
      },
    );
    // The host methods open the app's windows: never at a script's request.
    expect(await ask('/api/pickFolder', auth, '{}')).toMatchObject({
      body: { error: { code: 'NOT_SUPPORTED' } },
    });
    // No page: the desktop app has its own window.
    expect(await ask('/', { authorization: `Bearer ${token}` })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: expect.stringContaining('contract API only') } },
    });
  });
});
