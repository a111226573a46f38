import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientSession } from '../../shared/contract/clients';
import { RepoClient, type RepoClientError } from '../client/repo-client';
import { CONNECTIONS_ANNOUNCED_WITHIN_MS } from './client-server';
import { CloseCode } from './protocol';
import { eventually, startTestServer } from './test-support';

let disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of disposers) await d();
  disposers = [];
});
async function setup(opts: Parameters<typeof startTestServer>[0] = {}) {
  const t = await startTestServer(opts);
  disposers.push(t.dispose);
  return t;
}

describe('sessions registry', () => {
  it('100 clients on 10 repositories each write 100 items; all 10,000 are there; the registry saw all 100, then none', async () => {
    const repositories = Array.from({ length: 10 }, (_, i) => `Repo ${i}`);
    const t = await setup({ repositories });
    const clients = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t.connect(repositories[i % 10], { label: `tool-${String(i).padStart(3, '0')}` }),
      ),
    );
    const listed = t.server.listSessions();
    expect(listed).toHaveLength(100);
    expect(new Set(listed.map((s) => s.label)).size).toBe(100);
    for (const name of repositories) expect(t.server.connectedCount(name)).toBe(10);

    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; n < 100; n++) {
          // Every item is written twice, the second time with ifVersion, so versions are checked too.
          const path = `tool-${i}/item-${n}`;
          await client.put({ path, kind: 'data', content: `first ${i}/${n}` });
          await client.put({ path, kind: 'data', content: `second ${i}/${n}`, ifVersion: 1 });
        }
      }),
    );
    const sessions = t.server.listSessions();
    expect(sessions.every((s) => s.operations === 200)).toBe(true);

    await Promise.all(clients.map((c) => c.close()));
    await eventually(() => expect(t.server.listSessions()).toEqual([]));

    let total = 0;
    for (const [r, name] of repositories.entries()) {
      const repo = t.store.open(name);
      const items = repo.list();
      expect(items).toHaveLength(1000);
      expect(items.every((item) => item.version === 2)).toBe(true);
      expect(repo.counts()).toEqual({ items: 1000, revisions: 1000 });
      for (let i = r; i < 100; i += 10) expect(repo.get(`tool-${i}/item-99`)?.content).toBe(`second ${i}/99`);
      total += items.length;
    }
    expect(total).toBe(10_000);
  }, 120_000);

  it('lists label, address, repository, connected since, last activity and operations', async () => {
    const t = await setup();
    const client = await t.connect('MAIN', { label: 'Nightly\u0007 runner' });
    await client.list();
    await client.put({ path: 'a', kind: 'data', content: 'x' });
    const [session] = t.server.listSessions();
    expect(session).toMatchObject({
      id: client.welcome.sessionId,
      label: 'Nightly runner',
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      repository: 'Main',
      operations: 2,
    });
    expect(Date.parse(session!.lastActivity)).toBeGreaterThanOrEqual(Date.parse(session!.connectedSince));
  });

  it('a client without a label is listed as "unnamed client"', async () => {
    const t = await setup();
    await RepoClient.connect({ server: t.url(), repository: 'Main' });
    expect(t.server.listSessions()[0]?.label).toBe('unnamed client');
    await t.server.disconnectAll('Main', 'test over');
  });

  it('disconnects one session with 4001 and a reason; an unknown id is NOT_FOUND', async () => {
    const t = await setup();
    const victim = await t.connect();
    const other = await t.connect();
    await t.server.disconnect(victim.welcome.sessionId, 'Please reconnect later.');
    expect(await victim.closed).toEqual({ code: CloseCode.disconnected, reason: 'Please reconnect later.' });
    expect(victim.notices).toContainEqual(
      expect.objectContaining({ kind: 'disconnect', message: 'Please reconnect later.' }),
    );
    expect(t.server.listSessions().map((s) => s.id)).toEqual([other.welcome.sessionId]);
    await expect(t.server.disconnect('no-such-id')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('coalesces clientsChanged: 50 busy clients do not flood the UI', async () => {
    const changes: Array<{ at: number; sessions: ClientSession[]; connections: boolean }> = [];
    const t = await setup({
      changeThrottleMs: 200,
      onSessionsChanged: (sessions, connections) =>
        changes.push({ at: performance.now(), sessions, connections }),
    });
    const clients = await Promise.all(Array.from({ length: 50 }, () => t.connect()));
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 20; n++) await c.put({ path: `c${i}/${n}`, kind: 'data', content: 'x' });
      }),
    );
    // The last event shows the final state: every change reaches the UI, just not one by one.
    await eventually(() => expect(changes.at(-1)?.sessions.every((s) => s.operations === 20)).toBe(true));
    expect(changes.at(-1)?.sessions).toHaveLength(50);
    // 50 connects and 1,000 writes, yet never two events within one window: 50 ms after a connect
    // (CONNECTIONS_ANNOUNCED_WITHIN_MS), the whole 200 ms when sessions only worked.
    for (let i = 1; i < changes.length; i++) {
      const gap = changes[i]!.at - changes[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(changes[i]!.connections ? CONNECTIONS_ANNOUNCED_WITHIN_MS - 5 : 195);
    }
    expect(changes.length).toBeLessThan(1050 / 10);
  });

  it('announces a client that connects at once, while another keeps the work window busy', async () => {
    const changes: Array<{ at: number; sessions: ClientSession[]; connections: boolean }> = [];
    const t = await setup({
      changeThrottleMs: 5_000,
      onSessionsChanged: (sessions, connections) =>
        changes.push({ at: performance.now(), sessions, connections }),
    });
    const busy = await t.connect(undefined, { label: 'busy' });
    // The busy client's work is now waiting for the 5 s window that its connect's announcement opened.
    for (let n = 0; n < 20; n++) await busy.put({ path: `b/${n}`, kind: 'data', content: 'x' });
    await new Promise((r) => setTimeout(r, CONNECTIONS_ANNOUNCED_WITHIN_MS));
    await t.connect(undefined, { label: 'newcomer' });
    const connected = performance.now();
    await eventually(() =>
      expect(changes.some((c) => c.sessions.some((s) => s.label === 'newcomer'))).toBe(true),
    );
    const shown = changes.find((c) => c.sessions.some((s) => s.label === 'newcomer'))!;
    expect(shown.connections).toBe(true);
    // Announced as it connected (its welcome may even arrive after), not when the work window ends.
    expect(shown.at - connected).toBeLessThan(1_000);
    // And the busy client's work came along in the same announcement.
    expect(shown.sessions.find((s) => s.label === 'busy')?.operations).toBe(20);
  });
});

