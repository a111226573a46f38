import fs from 'node:fs';
import path from 'node:path';
import type { App } from 'electron';

/** Whether the app starts with the user's session, always with `--hidden` so it goes to the tray. */
export interface LoginItem {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

export const HIDDEN_FLAG = '--hidden';

/** Windows and macOS: the OS keeps the login item; Windows passes our flag, macOS tells us instead. */
export function osLoginItem(app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>): LoginItem {
  const args = [HIDDEN_FLAG];
  return {
    isEnabled: () => app.getLoginItemSettings({ args }).openAtLogin,
    setEnabled: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args }),
  };
}

/**
 * Linux has no login-item API in Electron: desktops follow the XDG autostart spec, a `.desktop` file in
 * `~/.config/autostart`. An AppImage must be started through its own file, not the extracted binary.
 */
export function xdgAutostartLoginItem(options: {
  configDir: string;
  executable: string;
  appName: string;
  fileName?: string;
}): LoginItem {
  const file = path.join(options.configDir, 'autostart', options.fileName ?? 'repo-server.desktop');
  return {
    isEnabled: () => {
      try {
        const text = fs.readFileSync(file, 'utf8');
        return !/^Hidden\s*=\s*true/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false/m.test(text);
      } catch {
        return false;
      }
    },
    setEnabled: (enabled) => {
      if (!enabled) {
        fs.rmSync(file, { force: true });
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, autostartEntry(options.appName, options.executable));
    },
  };
}

/** Quotes an Exec argument per the Desktop Entry spec when it holds anything but safe characters. */
function execArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartEntry(appName: string, executable: string): string {
  const name = appName.replace(/[\r\n]/g, ' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${name}`,
    `Comment=Starts ${name} in the system tray so scheduled backups keep running`,
    `Exec=${execArg(executable)} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The login item for this platform. */
export function loginItemFor(options: {
  platform: NodeJS.Platform;
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings' | 'getPath' | 'getName'>;
  env: NodeJS.ProcessEnv;
  execPath: string;
}): LoginItem {
  if (options.platform !== 'linux') return osLoginItem(options.app);
  return xdgAutostartLoginItem({
    configDir: options.env.XDG_CONFIG_HOME || path.join(options.app.getPath('home'), '.config'),
    executable: options.env.APPIMAGE || options.execPath,
    appName: options.app.getName(),
  });
}

/** A start for the tray only: our flag (Windows, Linux) or macOS saying it opened us at login. */
export function isHiddenStart(
  argv: readonly string[],
  app: Pick<App, 'getLoginItemSettings'>,
  platform: NodeJS.Platform,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
