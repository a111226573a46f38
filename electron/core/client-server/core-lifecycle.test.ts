import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient } from '../client/repo-client';
import { CONNECTION_LOST_AFTER_MS, HEARTBEAT_EVERY_MS } from '../../shared/contract/server-info';
import { createServer, WRITES_ANNOUNCED_EVERY_MS } from '../create-server';
import { FakeClock } from '../testing/fake-clock';
import { MemorySettingsBackend } from '../settings';
import { quietLogger } from './test-support';

// The client server as part of the core: started by start() when autoStart is on, stopped by stop()
// with every handle closed, and its events on the core's bus.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function core(clientServer: Record<string, unknown> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-lifecycle-'));
  dirs.push(dataDir);
  const settings = new MemorySettingsBackend();
  settings.store = { version: 1, clientServer: { host: '127.0.0.1', port: 53400, ...clientServer } };
  return createServer({
    dataDir,
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'headless',
    settings,
    logger: quietLogger,
  });
}

describe('the client server inside the core', () => {
  it('start() listens when autoStart is on; stop() disconnects clients and closes every database', async () => {
    const server = await core();
    server.clientServer.overrideAddress({ port: 0 });
    const seen: string[] = [];
    server.events.onAny((name) => seen.push(name));
    await server.start();
    const { port, state } = await server.handlers.getServerStatus(undefined);
    expect(state).toBe('running');
    await server.handlers.createRepository({ name: 'Main' });
    const client = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'Main' });
    await client.put({ path: 'a', kind: 'data', content: 'x' });
    const repo = server.store.open('Main');

    await server.stop();
    expect((await client.closed).code).toBe(1001);
    expect(repo.isClosed).toBe(true);
    expect(server.serverDb.db.isOpen).toBe(false);
    expect(seen).toEqual(
      expect.arrayContaining(['serverStateChanged', 'repositoriesChanged', 'clientsChanged']),
    );
    // The port is free again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) =>
      probe.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    probe.close();
  });

  it('beats every HEARTBEAT_EVERY_MS while started, and not after stop(): a UI reads silence as loss', async () => {
    const clock = new FakeClock(Date.parse('2026-11-22T10:00:00Z'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-heartbeat-'));
    dirs.push(dataDir);
    const settings = new MemorySettingsBackend();
    settings.store = { version: 1, clientServer: { autoStart: false } };
    const server = await createServer({
      dataDir,
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'headless',
      settings,
      clock,
      logger: quietLogger,
    });
    const beats: string[] = [];
    server.events.on('heartbeat', (p) => beats.push(p.at));
    await server.start();
    await clock.advanceBy(HEARTBEAT_EVERY_MS * 3);
    expect(beats).toHaveLength(3);
    expect(HEARTBEAT_EVERY_MS * 2).toBeLessThan(CONNECTION_LOST_AFTER_MS);
    await server.stop();
    await clock.advanceBy(HEARTBEAT_EVERY_MS * 3);
    expect(beats).toHaveLength(3);
  });

  it('start() leaves the client server stopped when autoStart is off', async () => {
    const server = await core({ autoStart: false });
    await server.start();
    expect(await server.handlers.getServerStatus(undefined)).toMatchObject({
      state: 'stopped',
      addresses: [],
    });
    await server.stop();
  });

  it('a port in use at start does not keep the core from starting; the status says why', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const server = await core({ port: busy });
      await server.start();
      expect(await server.handlers.getServerStatus(undefined)).toMatchObject({
        state: 'stopped',
        port: busy,
        lastError: expect.stringContaining(`Port ${busy}`),
      });
      // The rest of the core works.
      expect((await server.handlers.createRepository({ name: 'Still Works' })).name).toBe('Still Works');
      await server.stop();
    } finally {
      blocker.close();
    }
  });

  it('refuses to delete a repository leased by a backup, before disconnecting anyone', async () => {
    const server = await core();
    server.clientServer.overrideAddress({ port: 0 });
    await server.start();
    await server.handlers.createRepository({ name: 'Main' });
    const { port } = await server.handlers.getServerStatus(undefined);
    const client = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'Main' });
    const release = server.store.lease('Main', 'a backup of "Main" is running');
    await expect(server.handlers.deleteRepository({ name: 'Main', force: true })).rejects.toMatchObject({
      code: 'BUSY',
      message: expect.stringContaining('backup'),
    });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    release();
    await server.handlers.deleteRepository({ name: 'Main', force: true });
    expect((await client.closed).code).toBe(4001);
    await server.stop();
  });

  it("clients' writes update the repositories' counts, announced once per 2 s rather than per write", async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-lifecycle-'));
    dirs.push(dataDir);
    const server = await createServer({
      dataDir,
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'headless',
      clock,
      logger: quietLogger,
    });
    server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
    await server.start();
    await server.handlers.createRepository({ name: 'Main' });
    const { port } = await server.handlers.getServerStatus(undefined);
    const client = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'Main' });
    const announced: number[] = [];
    server.events.on('repositoriesChanged', ({ changed }) =>
      announced.push(changed.find((r) => r.name === 'Main')!.itemCount),
    );
    for (let i = 0; i < 5; i++) await client.put({ path: `p/${i}`, kind: 'data', content: 'x' });
    expect(announced).toEqual([]);
    await clock.advanceBy(WRITES_ANNOUNCED_EVERY_MS);
    expect(announced).toEqual([5]);
    await client.put({ path: 'p/5', kind: 'data', content: 'x' });
    await clock.advanceBy(WRITES_ANNOUNCED_EVERY_MS);
    expect(announced).toEqual([5, 6]);
    client.close();
    await server.stop();
  });
});
