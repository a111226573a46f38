import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RepoClient } from '../electron/core/client/repo-client';
import { createServer, type RepoServer } from '../electron/core/create-server';
import { headlessHostHandlers } from '../electron/headless/host-handlers';
import { startWebHost } from '../electron/headless/web-host';
import { registerContractIpc } from '../electron/main/ipc';
import { APP_ORIGIN } from '../electron/main/protocol';
import { ipcChannel } from '../electron/shared/contract';
import type { Result } from '../electron/shared/result';

// Every admin operation of issue #3 through both real adapters: the Electron IPC registration (with a
// stand-in ipcMain, as in electron/main/ipc.test.ts) and the headless web host's HTTP API.

type Call = (name: string, args?: unknown) => Promise<Result<unknown>>;
interface Transport {
  call: Call;
  /** Names of the events this transport delivered so far. */
  events: string[];
  close(): Promise<void>;
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function core(): Promise<RepoServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-ops-'));
  const server = await createServer({
    dataDir,
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'headless',
    logger: quiet,
  });
  server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return server;
}

async function overIpc(server: RepoServer): Promise<Transport> {
  const handles = new Map<string, (event: unknown, ...args: unknown[]) => Promise<Result<unknown>>>();
  const listeners = new Map<string, (event: unknown) => void>();
  const ipcMain = {
    handle: (channel: string, fn: never) => void handles.set(channel, fn),
    removeHandler: (channel: string) => void handles.delete(channel),
    on: (channel: string, fn: never) => void listeners.set(channel, fn),
    removeListener: (channel: string) => void listeners.delete(channel),
  };
  const unregister = registerContractIpc({
    ipcMain: ipcMain as never,
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    trustedOrigins: [APP_ORIGIN],
    logger: quiet,
  });
  const events: string[] = [];
  const senderFrame = { url: `${APP_ORIGIN}/index.html`, parent: null };
  const sender = {
    send: (_channel: string, name: string) => events.push(name),
    isDestroyed: () => false,
    once: () => undefined,
  };
  listeners.get(ipcChannel.ready)!({ senderFrame, sender });
  return {
    call: (name, args) => handles.get(ipcChannel.call)!({ senderFrame, sender }, name, args),
    events,
    close: async () => {
      if (typeof unregister === 'function') unregister();
    },
  };
}

