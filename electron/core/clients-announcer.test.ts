import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientsChange } from '../shared/contract/clients';
import { RepoClient } from './client/repo-client';
import { eventually } from './client-server/test-support';
import { createServer } from './create-server';
import { followChanges } from './testing/follow-changes';
import { startTestCore, testCoreOptions } from './testing/test-core';

// clientsChanged carries only the sessions that changed, numbered, keyed by session id: a panel that
// applies each change in order to the list followClients answered has the very list listClients
// answers, after any mix of connects, work, disconnects and kicks.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function core() {
  const { server, dataDir } = await startTestCore('clients-announcer-');
  dirs.push(dataDir);
  for (const name of ['Main', 'Other']) await server.handlers.createRepository({ name });
  const changes: ClientsChange[] = [];
  server.events.on('clientsChanged', (c) => changes.push(c));
  const { port } = await server.handlers.getServerStatus(undefined);
  const connect = (repository: string, label: string) =>
    RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository, label });
  return { server, changes, connect };
}

describe('clientsChanged, numbered', () => {
  it('a connect announces its one session and the order; work only the session that worked', async () => {
    const { server, changes, connect } = await core();
    const a = await connect('Main', 'tool-a');
    await eventually(() => expect(changes.length === 1).toBe(true));
    const start = await server.handlers.followClients(undefined);
    changes.length = 0;

    const b = await connect('Other', 'tool-b');
    await eventually(() => expect(changes.length === 1).toBe(true));
    expect(changes[0]).toMatchObject({ stream: start.stream, seq: start.seq + 1, removed: [] });
    expect(changes[0]!.changed.map((s) => s.label)).toEqual(['tool-b']);
    expect(changes[0]!.order).toEqual([start.clients[0]!.id, changes[0]!.changed[0]!.id]);

    await a.put({ path: 'x', kind: 'data', content: 'x' });
    await eventually(() => expect(changes.length === 2).toBe(true));
    expect(changes[1]!.order).toBeUndefined();
    expect(changes[1]!.removed).toEqual([]);
    expect(changes[1]!.changed).toEqual([expect.objectContaining({ label: 'tool-a', operations: 1 })]);
    await a.close();
    await b.close();
    await server.stop();
  });

  it('applied in order to followClients, the changes give what listClients answers', async () => {
    const { server, changes, connect } = await core();
    const first = await connect('Main', 'first');
    await eventually(() => expect(changes.length > 0).toBe(true));
    const start = await server.handlers.followClients(undefined);
    const panel = followChanges({ ...start, items: start.clients }, (c) => c.id);
    changes.length = 0;

    // Two tools with one label: the list is keyed by session id, not by label.
    const tools = await Promise.all([
      connect('Main', 'tool'),
      connect('Other', 'tool'),
      connect('Main', 'x'),
    ]);
    await tools[0]!.put({ path: 'a', kind: 'data', content: 'a' });
    await tools[1]!.put({ path: 'b', kind: 'data', content: 'b' });
    await tools[1]!.put({ path: 'c', kind: 'data', content: 'c' });
    await first.close();
    const [kicked] = (await server.handlers.listClients(undefined)).filter((s) => s.label === 'x');
    await server.handlers.disconnectClient({ id: kicked!.id, reason: 'Kicked.' });
    const late = await connect('Other', 'late');
    await late.put({ path: 'd', kind: 'data', content: 'd' });
    await eventually(() =>
      expect(changes.some((c) => c.changed.some((s) => s.label === 'late' && s.operations === 1))).toBe(true),
    );
    // Work still in its 250 ms window: the next follow tells what is untold first.
    await late.put({ path: 'e', kind: 'data', content: 'e' });
    const end = await server.handlers.followClients(undefined);

    for (const c of changes) panel.apply(c);
    expect(end.seq).toBe(start.seq + changes.length);
    expect(panel.list()).toEqual(await server.handlers.listClients(undefined));
    expect(panel.list()).toEqual(end.clients);
    expect(panel.list().map((s) => `${s.label}:${s.operations}`)).toEqual(['tool:1', 'tool:2', 'late:2']);
    for (const t of [...tools, late]) await t.close();
    await server.stop();
  });

  it('nothing changed, nothing announced; a restarted core is another stream', async () => {
    const { server, changes } = await core();
    const first = await server.handlers.followClients(undefined);
    changes.length = 0;
    await server.handlers.followClients(undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(changes).toEqual([]);
    await server.stop();
    const restarted = await createServer(testCoreOptions(dirs.at(-1)!));
    const second = await restarted.handlers.followClients(undefined);
    expect(second.stream).not.toBe(first.stream);
    expect(second.clients).toEqual([]);
    await restarted.stop();
  });
});
