import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFixture, tempDir } from '../backup/test-support';
import { RepoClient, RepoClientError } from '../client/repo-client';
import { ClientServer } from '../client-server/client-server';
import { quietLogger } from '../client-server/test-support';
import { CatalogService } from './catalog-service';

// Single-item restore over real archives written by the backup pipeline, a real repository, and a real
// client on a socket holding a stale version.

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function world() {
  const f = backupFixture(cleanups);
  const catalog = new CatalogService({
    backups: f.service,
    settings: f.settings,
    clock: f.clock,
    dataDir: f.dataDir,
    store: f.store,
  });
  cleanups.push(() => catalog.stop());
  const folder = tempDir('restore-items');
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  const repo = f.store.create('Login Tests');
  const put = (p: string, content: string | Uint8Array, kind = 'module') =>
    repo.put({ path: p, kind, content, updatedBy: 'editor' });
  put('modules/login', 'login v1');
  put('modules/login', 'login v2');
  put('modules/login/steps', 'steps v1');
  put('modules/logout', 'logout v1');
  put('data/logo', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), 'data');
  await f.clock.advanceBy(60_000);
  const backup = await f.service.backupRepository({
    repository: 'Login Tests',
    destination: { kind: 'folder', folder },
    kind: 'backup',
  });
  await f.clock.advanceBy(60_000);
  put('modules/login', 'login v3');
  put('modules/login/steps', 'steps v2');
  repo.delete('modules/logout', { updatedBy: 'editor' });
  return { f, catalog, repo, folder, file: backup.file };
}

