// The Electron shell: kept thin. The core does the work; this wires it to a window and IPC.
import { app, BrowserWindow, dialog, ipcMain, protocol, shell } from 'electron';
import ElectronStore from 'electron-store';
import path from 'node:path';
import { createServer, type RepoServer } from '../core/create-server';
import type { SettingsBackend } from '../core/settings';
import { desktopSettingsStore } from './desktop-settings';
import { desktopHostHandlers } from './host-handlers';
import { loginItemFor } from './login-item';
import { originOf, registerContractIpc } from './ipc';
import { APP_ORIGIN, registerAppScheme, serveRendererFile } from './protocol';
import { lockDown, mainWindowOptions } from './window';

registerAppScheme(protocol);

let mainWindow: BrowserWindow | null = null;
let server: RepoServer | null = null;

const devServerUrl = process.env.ELECTRON_RENDERER_URL;

function showWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

async function start(): Promise<void> {
  const rendererDir = path.join(import.meta.dirname, '../renderer');
  protocol.handle('app', (request) => serveRendererFile(rendererDir, request.url));

  const settings = new ElectronStore<Record<string, unknown>>({
    name: 'settings',
  }) as unknown as SettingsBackend;
  server = await createServer({
    dataDir: path.join(app.getPath('userData'), 'data'),
    appInfo: { name: app.getName(), version: app.getVersion() },
    host: 'electron',
    settings,
  });
  await server.start();

  const trustedOrigins = [APP_ORIGIN, ...(devServerUrl ? [originOf(devServerUrl)] : [])];
  registerContractIpc({
    ipcMain,
    handlers: {
      ...server.handlers,
      ...desktopHostHandlers({
        dialog,
        shell,
        logsDir: app.getPath('logs'),
        desktopSettings: desktopSettingsStore({
          loginItem: loginItemFor({
            platform: process.platform,
            app,
            env: process.env,
            execPath: process.execPath,
          }),
          settings: server.settings,
        }),
      }),
    },
    events: server.events,
    trustedOrigins,
  });

  mainWindow = new BrowserWindow(mainWindowOptions(path.join(import.meta.dirname, '../preload/index.cjs')));
  lockDown(mainWindow.webContents, trustedOrigins[trustedOrigins.length - 1]!);
  mainWindow.once('ready-to-show', showWindow);
  await mainWindow.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!server) return;
    event.preventDefault();
    const stopping = server;
    server = null;
    void stopping.stop().finally(() => app.quit());
  });
  void app.whenReady().then(start);
}
