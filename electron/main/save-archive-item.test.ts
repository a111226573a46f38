import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAgentLauncher } from '../core/backup/fs-agent';
import { TargetFs } from '../core/backup/target-fs';
import { tempDir } from '../core/backup/test-support';
import { quietLogger } from '../core/client-server/test-support';
import { createServer, type RepoServer } from '../core/create-server';
import { dispatch } from '../core/dispatch';
import { MemorySettingsBackend } from '../core/settings';
import type { Handlers } from '../shared/contract';
import { desktopHostHandlers } from './host-handlers';

// Save… in the Backups dialog, in the desktop app: the native save dialog (a fake, as every Electron
// object in tests) picks the file, and the main process writes the item from a real backup through a real
// file agent — atomically, with a clear error where the user looks.

let core: RepoServer;
let archive: string;
const bytes = randomBytes(3 * 1024 * 1024 + 17); // more than one write to the agent

beforeAll(async () => {
  const backend = new MemorySettingsBackend();
  backend.set('clientServer', { host: '127.0.0.1', port: 53400, accessToken: null, autoStart: false });
  core = await createServer({
    dataDir: tempDir('save-item-core'),
    appInfo: { name: 'Repository Server', version: '0.0.0-test' },
    host: 'electron',
    settings: backend,
    logger: quietLogger,
  });
  const repo = core.store.create('Alpha');
  repo.put({ path: 'data/logo.png', kind: 'data', content: bytes, updatedBy: 'test' });
  repo.put({ path: 'modules/login', kind: 'module', content: 'step 1', updatedBy: 'test' });
  const result = await core.backups.backupRepository({
    repository: 'Alpha',
    destination: { kind: 'folder', folder: tempDir('save-item-backups') },
    kind: 'backup',
  });
  archive = result.file!;
});
afterAll(() => core.stop());

function desktop(answer: () => { canceled: boolean; filePath?: string }) {
  const asked: unknown[] = [];
  const handlers = desktopHostHandlers({
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async (options: unknown) => {
        asked.push(options);
        return answer();
      },
    } as never,
    shell: {} as never,
    logsDir: tempDir('save-item-logs'),
    desktopSettings: {} as never,
    itemContent: core.handlers.getArchiveItemContent,
    openFiles: () => new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000 }),
  });
  const call = (args: unknown) =>
    dispatch({ ...core.handlers, ...handlers } as Handlers, 'saveArchiveItem', args, quietLogger);
  return { call, asked };
}

describe('Save… of an item of a backup (desktop)', () => {
  it('writes the item’s bytes to the chosen file, replacing one there, and leaves no temporary file', async () => {
    const folder = tempDir('save-item-out');
    const chosen = path.join(folder, 'logo.png');
    fs.writeFileSync(chosen, 'an older file the user agreed to replace');
    const { call, asked } = desktop(() => ({ canceled: false, filePath: chosen }));
    const saved = await call({ file: archive, path: 'data/logo.png' });
    expect(saved).toEqual({
      ok: true,
      value: { path: 'data/logo.png', file: chosen, sizeBytes: bytes.length },
    });
    expect(fs.readFileSync(chosen).equals(bytes)).toBe(true);
    expect(fs.readdirSync(folder)).toEqual(['logo.png']);
    expect(asked).toEqual([
      expect.objectContaining({
        defaultPath: 'logo.png',
        properties: expect.arrayContaining(['showOverwriteConfirmation']),
      }),
    ]);
  });

  it('answers null when the dialog is cancelled, and writes nothing', async () => {
    const { call } = desktop(() => ({ canceled: true }));
    expect(await call({ file: archive, path: 'modules/login' })).toEqual({ ok: true, value: null });
  });

  it('an item the backup does not hold fails before any dialog', async () => {
    const { call, asked } = desktop(() => ({ canceled: false, filePath: '/tmp/never' }));
    const r = await call({ file: archive, path: 'modules/gone' });
    expect(!r.ok && r.error.code).toBe('NOT_FOUND');
    expect(asked).toEqual([]);
  });

  it('a folder it cannot write to: a clear error naming the item and the file, and nothing left there', async () => {
    const folder = tempDir('save-item-readonly');
    // A file where the folder should be: no folder can hold the temporary file (works as root too).
    const notAFolder = path.join(folder, 'report.txt');
    fs.writeFileSync(notAFolder, 'a file');
    const chosen = path.join(notAFolder, 'login.txt');
    const { call } = desktop(() => ({ canceled: false, filePath: chosen }));
    const r = await call({ file: archive, path: 'modules/login' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(
      new RegExp(`^Could not save modules/login as ${chosen.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
    expect(fs.readdirSync(folder)).toEqual(['report.txt']);
  });

  it('validates its arguments as every boundary does', async () => {
    const { call, asked } = desktop(() => ({ canceled: true }));
    const r = await call({ file: 'relative.zip', path: '' });
    expect(!r.ok && r.error.code).toBe('INVALID_ARGUMENT');
    expect(asked).toEqual([]);
  });
});
