import { describe, expect, it } from 'vitest';
import { createServer } from './create-server';
import { dispatch } from './dispatch';
import { AppFailure } from '../shared/result';
import type { HostHandlers } from '../shared/contract';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-'));

describe('dispatch', async () => {
  const server = await createServer({
    dataDir: tmp(),
    appInfo: { name: 'Repository Server', version: '1.2.3' },
    host: 'headless',
  });
  const host: HostHandlers = {
    pickFolder: async () => null,
    pickFiles: async () => null,
    showInFolder: async () => null,
    saveArchiveItem: async () => null,
    openLogsFolder: async () => null,
    getDesktopSettings: async () => ({ launchAtLogin: false, notifyOnSuccess: false }),
    saveDesktopSettings: async () => ({ launchAtLogin: false, notifyOnSuccess: false }),
  };
  const handlers = { ...server.handlers, ...host };

  it.each([
    ['previewArchives', { files: ['backups/login.zip'] }, 'files.0'],
    ['verifyArchives', { files: ['./x.zip'] }, 'files.0'],
    ['startImport', { items: [{ file: 'x.zip' }] }, 'items.0.file'],
    [
      'startExport',
      { repositories: ['a'], destination: { kind: 'folder', folder: 'out' } },
      'destination.folder',
    ],
  ] as const)(
    '%s refuses a relative path ("Enter a full path"), never resolving it against the server’s folder',
    async (method, args, field) => {
      const result = await dispatch(handlers, method, args);
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'INVALID_ARGUMENT',
          fields: { [field]: expect.stringMatching(/^Enter a full path, such as /) },
        },
      });
    },
  );

  it('answers a known method with its value', async () => {
    const result = await dispatch(handlers, 'getServerInfo', undefined);
    expect(result).toMatchObject({
      ok: true,
      value: { appName: 'Repository Server', version: '1.2.3', host: 'headless' },
    });
  });

  it('refuses an unknown method by name', async () => {
    const result = await dispatch(handlers, 'dropAllTables', {});
    expect(result).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: 'There is no method named "dropAllTables".' },
    });
  });

  it('refuses an argument the contract does not allow, naming the field', async () => {
    const result = await dispatch(handlers, 'getServerInfo', { sneaky: true });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_ARGUMENT');
      expect(result.error.message).toContain('sneaky');
    }
    const picked = await dispatch(handlers, 'showInFolder', { path: 42 });
    expect(picked).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', fields: { path: expect.any(String) } },
    });
  });

  it('passes an AppFailure through with its code and turns a crash into INTERNAL', async () => {
    const failing = {
      ...handlers,
      getServerInfo: async () => {
        throw new AppFailure('BUSY', 'Busy right now.');
      },
    };
    expect(await dispatch(failing, 'getServerInfo', undefined)).toEqual({
      ok: false,
      error: { code: 'BUSY', message: 'Busy right now.' },
    });
    const crashing = {
      ...handlers,
      getServerInfo: async () => {
        throw new Error('disk on fire');
      },
    };
    const quiet = { error: () => {} };
    expect(await dispatch(crashing, 'getServerInfo', undefined, quiet)).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('disk on fire') },
    });
  });
});
