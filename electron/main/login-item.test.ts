import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  autostartEntry,
  isHiddenStart,
  loginItemFor,
  osLoginItem,
  xdgAutostartLoginItem,
} from './login-item';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'login-item-'));

/** A stand-in for the login-item half of Electron's app (the OS keeps the real one). */
function fakeApp(wasOpenedAtLogin = false) {
  let openAtLogin = false;
  const calls: unknown[] = [];
  return {
    calls,
    getLoginItemSettings: (options?: unknown) => {
      calls.push(['get', options]);
      return { openAtLogin, wasOpenedAtLogin } as never;
    },
    setLoginItemSettings: (settings: { openAtLogin?: boolean }) => {
      calls.push(['set', settings]);
      openAtLogin = settings.openAtLogin ?? false;
    },
    getPath: () => '/home/ada',
    getName: () => 'Repository Server',
  };
}

describe('launch at login', () => {
  it('Windows and macOS: registers the app with --hidden, and reads it back with the same args', () => {
    const app = fakeApp();
    const item = osLoginItem(app);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    expect(app.calls).toContainEqual(['set', { openAtLogin: true, args: ['--hidden'] }]);
    expect(app.calls).toContainEqual(['get', { args: ['--hidden'] }]);
  });

  it('Linux: writes and removes an XDG autostart entry that starts hidden', () => {
    const configDir = tmp();
    const item = xdgAutostartLoginItem({
      configDir,
      executable: '/opt/Repository Server/repo-server',
      appName: 'Repository Server',
    });
    const file = path.join(configDir, 'autostart', 'repo-server.desktop');
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    const entry = fs.readFileSync(file, 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/opt/Repository Server/repo-server" --hidden');
    item.setEnabled(false);
    expect(fs.existsSync(file)).toBe(false);
    item.setEnabled(false); // already off: no error
  });

  it('Linux: an entry the user disabled in their desktop settings counts as off', () => {
    const configDir = tmp();
    const item = xdgAutostartLoginItem({
      configDir,
      executable: '/usr/bin/repo-server',
      appName: 'Repository Server',
    });
    item.setEnabled(true);
    const file = path.join(configDir, 'autostart', 'repo-server.desktop');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'),
    );
    expect(item.isEnabled()).toBe(false);
  });

  it('Linux: an AppImage is started through its own file, in the XDG config folder', () => {
    const configDir = tmp();
    const item = loginItemFor({
      platform: 'linux',
      app: fakeApp() as never,
      env: { XDG_CONFIG_HOME: configDir, APPIMAGE: '/home/ada/Apps/Repository-Server.AppImage' },
      execPath: '/tmp/.mount_Repo/repo-server',
    });
    item.setEnabled(true);
    const entry = fs.readFileSync(path.join(configDir, 'autostart', 'repo-server.desktop'), 'utf8');
    expect(entry).toContain('Exec=/home/ada/Apps/Repository-Server.AppImage --hidden');
  });

  it('quotes what the Desktop Entry spec needs quoted, and keeps the name on one line', () => {
    const entry = autostartEntry('Repo\nServer', '/opt/a "b"/$x`y`');
    expect(entry).toContain('Exec="/opt/a \\"b\\"/\\$x\\`y\\`" --hidden');
    expect(entry).toContain('Name=Repo Server\n');
  });
});

describe('a hidden start', () => {
  it('is --hidden on the command line, or macOS opening us at login', () => {
    expect(isHiddenStart(['/usr/bin/repo-server', '--hidden'], fakeApp(), 'linux')).toBe(true);
    expect(isHiddenStart(['/usr/bin/repo-server'], fakeApp(), 'linux')).toBe(false);
    expect(isHiddenStart(['/Applications/Repository Server.app'], fakeApp(true), 'darwin')).toBe(true);
    expect(isHiddenStart(['C:\\repo-server.exe'], fakeApp(true), 'win32')).toBe(false);
  });
});
