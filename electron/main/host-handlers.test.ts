import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../core/dispatch';
import { MemorySettingsBackend, SettingsService } from '../core/settings';
import { desktopSettingsStore } from './desktop-settings';
import { desktopHostHandlers } from './host-handlers';
import type { LoginItem } from './login-item';

const quiet = { warn: () => {}, error: () => {} };

function setUp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-handlers-'));
  const archive = path.join(dir, 'Sales_2026-11-23-22-00-00.zip');
  fs.writeFileSync(archive, 'zip');
  let loginEnabled = false;
  const loginItem: LoginItem = {
    isEnabled: () => loginEnabled,
    setEnabled: (on) => void (loginEnabled = on),
  };
  const backend = new MemorySettingsBackend();
  const settings = new SettingsService(backend);
  const revealed: string[] = [];
  const opened: string[] = [];
  const dialogCalls: unknown[] = [];
  const handlers = desktopHostHandlers({
    dialog: {
      showOpenDialog: async (options: unknown) => {
        dialogCalls.push(options);
        return { canceled: false, filePaths: ['/picked'] };
      },
    } as never,
    shell: {
      showItemInFolder: (p: string) => void revealed.push(p),
      openPath: async (p: string) => {
        opened.push(p);
        return '';
      },
    },
    logsDir: path.join(dir, 'logs'),
    desktopSettings: desktopSettingsStore({ loginItem, settings }),
    itemContent: {} as never, // Save… is save-archive-item.test.ts's
    openFiles: {} as never,
  });
  const call = (name: string, args: unknown) => dispatch(handlers as never, name, args, quiet);
  return {
    dir,
    archive,
    handlers,
    call,
    revealed,
    opened,
    dialogCalls,
    backend,
    loginEnabled: () => loginEnabled,
  };
}

describe('the desktop host methods', () => {
  it('Show in folder reveals an archive that exists', async () => {
    const { call, archive, revealed } = setUp();
    expect(await call('showInFolder', { path: archive })).toEqual({ ok: true, value: null });
    expect(revealed).toEqual([archive]);
  });

  it('Show in folder says so when the file is gone or the path is not a full path', async () => {
    const { call, dir, revealed } = setUp();
    const gone = await call('showInFolder', { path: path.join(dir, 'moved.zip') });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(gone.ok === false && gone.error.message).toContain('moved.zip no longer exists');
    expect(await call('showInFolder', { path: 'relative.zip' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('showInFolder', { path: '' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(revealed).toEqual([]);
  });

  it('Open logs folder creates it if needed and opens it', async () => {
    const { call, dir, opened } = setUp();
    expect(await call('openLogsFolder', {})).toEqual({ ok: true, value: null });
    expect(opened).toEqual([path.join(dir, 'logs')]);
    expect(fs.statSync(path.join(dir, 'logs')).isDirectory()).toBe(true);
  });

  it('the pickers answer the chosen paths, null when cancelled', async () => {
    const { call, dialogCalls } = setUp();
    expect(await call('pickFiles', { filters: [{ name: 'Backups', extensions: ['zip'] }] })).toEqual({
      ok: true,
      value: ['/picked'],
    });
    expect(dialogCalls[0]).toMatchObject({ properties: ['openFile', 'multiSelections'] });
    expect(await call('pickFolder', { title: 'Backup folder' })).toEqual({ ok: true, value: ['/picked'] });
    expect(dialogCalls[1]).toMatchObject({
      title: 'Backup folder',
      properties: ['openDirectory', 'createDirectory'],
    });
  });

  it('desktop settings: launch at login and success notifications, saved where each belongs', async () => {
    const { call, backend, loginEnabled } = setUp();
    expect(await call('getDesktopSettings', {})).toEqual({
      ok: true,
      value: { launchAtLogin: false, notifyOnSuccess: false },
    });
    expect(await call('saveDesktopSettings', { launchAtLogin: true })).toEqual({
      ok: true,
      value: { launchAtLogin: true, notifyOnSuccess: false },
    });
    expect(loginEnabled()).toBe(true);
    expect(await call('saveDesktopSettings', { notifyOnSuccess: true })).toEqual({
      ok: true,
      value: { launchAtLogin: true, notifyOnSuccess: true },
    });
    expect(backend.store.notifyOnSuccess).toBe(true);
  });

  it('desktop settings refuse a payload that is not the contract’s', async () => {
    const { call, loginEnabled } = setUp();
    for (const bad of [{ launchAtLogin: 'yes' }, { notifyOnSuccess: 1 }, 'on', [true]]) {
      expect(await call('saveDesktopSettings', bad)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
    expect(await call('getDesktopSettings', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(loginEnabled()).toBe(false);
  });
});