describe('maintenance gate and disconnectAll (the connected-clients policy)', () => {
  it('notifies, closes every session of one repository with 4001, and refuses new ones until released', async () => {
    const t = await setup({ repositories: ['Main', 'Other'] });
    const a = await t.connect('Main');
    const b = await t.connect('Main');
    const bystander = await t.connect('Other');

    t.server.notify('main', { kind: 'backup', message: 'A backup starts in 1 minute.' });
    await eventually(() => expect(a.notices.map((n) => n.kind)).toContain('backup'));
    expect(bystander.notices).toEqual([]);

    const release = t.server.hold('Main', 'Backup of "Main" in progress; try again in a few minutes.');
    const release2 = t.server.hold('Main', 'Restore of "Main" in progress.');
    expect(await t.server.disconnectAll('Main', 'Backup of "Main" is starting.')).toBe(2);
    expect(await a.closed).toEqual({ code: 4001, reason: 'Backup of "Main" is starting.' });
    expect((await b.closed).code).toBe(4001);
    expect(t.server.connectedCount('Main')).toBe(0);

    const refused = await t.connect('Main').catch((e: RepoClientError) => e);
    expect(refused).toMatchObject({ status: 503, code: 'BUSY', message: 'Restore of "Main" in progress.' });
    // Other repositories are not affected.
    await bystander.put({ path: 'x', kind: 'data', content: 'y' });

    release2();
    release2(); // releasing twice is harmless
    expect(await t.connect('Main').catch((e: RepoClientError) => e.message)).toBe(
      'Backup of "Main" in progress; try again in a few minutes.',
    );
    release();
    expect((await t.connect('Main')).welcome.repository).toBe('Main');
  });

  it('disconnectAll of a repository without clients resolves to 0', async () => {
    const t = await setup();
    expect(await t.server.disconnectAll('Main', 'nothing to do')).toBe(0);
  });
});

