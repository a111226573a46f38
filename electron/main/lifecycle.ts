import type { App } from 'electron';
import { HIDDEN_FLAG } from './login-item';

export interface LifecycleDeps {
  app: Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit' | 'whenReady'>;
  /** Started for the tray only (`--hidden`, or at login): no window until the user asks for it. */
  hidden(): boolean;
  /** Starts the core, IPC and tray; the window is created later, on demand. */
  start(): Promise<void>;
  /** Shows the Control Panel, creating its window the first time. */
  showWindow(): void;
  /** Asks, when a job runs, whether to wait or cancel; false means the user chose to keep running. */
  mayQuit(): Promise<boolean>;
  /** Stops the core so that every file is closed before the process exits. */
  stop(): Promise<void>;
  /**
   * Called once stopping ended or its bound passed, before the app quits: releases what must not
   * outlive the app even when the core could not stop in time (the data-dir lock).
   */
  released?(): void;
  /** A start that failed: tell the user, the app then quits. */
  onFatal(error: Error): void;
  logger?: Pick<Console, 'info' | 'error'>;
  /**
   * The longest the core may take to stop before the app quits anyway (10 s): its jobs are cancelled
   * at once (a call stuck on a share that went away is in a file agent, which is killed), so only an
   * unexpected hang reaches this bound.
   */
  stopTimeoutMs?: number;
}

type Phase = 'running' | 'deciding' | 'stopping' | 'stopped';

/** The longest a quit waits for the core to stop, as `serve` does on SIGTERM. */
export const STOP_TIMEOUT_MS = 10_000;

/**
 * The app's life: one instance (a second launch shows the first one's window), tray-only when
 * closed, and a quit that first settles running jobs and stops the core.
 */
export function createLifecycle(deps: LifecycleDeps) {
  const logger = deps.logger ?? console;
  let phase: Phase = 'running';
  const controls = {
    /** True from the moment a quit was agreed: windows may then really close. */
    isQuitting: () => phase === 'stopping' || phase === 'stopped',
    /** False when another instance runs: this one quits at once. */
    primary: deps.app.requestSingleInstanceLock(),
  };
  if (!controls.primary) {
    deps.app.quit();
    return controls;
  }

  deps.app.on('second-instance', (_event, argv) => {
    // Launch at login while we already run must not pop the window up.
    if (!argv.includes(HIDDEN_FLAG)) deps.showWindow();
  });
  // The tray keeps the app alive: without this listener Electron would quit with the last window.
  deps.app.on('window-all-closed', () => {});
  deps.app.on('activate', () => deps.showWindow());

  deps.app.on('before-quit', (event) => {
    if (phase === 'stopped') return;
    event.preventDefault();
    if (phase !== 'running') return; // already asking or stopping
    phase = 'deciding';
    void (async () => {
      if (!(await deps.mayQuit().catch(() => true))) {
        phase = 'running';
        return;
      }
      phase = 'stopping';
      await stopWithin(deps.stop(), deps.stopTimeoutMs ?? STOP_TIMEOUT_MS).catch((error: Error) =>
        logger.error(`The core did not stop cleanly: ${error.message}`),
      );
      try {
        deps.released?.();
      } catch (error) {
        logger.error(`Could not release on quit: ${(error as Error).message}`);
      }
      phase = 'stopped';
      deps.app.quit();
    })();
  });

  void deps.app
    .whenReady()
    .then(deps.start)
    .then(() => {
      const hidden = deps.hidden();
      logger.info(hidden ? 'Started in the tray (hidden).' : 'Started.');
      if (!hidden) deps.showWindow();
    })
    .catch((error: Error) => {
      logger.error(`The app could not start: ${error.stack ?? error.message}`);
      deps.onFatal(error);
      phase = 'stopped';
      deps.app.quit();
    });

  return controls;
}

function stopWithin(stopping: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still stopping after ${ms / 1000} s`)), ms);
  });
  return Promise.race([stopping, limit]).finally(() => clearTimeout(timer));
}
