import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../core/dispatch';
import { MemorySettingsBackend, SettingsService } from '../core/settings';
import { desktopSettingsStore } from './desktop-settings';
import { desktopHostHandlers } from './host-handlers';
import { xdgAutostartLoginItem } from './login-item';

// The Desktop settings dialog shows a failure beside the setting it concerns: the login item's comes
// back as a field error of launchAtLogin.

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function setUp() {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-settings-'));
  dirs.push(configDir);
  const loginItem = xdgAutostartLoginItem({
    configDir,
    executable: '/opt/Repository Server/repo-server',
    appName: 'Repository Server',
  });
  const backend = new MemorySettingsBackend();
  const handlers = desktopHostHandlers({
    dialog: {} as never,
    shell: {} as never,
    itemContent: {} as never,
    openFiles: {} as never,
    logsDir: path.join(configDir, 'logs'),
    desktopSettings: desktopSettingsStore({ loginItem, settings: new SettingsService(backend) }),
  });
  const call = (name: string, args: unknown) => dispatch(handlers as never, name, args, { error: () => {} });
  return { configDir, backend, call, autostart: path.join(configDir, 'autostart', 'repo-server.desktop') };
}

describe('saving the desktop settings', () => {
  it('turns the XDG autostart entry on and off', async () => {
    const { call, autostart } = setUp();
    expect(await call('saveDesktopSettings', { launchAtLogin: true })).toEqual({
      ok: true,
      value: { launchAtLogin: true, notifyOnSuccess: false },
    });
    expect(fs.readFileSync(autostart, 'utf8')).toContain('--hidden');
    expect(await call('saveDesktopSettings', { launchAtLogin: false })).toMatchObject({ ok: true });
    expect(fs.existsSync(autostart)).toBe(false);
  });

  it('a login item the system refuses is a field error of launchAtLogin; the other setting is kept', async () => {
    const { call, configDir, backend } = setUp();
    // A file where the autostart folder should be: mkdir fails, as with a folder we may not write.
    fs.writeFileSync(path.join(configDir, 'autostart'), 'not a folder');
    const result = await call('saveDesktopSettings', { launchAtLogin: true, notifyOnSuccess: true });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'NOT_WRITABLE',
        message: expect.stringMatching(/^Could not turn on start at login: .*autostart/),
        fields: { launchAtLogin: expect.stringContaining('Could not turn on start at login') },
      },
    });
    expect(backend.store.notifyOnSuccess).toBe(true);
    expect(await call('getDesktopSettings', {})).toEqual({
      ok: true,
      value: { launchAtLogin: false, notifyOnSuccess: true },
    });
  });
});
