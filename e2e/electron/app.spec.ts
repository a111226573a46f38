import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { methodNames } from '../../electron/shared/contract';

// Runs only with `npm run test:electron` (after `npm run build`), on a machine where the Electron binary
// could be downloaded. Each test starts the real desktop app on a fresh user-data folder.

const ROOT = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface DesktopApp {
  app: ElectronApplication;
  window: Page;
  userData: string;
  port: number;
}

/** The app as a user starts it, on its own user-data folder and a free client port (53400 may be taken). */
async function launchDesktopApp(): Promise<DesktopApp> {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'repo-server-electron-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(userData, 'settings.json'),
    JSON.stringify({ version: 1, clientServer: { port } }),
  );
  const app = await electron.launch({
    args: ['.', `--user-data-dir=${userData}`],
    cwd: ROOT,
    // Linux keeps launch at login in $XDG_CONFIG_HOME/autostart: the tester's own entry stays untouched.
    env: { ...process.env, XDG_CONFIG_HOME: path.join(userData, 'config') },
  });
  const window = await app.firstWindow();
  return { app, window, userData, port };
}

/** Whether something listens on the port, as a test tool connecting to the server would find. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.once('connect', () => socket.destroy());
  });

const windowsVisible = (app: ElectronApplication) =>
  app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()));

let running: DesktopApp | null = null;
test.afterEach(async () => {
  await running?.app.close();
  if (running) fs.rmSync(running.userData, { recursive: true, force: true });
  running = null;
});

test('the window shows the server info: desktop host, its data folder, the client port', async () => {
  running = await launchDesktopApp();
  const { app, window, userData, port } = running;
  expect(await app.evaluate(({ app: electronApp }) => electronApp.getPath('userData'))).toBe(userData);
  const info = window.getByTestId('server-info');
  await expect(info).toContainText('Desktop app');
  await expect(info).toContainText(path.join(userData, 'data'));
  await expect(window.getByTestId('server-port')).toHaveText(String(port));
  await window.screenshot({ path: 'test-results/electron-server-info.png' });
});

test('closing the window keeps the app running in the tray; activating it shows the window again', async () => {
  running = await launchDesktopApp();
  const { app, window } = running;
  await expect(window.getByTestId('server-info')).toContainText('Desktop app');
  expect(await windowsVisible(app)).toEqual([true]);

  // As the title bar's close button does: 'close' on the BrowserWindow.
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  await expect.poll(() => windowsVisible(app)).toEqual([false]);
  expect(app.process().exitCode).toBeNull();
  // Clients can still connect: the server does not depend on the window.
  expect(await accepts(running.port)).toBe(true);

  await app.evaluate(({ app: electronApp }) => void electronApp.emit('activate'));
  await expect.poll(() => windowsVisible(app)).toEqual([true]);
});

test('the page gets the contract and nothing else: window.api, no Node', async () => {
  running = await launchDesktopApp();
  const { window } = running;
  await expect(window.getByTestId('server-info')).toContainText('Desktop app');
  const page = await window.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown> & { api: Record<string, unknown> };
    return {
      api: Object.keys(g.api).sort(),
      host: g.api.host,
      frozen: Object.isFrozen(g.api),
      node: ['require', 'process', 'module', 'Buffer', 'ipcRenderer', 'electron'].filter(
        (name) => typeof g[name] !== 'undefined',
      ),
    };
  });
  expect(page).toEqual({
    api: [...methodNames, 'host', 'on'].sort(),
    host: 'electron',
    frozen: true,
    node: [],
  });
});

test('Desktop Settings opens from the toolbar, and Cancel changes nothing', async () => {
  running = await launchDesktopApp();
  const { window } = running;
  await window.getByRole('button', { name: 'Desktop Settings' }).click();
  const dialog = window.getByRole('dialog', { name: 'Desktop settings' });
  const atLogin = dialog.getByRole('checkbox', { name: 'Start at login (in the tray)' });
  await expect(atLogin).not.toBeChecked();
  await window.screenshot({ path: 'test-results/electron-desktop-settings.png' });
  await atLogin.check();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await window.getByRole('button', { name: 'Desktop Settings' }).click();
  await expect(
    window.getByRole('dialog', { name: 'Desktop settings' }).getByRole('checkbox').first(),
  ).not.toBeChecked();
  await window.keyboard.press('Escape');
  await expect(window.getByRole('dialog')).toHaveCount(0);
});
