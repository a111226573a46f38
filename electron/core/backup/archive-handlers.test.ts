import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobResult } from '../../shared/contract/archives';
import { createServer, type RepoServer } from '../create-server';
import { dispatch } from '../dispatch';
import type { Handlers } from '../../shared/contract';
import { tempDir } from './test-support';

// The archive methods as a UI calls them: validated by the contract, answered with Results, progress by events.

let server: RepoServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('archive methods of the contract', () => {
  it('export, preview, verify, import and the history, end to end', async () => {
    server = await createServer({
      dataDir: tempDir('handlers'),
      appInfo: { name: 'Repository Server', version: '0.1.0' },
      host: 'headless',
      logger: quiet,
    });
    const call = (method: string, args: unknown) =>
      dispatch(server!.handlers as Handlers, method, args, quiet);
    const out = tempDir('handlers-out');
    await server.handlers.createRepository({ name: 'Alpha' });
    server.store.open('Alpha').put({ path: 'm/1', kind: 'module', content: 'one', updatedBy: 'x' });

    const finished: JobResult[] = [];
    server.events.on('jobFinished', (r) => finished.push(r));
    const started = await call('startExport', {
      repositories: ['Alpha'],
      destination: { kind: 'folder', folder: out },
    });
    expect(started).toMatchObject({
      ok: true,
      value: { jobs: [{ repository: 'Alpha', jobId: expect.any(String) }] },
    });
    // A whole export job (agent, snapshot and hasher started, archive verified): seconds on a busy machine.
    await expect.poll(() => finished.length, { timeout: 15_000 }).toBe(1);
    const file = finished[0]!.file!;
    expect(finished[0]).toMatchObject({ status: 'done', kind: 'export', sizeBytes: fs.statSync(file).size });

    const preview = await call('previewArchives', { files: [file, path.join(out, 'missing.zip')] });
    expect(preview).toMatchObject({
      ok: true,
      value: [
        { file, exists: true, manifest: { repository: { name: 'Alpha' }, itemCount: 1 }, error: null },
        { manifest: null, error: { code: 'NOT_FOUND' } },
      ],
    });
    expect(await call('verifyArchives', { files: [file] })).toMatchObject({
      ok: true,
      value: [{ verified: true }],
    });

    const imported = await call('startImport', { items: [{ file, onConflict: 'rename' }] });
    expect(imported.ok).toBe(true);
    await expect.poll(() => finished.length, { timeout: 15_000 }).toBe(2);
    expect(finished[1]).toMatchObject({ kind: 'import', status: 'done', restoredAs: 'Alpha-Restore1' });

    const history = await call('listHistory', { limit: 10 });
    const entries = (history as { value: Array<{ kind: string; status: string }> }).value;
    expect(entries.map((h) => [h.kind, h.status])).toEqual([
      ['import', 'ok'],
      ['verify', 'ok'],
      ['export', 'ok'],
    ]);
    expect(await call('listJobs', undefined)).toEqual({ ok: true, value: [] });
    expect(await call('cancelJob', { jobId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('refuses bad input with the contract’s messages', async () => {
    server = await createServer({
      dataDir: tempDir('handlers'),
      appInfo: { name: 'Repository Server', version: '0.1.0' },
      host: 'headless',
      logger: quiet,
    });
    const call = (method: string, args: unknown) =>
      dispatch(server!.handlers as Handlers, method, args, quiet);
    expect(
      await call('startExport', { repositories: [], destination: { kind: 'folder', folder: '/x' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(
      await call('startExport', {
        repositories: ['A', 'B'],
        destination: { kind: 'file', file: '/x/a.zip' },
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('to a folder') },
    });
    expect(await call('startImport', { items: [{ file: '/x.zip', onConflict: 'overwrite' }] })).toMatchObject(
      {
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      },
    );
  });
});
