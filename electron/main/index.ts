// The Electron shell: kept thin. The core does the work; each capability lives in its own file here
// and is wired to the real Electron objects below.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import ElectronStore from 'electron-store';
import path from 'node:path';
import { TargetFs } from '../core/backup/target-fs';
import { toLocalIso } from '../core/clock';
import { createServer, type RepoServer } from '../core/create-server';
import { lockDataDir, type DataDirLock } from '../core/data-dir-lock';
import type { SettingsBackend } from '../core/settings';
import { startCliEndpoint, type CliEndpoint } from './cli-endpoint';
import { hideOnClose } from './close-to-tray';
import { desktopSettingsStore } from './desktop-settings';
import { electronAgentLauncher } from './fs-agent-launcher';
import { keychainSecretStore } from './keychain-secrets';
import { desktopHostHandlers } from './host-handlers';
import { originOf, registerContractIpc } from './ipc';
import { createLifecycle } from './lifecycle';
import { setUpLogging } from './logging';
import { isHiddenStart, loginItemFor } from './login-item';
import { createBackupNotifier, type DesktopNotice } from './notifier';
import { catchUpOnResume, catchUpSchedulerOf } from './power';
import { APP_ORIGIN, registerAppScheme, serveRendererFile } from './protocol';
import { askWithMessageBox, createQuitGuard } from './quit-guard';
import { trackShellState, type ShellState } from './shell-state';
import { createTray } from './tray';
import { lockDown, mainWindowOptions } from './window';
import { restoreWindowState, trackWindowState } from './window-state';

registerAppScheme(protocol);
if (process.platform === 'win32') app.setAppUserModelId('com.reposerver.controlpanel');
const log = setUpLogging(app.getPath('logs'));

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const appOrigin = devServerUrl ? originOf(devServerUrl) : APP_ORIGIN;
const trustedOrigins = [APP_ORIGIN, ...(devServerUrl ? [appOrigin] : [])];
const assetsDir = app.isPackaged ? process.resourcesPath : path.join(import.meta.dirname, '../../assets');
const appIcon = path.join(assetsDir, 'icon.png');

/** The shell's own state (not the core's settings): window bounds, notices already shown. */
const desktopStore = new ElectronStore<{ window?: unknown; closeNoticeShown?: boolean }>({ name: 'desktop' });

let server: RepoServer | null = null;
let mainWindow: BrowserWindow | null = null;
const cleanups: (() => void)[] = [];
let dataDirLock: DataDirLock | null = null;
let cliEndpoint: CliEndpoint | null = null;

function notify(notice: DesktopNotice): void {
  if (!Notification.isSupported()) return;
  const note = new Notification({ ...notice, icon: appIcon });
  note.on('click', showWindow);
  note.show();
}

