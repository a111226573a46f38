import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handlers } from '../../shared/contract';
import type { Catalog } from '../../shared/contract/catalog';
import { quietLogger } from '../client-server/test-support';
import { createServer, type RepoServer } from '../create-server';
import { dispatch } from '../dispatch';
import { MemorySettingsBackend } from '../settings';
import { tempDir } from '../backup/test-support';

// openCatalog as a UI calls it: through dispatch (the contract's validation) into a real core.

let server: RepoServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function core() {
  const backend = new MemorySettingsBackend();
  backend.set('clientServer', { host: '127.0.0.1', port: 53400, accessToken: null, autoStart: false });
  server = await createServer({
    dataDir: tempDir('catalog-core'),
    appInfo: { name: 'Repository Server', version: '0.0.0-test' },
    host: 'headless',
    settings: backend,
    logger: quietLogger,
  });
  const s = server;
  return {
    s,
    call: (method: string, args?: unknown) => dispatch(s.handlers as Handlers, method, args, quietLogger),
  };
}

describe('openCatalog (contract)', () => {
  it('opens the automatic backup target by default, with what Back Up Now wrote there', async () => {
    const { s, call } = await core();
    const target = path.join(tempDir('catalog-target'), 'backups');
    s.store.create('Alpha').put({ path: 'modules/a', kind: 'module', content: 'a', updatedBy: 'test' });
    s.settings.update('backup', {
      ...s.settings.get().backup,
      targetFolder: target,
      repositories: ['Alpha'],
    });
    const result = await s.backups.backupRepository({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: target },
      kind: 'backup',
    });
    const opened = await call('openCatalog');
    expect(opened.ok).toBe(true);
    const catalog = (opened as { value: Catalog }).value;
    expect(catalog.folder).toBe(target);
    expect(catalog.timelines.map((t) => t.archives.map((a) => [a.file, a.verification.state]))).toEqual([
      [[result.file, 'verified']],
    ]);
    // The pipeline's catalog step had already written the index: nothing to read again.
    expect(catalog.index).toMatchObject({ found: 'fresh', filesRead: 0 });
    expect(fs.readdirSync(target)).toContain('.repo-server-catalog.json');
  });

  it('refuses a relative folder and says what to do without a target', async () => {
    const { call } = await core();
    const relative = await call('openCatalog', { folder: 'backups' });
    expect(!relative.ok && relative.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(!relative.ok && relative.error.message).toMatch(/Enter a full path/);
    const none = await call('openCatalog', {});
    expect(!none.ok && none.error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/no target folder; choose a folder of backups/) as unknown,
    });
  });

  it('checks item requests against the contract before anything is opened', async () => {
    const { call } = await core();
    const relative = await call('listArchiveItems', { file: 'backups/a.zip' });
    expect(!relative.ok && relative.error.code).toBe('INVALID_ARGUMENT');
    const nothing = await call('restoreArchiveItems', { file: '/tmp/a.zip', paths: [], into: 'Alpha' });
    expect(!nothing.ok && nothing.error.message).toMatch(/Choose at least one item, or a path prefix/);
    const noTarget = await call('restoreArchiveItems', { file: '/tmp/a.zip', paths: ['a'], into: ' ' });
    expect(!noTarget.ok && noTarget.error.message).toMatch(/Choose the repository to restore into/);
    const badTime = await call('findItemVersions', { folder: '/tmp', path: 'a', before: 'Tuesday' });
    expect(!badTime.ok && badTime.error.message).toMatch(/Enter a date and time/);
    const missing = await call('listArchiveItems', { file: '/nonexistent/a.zip' });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });
});