describe('single-item restore', () => {
  it('lists the backup’s items with a filter and previews text, bytes and the versions it holds', async () => {
    const w = await world();
    const all = await w.catalog.listItems(w.file);
    expect(all.repository).toBe('Login Tests');
    expect(all.items.map((i) => [i.path, i.kind, i.version])).toEqual([
      ['data/logo', 'data', 1],
      ['modules/login', 'module', 2],
      ['modules/login/steps', 'module', 1],
      ['modules/logout', 'module', 1],
    ]);
    expect(all.items[0]!.sizeBytes).toBe(7);
    expect((await w.catalog.listItems(w.file, { filter: 'LOG' })).items).toHaveLength(4);
    expect((await w.catalog.listItems(w.file, { filter: 'steps' })).items.map((i) => i.path)).toEqual([
      'modules/login/steps',
    ]);
    expect((await w.catalog.listItems(w.file, { prefix: 'modules/login' })).total).toBe(2);

    const text = await w.catalog.previewItem(w.file, 'modules/login');
    expect(text).toMatchObject({ text: 'login v2', encoding: 'utf8', version: 2, textTruncated: false });
    expect(text.versions.map((v) => [v.version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    const bytes = await w.catalog.previewItem(w.file, 'data/logo');
    expect(bytes).toMatchObject({ text: null, encoding: 'binary', sizeBytes: 7 });
    const content = await w.catalog.itemContent(w.file, 'data/logo');
    expect([...Buffer.from(content.base64, 'base64')]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
    await expect(w.catalog.previewItem(w.file, 'modules/none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('restores v2 over v3 as v4, keeps v3 in the revisions, and a client holding v3 gets CONFLICT', async () => {
    const w = await world();
    const clients = new ClientServer({
      store: w.f.store,
      settings: w.f.settings,
      clock: w.f.clock,
      logger: quietLogger,
    });
    clients.overrideAddress({ host: '127.0.0.1', port: 0 });
    await clients.start();
    cleanups.push(() => clients.close());
    const client = await RepoClient.connect({
      server: `ws://127.0.0.1:${clients.status().port}`,
      repository: 'Login Tests',
      label: 'editor tool',
    });
    cleanups.push(async () => void (await client.close()));
    const held = await client.get('modules/login');
    expect(held).toMatchObject({ version: 3, content: 'login v3' });

    const result = await w.catalog.restoreItems(w.file, {
      paths: ['modules/login'],
      into: 'Login Tests',
      create: false,
    });
    expect(result).toEqual({
      repository: 'Login Tests',
      created: false,
      restored: [{ path: 'modules/login', backupVersion: 2, newVersion: 4 }],
    });
    const current = w.repo.get('modules/login')!;
    expect(current).toMatchObject({ content: 'login v2', version: 4 });
    expect(current.updatedBy).toBe(`restore from ${path.basename(w.file)}`);
    expect(w.repo.revisions('modules/login').map((r) => [r.version, r.content])).toEqual([
      [1, 'login v1'],
      [2, 'login v2'],
      [3, 'login v3'],
    ]);
    // Untouched: the other items keep their current versions.
    expect(w.repo.get('modules/login/steps')).toMatchObject({ content: 'steps v2', version: 2 });

    // The client's edit based on v3 is refused by the usual version check, not silently applied.
    const stale = client.put({
      path: 'modules/login',
      kind: 'module',
      content: 'my edit of v3',
      ifVersion: 3,
    });
    await expect(stale).rejects.toBeInstanceOf(RepoClientError);
    await expect(stale).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(w.repo.get('modules/login')).toMatchObject({ content: 'login v2', version: 4 });

    // Restoring what is already there adds no version.
    const again = await w.catalog.restoreItems(w.file, {
      paths: ['modules/login'],
      into: 'login tests',
      create: false,
    });
    expect(again.restored).toEqual([{ path: 'modules/login', backupVersion: 2, newVersion: null }]);
  });

  it('restores a path prefix, bringing back a deleted item as a new version', async () => {
    const w = await world();
    const result = await w.catalog.restoreItems(w.file, {
      paths: [],
      prefix: 'modules/',
      into: 'Login Tests',
      create: false,
    });
    expect(result.restored).toEqual([
      { path: 'modules/login', backupVersion: 2, newVersion: 4 },
      { path: 'modules/login/steps', backupVersion: 1, newVersion: 3 },
      { path: 'modules/logout', backupVersion: 1, newVersion: 2 },
    ]);
    expect(w.repo.get('modules/logout')).toMatchObject({ content: 'logout v1', version: 2 });
    expect(w.repo.revisions('modules/logout').map((r) => [r.version, r.deleted])).toEqual([[1, true]]);
    expect(w.repo.get('data/logo')!.version).toBe(1);
  });

  it('restores into a new repository, and refuses a name that is taken or items the backup lacks', async () => {
    const w = await world();
    const result = await w.catalog.restoreItems(w.file, {
      paths: ['modules/login', 'data/logo'],
      into: 'Login Restored',
      create: true,
    });
    expect(result).toMatchObject({ repository: 'Login Restored', created: true });
    const copy = w.f.store.open('Login Restored');
    expect(copy.list().map((i) => [i.path, i.version])).toEqual([
      ['data/logo', 1],
      ['modules/login', 1],
    ]);
    expect(copy.get('modules/login')!.content).toBe('login v2');
    expect(w.repo.get('modules/login')!.version).toBe(3);

    await expect(
      w.catalog.restoreItems(w.file, { paths: ['modules/login'], into: 'LOGIN TESTS', create: true }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(
      w.catalog.restoreItems(w.file, {
        paths: ['modules/login', 'modules/nope'],
        into: 'Login Tests',
        create: false,
      }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('modules/nope') as unknown,
    });
    // Nothing was written for a refused request.
    expect(w.repo.get('modules/login')!.version).toBe(3);
    await expect(
      w.catalog.restoreItems(w.file, { paths: ['modules/login'], into: 'Nobody', create: false }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers “which backup still had modules/login before …” across the catalog', async () => {
    const w = await world();
    const second = await w.f.service.backupRepository({
      repository: 'Login Tests',
      destination: { kind: 'folder', folder: w.folder },
      kind: 'backup',
    });
    const all = await w.catalog.findItemVersions({ folder: w.folder, path: 'modules/logout' });
    // The newer backup no longer has it (it was deleted); the older one does, at version 1.
    expect(all.hits.map((h) => [h.archive.file, h.item.version])).toEqual([[w.file, 1]]);
    expect(all.searched).toBe(2);
    const login = await w.catalog.findItemVersions({ folder: w.folder, path: 'modules/login' });
    expect(login.hits.map((h) => [h.archive.file, h.item.version])).toEqual([
      [second.file, 3],
      [w.file, 2],
    ]);
    const before = await w.catalog.findItemVersions({
      folder: w.folder,
      path: 'modules/login',
      before: login.hits[0]!.archive.createdAt,
    });
    expect(before.hits.map((h) => h.archive.file)).toEqual([w.file]);
  });

  it('a damaged archive is refused with the reason and leaves nothing in the temp area', async () => {
    const w = await world();
    const bytes = fs.readFileSync(w.file);
    // Flip a byte inside the compressed snapshot: the manifest still reads, the SHA-256 does not match.
    bytes[200] = bytes[200]! ^ 0xff;
    const damaged = path.join(w.folder, 'damaged.zip');
    fs.writeFileSync(damaged, bytes);
    await expect(w.catalog.listItems(damaged)).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    const tmp = path.join(w.f.dataDir, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  });
});