function createMainWindow(): BrowserWindow {
  const areas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
  const bounds = restoreWindowState(desktopStore.get('window'), areas);
  const preload = path.join(import.meta.dirname, '../preload/index.cjs');
  const window = new BrowserWindow(mainWindowOptions(preload, bounds, appIcon));
  if (bounds.maximized) window.maximize();
  lockDown(window.webContents, appOrigin, shell);
  trackWindowState(window, (state) => desktopStore.set('window', state));
  hideOnClose({
    window,
    isQuitting: () => lifecycle.isQuitting(),
    notice: {
      wasShown: () => desktopStore.get('closeNoticeShown') === true,
      markShown: () => desktopStore.set('closeNoticeShown', true),
    },
    notify,
  });
  window.on('closed', () => {
    mainWindow = null;
  });
  window.webContents.on('render-process-gone', (_event, details) =>
    log.error(`The Control Panel's renderer stopped: ${details.reason}`),
  );
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

function reveal(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function showWindow(): void {
  if (!server) return; // still starting: the window follows once the core is up
  if (mainWindow) return reveal(mainWindow);
  const window = createMainWindow();
  mainWindow = window;
  window.once('ready-to-show', () => reveal(window));
}

async function start(): Promise<void> {
  const rendererDir = path.join(import.meta.dirname, '../renderer');
  protocol.handle('app', (request) => serveRendererFile(rendererDir, request.url));

  const settings = new ElectronStore<Record<string, unknown>>({
    name: 'settings',
    // It holds the client access token: readable by this OS user only.
    configFileMode: 0o600,
  }) as unknown as SettingsBackend;
  const dataDir = path.join(app.getPath('userData'), 'data');
  // A `repo-server serve` pointed at the same folder is refused, and so is a CLI restore into it.
  dataDirLock = lockDataDir(dataDir, { host: 'electron', startedAt: new Date().toISOString() });
  const agentLauncher = electronAgentLauncher(
    (...args) => utilityProcess.fork(...args),
    path.join(import.meta.dirname, 'fs-agent.js'),
  );
  const core = await createServer({
    dataDir,
    appInfo: { name: app.getName(), version: app.getVersion() },
    host: 'electron',
    settings,
    logger: log,
    agentLauncher,
    // The offsite password or key passphrase, encrypted with the OS keychain.
    secrets: keychainSecretStore(safeStorage, dataDir),
  });
  await core.start();
  server = core;

  const desktopSettings = desktopSettingsStore({
    loginItem: loginItemFor({
      platform: process.platform,
      app,
      env: process.env,
      execPath: process.execPath,
    }),
    settings: core.settings,
  });
  cleanups.push(
    registerContractIpc({
      ipcMain,
      handlers: {
        ...core.handlers,
        ...desktopHostHandlers({
          dialog,
          shell,
          logsDir: app.getPath('logs'),
          desktopSettings,
          itemContent: core.handlers.getArchiveItemContent,
          // Save… writes through a file agent under the same no-progress deadline as a backup target.
          openFiles: () =>
            new TargetFs({
              launcher: agentLauncher,
              timeoutMs: core.settings.get().backup.targetTimeoutSeconds * 1000,
            }),
        }),
      },
      events: core.events,
      trustedOrigins,
      logger: log,
    }),
  );

  // `repo-server` commands on this data directory are forwarded here, as to a running `serve`.
  try {
    cliEndpoint = await startCliEndpoint({
      dataDir,
      handlers: core.handlers,
      events: core.events,
      lock: dataDirLock,
      logger: log,
    });
    log.info(`The repo-server CLI reaches this app at ${cliEndpoint.origin} (its user's console-token).`);
  } catch (error) {
    log.error(`The endpoint for the repo-server CLI could not start: ${(error as Error).message}`);
  }

  const scheduler = catchUpSchedulerOf(core);
  if (scheduler) cleanups.push(catchUpOnResume(powerMonitor, scheduler, log));
  else log.warn('This core has no scheduler catch-up yet: missed backups run only at the next slot.');

  const attempt = (what: string, action: () => Promise<unknown>) =>
    void action().catch((error: Error) => notify({ title: `Could not ${what}`, body: error.message }));
  const tray = createTray({
    Tray,
    Menu,
    nativeImage,
    iconDir: path.join(assetsDir, 'tray'),
    now: () => core.clock.now(),
    actions: {
      openControlPanel: showWindow,
      backUpNow: () => attempt('start the backup', () => core.handlers.runBackupNow({})),
      pauseForDays: (days) =>
        attempt('pause backups', () =>
          core.handlers.pauseBackups({ until: toLocalIso(core.clock.now() + days * 86_400_000) }),
        ),
      resumeBackups: () => attempt('resume backups', () => core.handlers.resumeBackups({})),
      startServer: () => attempt('start the server', () => core.handlers.startClientServer({})),
      stopServer: () => attempt('stop the server', () => core.handlers.stopClientServer({})),
      quit: () => app.quit(),
    },
  });
  cleanups.push(() => tray.destroy());

  const notifyAboutBackups = createBackupNotifier({
    notify,
    notifyOnSuccess: () => core.settings.get().notifyOnSuccess,
    now: () => core.clock.now(),
  });
  let lastBackup: ShellState['backup'] = null;
  const shellState = trackShellState(core, (state) => {
    tray.render(state);
    if (state.backup && state.backup !== lastBackup) notifyAboutBackups(state.backup);
    lastBackup = state.backup;
  });
  cleanups.push(() => shellState.dispose());
  tray.render(shellState.state);
  await shellState.refresh();
}

const quitGuard = () =>
  server
    ? createQuitGuard({
        handlers: server.handlers,
        events: server.events,
        clock: server.clock,
        ask: askWithMessageBox(dialog, () => {
          if (mainWindow) reveal(mainWindow);
          return mainWindow;
        }),
        onWaiting: (jobs) => {
          mainWindow?.hide();
          log.info(`Quitting once ${jobs.length || 'the running'} job(s) finish.`);
        },
        logger: log,
      }).mayQuit()
    : Promise.resolve(true);

const lifecycle = createLifecycle({
  app,
  hidden: () => isHiddenStart(process.argv, app, process.platform),
  start,
  showWindow,
  mayQuit: quitGuard,
  stop: async () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    // The CLI first: a command started now would find a core that is going away.
    const endpoint = cliEndpoint;
    cliEndpoint = null;
    await endpoint?.close();
    const stopping = server;
    server = null;
    await stopping?.stop();
    log.info('Stopped.');
  },
  // Also when the core did not stop within the bound: the lock must not outlive the app.
  released: () => {
    dataDirLock?.release();
    dataDirLock = null;
  },
  onFatal: (error) => dialog.showErrorBox('Repository Server could not start', error.message),
  logger: log,
});
