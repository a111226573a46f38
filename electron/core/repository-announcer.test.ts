import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepositoriesChange } from '../shared/contract/repositories';
import { RepoClient } from './client/repo-client';
import { eventually } from './client-server/test-support';
import { createServer } from './create-server';
import { followChanges } from './testing/follow-changes';
import { startTestCore, testCoreOptions } from './testing/test-core';

// repositoriesChanged carries only what changed, numbered: a panel that applies each change in order to
// the list followRepositories answered has the very list listRepositories answers, after any mix of
// creates, renames, deletes, clients coming and going, and writes.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function core() {
  const { server, dataDir } = await startTestCore('announcer-');
  dirs.push(dataDir);
  const changes: RepositoriesChange[] = [];
  server.events.on('repositoriesChanged', (c) => changes.push(c));
  return { server, changes };
}

describe('RepositoryAnnouncer', () => {
  it('a create announces its one summary and the order; a connect only the count that changed', async () => {
    const { server, changes } = await core();
    for (const name of ['B', 'D']) await server.handlers.createRepository({ name });
    const start = await server.handlers.followRepositories(undefined);
    changes.length = 0;

    await server.handlers.createRepository({ name: 'C' });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ seq: start.seq + 1, removed: [], order: ['B', 'C', 'D'] });
    expect(changes[0]!.changed.map((r) => r.name)).toEqual(['C']);

    const { port } = await server.handlers.getServerStatus(undefined);
    const client = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'D' });
    await eventually(() => expect(changes.length === 2).toBe(true));
    expect(changes[1]).toMatchObject({ seq: start.seq + 2, removed: [] });
    expect(changes[1]!.order).toBeUndefined();
    expect(changes[1]!.changed).toEqual([expect.objectContaining({ name: 'D', connectedClients: 1 })]);
    client.close();
    await server.stop();
  });

  it('applied in order to followRepositories, the changes give what listRepositories answers', async () => {
    const { server, changes } = await core();
    await server.handlers.createRepository({ name: 'Alpha' });
    const start = await server.handlers.followRepositories(undefined);
    const panel = followChanges({ ...start, items: start.repositories }, (r) => r.name);
    changes.length = 0;
    const { port } = await server.handlers.getServerStatus(undefined);

    for (const name of ['Gamma', 'Beta', 'Zeta', 'Тесты']) await server.handlers.createRepository({ name });
    const client = await RepoClient.connect({ server: `ws://127.0.0.1:${port}`, repository: 'Beta' });
    await eventually(() =>
      expect(changes.some((c) => c.changed.some((r) => r.name === 'Beta' && r.connectedClients === 1))).toBe(
        true,
      ),
    );
    await client.put({ path: 'a', kind: 'data', content: 'x' });
    server.store.open('Alpha').put({ path: 'b', kind: 'data', content: 'y', updatedBy: 'test' });
    await server.handlers.renameRepository({ name: 'Gamma', newName: 'Delta' });
    await server.handlers.deleteRepository({ name: 'Zeta', force: false });
    await server.handlers.deleteRepository({ name: 'Beta', force: true });
    await eventually(() => expect(changes.some((c) => c.removed.includes('Beta'))).toBe(true));
    // Writes are announced every 2 s; the next follow tells what is still untold first.
    const end = await server.handlers.followRepositories(undefined);

    for (const c of changes) panel.apply(c);
    expect(end.seq).toBe(start.seq + changes.length);
    expect(panel.list()).toEqual(await server.handlers.listRepositories(undefined));
    expect(panel.list()).toEqual(end.repositories);
    expect(panel.list().map((r) => r.name)).toEqual(['Alpha', 'Delta', 'Тесты']);
    expect(panel.list()[0]!.itemCount).toBe(1);
    await server.stop();
  });

  it('nothing changed, nothing announced; a restarted core is another stream', async () => {
    const { server, changes } = await core();
    await server.handlers.createRepository({ name: 'Main' });
    const first = await server.handlers.followRepositories(undefined);
    changes.length = 0;
    await server.handlers.followRepositories(undefined);
    expect(changes).toEqual([]);
    await server.stop();
    const restarted = await createServer(testCoreOptions(dirs.at(-1)!));
    const second = await restarted.handlers.followRepositories(undefined);
    expect(second.stream).not.toBe(first.stream);
    expect(second.repositories).toEqual(first.repositories);
    await restarted.stop();
  });
});