async function overHttp(server: RepoServer): Promise<Transport> {
  const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Control Panel</title>');
  const web = await startWebHost({
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    staticDir,
    logger: quiet,
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${web.token}` };
  const events: string[] = [];
  const abort = new AbortController();
  const sse = await fetch(`http://127.0.0.1:${web.port}/api/events`, { headers, signal: abort.signal });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of sse.body!) {
        for (const match of decoder.decode(chunk).matchAll(/^event: (\w+)$/gm)) events.push(match[1]!);
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return {
    call: async (name, args) => {
      const response = await fetch(`http://127.0.0.1:${web.port}/api/${name}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args ?? {}),
      });
      return (await response.json()) as Result<unknown>;
    },
    events,
    close: async () => {
      abort.abort();
      await web.close();
    },
  };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

const value = <T>(result: Result<unknown>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
};

async function eventually(check: () => void) {
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe.each([
  ['IPC adapter', overIpc],
  ['HTTP API of repo-server serve', overHttp],
])('admin operations through the %s', (_name, open) => {
  it('repositories: create, list, rename and delete, with clear errors', async () => {
    const server = await core();
    const api = await open(server);
    cleanups.push(api.close);

    const created = value<{ name: string; id: string }>(
      await api.call('createRepository', { name: 'Alpha' }),
    );
    expect(created).toMatchObject({ name: 'Alpha', itemCount: 0, connectedClients: 0 });
    expect(await api.call('createRepository', { name: 'ALPHA' })).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_EXISTS' },
    });
    for (const name of ['a/b', '..', 'CON', 'x'.repeat(65), 'nul\u0000']) {
      expect(await api.call('createRepository', { name }), name).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', fields: { name: expect.any(String) } },
      });
    }
    expect(value(await api.call('listRepositories'))).toEqual([expect.objectContaining({ name: 'Alpha' })]);

    // A connected client blocks rename and (unforced) delete.
    const port = value<{ port: number }>(await api.call('getServerStatus')).port;
    const client = await RepoClient.connect({
      server: `ws://127.0.0.1:${port}`,
      repository: 'alpha',
      label: 'probe',
    });
    await client.put({ path: 'a', kind: 'data', content: 'x' });
    expect(value(await api.call('listRepositories'))).toEqual([
      expect.objectContaining({ name: 'Alpha', itemCount: 1, connectedClients: 1 }),
    ]);
    expect(await api.call('renameRepository', { name: 'Alpha', newName: 'Beta' })).toMatchObject({
      ok: false,
      error: { code: 'BUSY', message: expect.stringContaining('1 client is connected') },
    });
    expect(await api.call('deleteRepository', { name: 'Alpha' })).toMatchObject({
      ok: false,
      error: { code: 'BUSY' },
    });
    await client.close();
    await eventually(() => expect(server.clients.connectedCount('Alpha')).toBe(0));

    const renamed = value(await api.call('renameRepository', { name: 'alpha', newName: 'Beta' }));
    expect(renamed).toMatchObject({ name: 'Beta', id: created.id, itemCount: 1 });
    expect(await api.call('renameRepository', { name: 'Gone', newName: 'X' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });

    // Forced delete disconnects the clients with 4001 first.
    const again = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'Beta' });
    expect(value(await api.call('deleteRepository', { name: 'Beta', force: true }))).toBeNull();
    expect((await again.closed).code).toBe(4001);
    expect(value(await api.call('listRepositories'))).toEqual([]);
    expect(fs.readdirSync(server.store.repositoriesDir)).toEqual([]);
    expect(server.serverDb.auditLog().map((e) => e.action)).toEqual([
      'repository.delete',
      'repository.rename',
      'repository.create',
    ]);
    await eventually(() => expect(api.events).toContain('repositoriesChanged'));
  });

  it('client server: status, clients, disconnect, change port, stop and start', async () => {
    const server = await core();
    const api = await open(server);
    cleanups.push(api.close);
    value(await api.call('createRepository', { name: 'Main' }));

    const status = value<{ state: string; port: number; addresses: string[] }>(
      await api.call('getServerStatus'),
    );
    expect(status).toMatchObject({
      state: 'running',
      host: '127.0.0.1',
      sessionCount: 0,
      accessTokenRequiredFrom: 'other-machines',
    });
    expect(status.addresses).toEqual([`ws://127.0.0.1:${status.port}/v1/repositories/<name>`]);

    const client = await RepoClient.connect({
      server: `ws://127.0.0.1:${status.port}`,
      repository: 'Main',
      label: 'Nightly',
    });
    const clients = value<Array<{ id: string; label: string; repository: string }>>(
      await api.call('listClients'),
    );
    expect(clients).toEqual([expect.objectContaining({ label: 'Nightly', repository: 'Main' })]);
    await eventually(() => expect(api.events).toContain('clientsChanged'));
    expect(
      value(await api.call('disconnectClient', { id: clients[0]!.id, reason: 'Maintenance.' })),
    ).toBeNull();
    expect(await client.closed).toEqual({ code: 4001, reason: 'Maintenance.' });
    expect(await api.call('disconnectClient', { id: clients[0]!.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });

    const free = await freePort();
    expect(value(await api.call('changePort', { port: free }))).toMatchObject({
      state: 'running',
      port: free,
    });
    expect(server.settings.get().clientServer.port).toBe(free);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    expect(await api.call('changePort', { port: busy })).toMatchObject({
      ok: false,
      error: { code: 'PORT_IN_USE', message: expect.stringContaining(`keeps serving on port ${free}`) },
    });
    blocker.close();
    expect(value(await api.call('getServerStatus'))).toMatchObject({ state: 'running', port: free });

    expect(value(await api.call('stopClientServer'))).toMatchObject({ state: 'stopped', addresses: [] });
    expect(value(await api.call('startClientServer'))).toMatchObject({ state: 'running', port: free });
    await eventually(() => expect(api.events).toContain('serverStateChanged'));
  });

  it('validates every argument against the contract', async () => {
    const server = await core();
    const api = await open(server);
    cleanups.push(api.close);
    for (const [name, args] of [
      ['changePort', { port: 70000 }],
      ['changePort', { port: 'http' }],
      ['deleteRepository', {}],
      ['deleteRepository', { name: 'x', force: 'yes' }],
      ['renameRepository', { name: 'x', newName: 'a\\b' }],
      ['disconnectClient', { id: '' }],
      ['getServerStatus', { sneaky: true }],
      ['listClients', { all: true }],
    ] as const) {
      expect(await api.call(name, args), `${name} ${JSON.stringify(args)}`).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
  });
});