describe('listener: start, stop, change port', () => {
  it('reports the new session count in its status when a client comes or goes', async () => {
    const counts: number[] = [];
    const t = await setup({ onStateChanged: (s) => counts.push(s.sessionCount) });
    const client = await t.connect();
    await eventually(() => expect(counts.at(-1)).toBe(1));
    await client.close();
    await eventually(() => expect(counts.at(-1)).toBe(0));
  });

  it('stops (every client gets 1001) and starts again', async () => {
    const states: string[] = [];
    // Transitions only: a client coming or going also reports the (unchanged) state with its new count.
    const t = await setup({
      onStateChanged: (s) => {
        if (states.at(-1) !== s.state) states.push(s.state);
      },
    });
    const client = await t.connect();
    const status = await t.server.stop();
    expect(status).toMatchObject({ state: 'stopped', addresses: [], startedAt: null, sessionCount: 0 });
    expect((await client.closed).code).toBe(CloseCode.goingAway);
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    const again = await t.server.start();
    expect(again).toMatchObject({ state: 'running', sessionCount: 0 });
    expect(again.addresses).toEqual([`ws://127.0.0.1:${again.port}/v1/repositories/<name>`]);
    expect((await t.connect()).welcome.repository).toBe('Main');
  });

  it('moves to a free port, keeps the sessions it has, and saves the port', async () => {
    const t = await setup();
    const oldPort = t.server.status().port;
    const before = await t.connect();
    const free = await freePort();
    const status = await t.server.changePort(free);
    expect(status).toMatchObject({ state: 'running', port: free, lastError: null });
    expect(t.settings.get().clientServer.port).toBe(free);
    // New clients use the new port; the old one no longer accepts.
    expect(
      (await RepoClient.connect({ server: `ws://127.0.0.1:${free}`, repository: 'Main' })).welcome,
    ).toBeTruthy();
    await expect(
      RepoClient.connect({ server: `ws://127.0.0.1:${oldPort}`, repository: 'Main' }),
    ).rejects.toThrow(/Cannot connect/);
    // The session from before the move still works.
    await before.put({ path: 'still', kind: 'data', content: 'here' });
    await t.server.disconnectAll('Main', 'done');
  });

  it('a port in use gives PORT_IN_USE and the old port keeps serving', async () => {
    const t = await setup();
    const oldPort = t.server.status().port;
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(t.server.changePort(busy)).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: expect.stringContaining(`keeps serving on port ${oldPort}`),
      });
      expect(t.server.status()).toMatchObject({
        state: 'running',
        port: oldPort,
        lastError: expect.stringContaining(`${busy}`),
      });
      expect(t.settings.get().clientServer.port).not.toBe(busy);
      expect((await t.connect()).welcome.repository).toBe('Main');
    } finally {
      blocker.close();
    }
  });

  it('starting on a port in use fails with PORT_IN_USE and a lastError for the panel', async () => {
    const t = await setup();
    const port = t.server.status().port;
    const second = await startTestServer();
    disposers.push(second.dispose);
    await second.server.stop();
    second.server.overrideAddress({ port });
    await expect(second.server.start()).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    expect(second.server.status()).toMatchObject({
      state: 'stopped',
      lastError: expect.stringContaining(`${port}`),
    });
  });

  it('changing the port while stopped only saves it', async () => {
    const t = await setup();
    await t.server.stop();
    const free = await freePort();
    expect(await t.server.changePort(free)).toMatchObject({ state: 'stopped', port: free });
    expect(t.settings.get().clientServer.port).toBe(free);
  });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}
