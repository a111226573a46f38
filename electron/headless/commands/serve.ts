import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { lockDataDir, type DataDirLock } from '../../core/data-dir-lock';
import { CONSOLE_TOKEN_FILE, consoleToken, type ConsoleToken } from '../console-token';
import { startWebHost } from '../web-host';
import { headlessHostHandlers } from '../host-handlers';
import { openServer, watchSettingsFile } from '../open-server';
import { parseCommandArgs, parsePort } from '../cli-args';
import type { CliIo } from '../cli-io';
import type { CliCommand } from './index';

export interface ServeOptions {
  dataDir: string;
  consoleHost: string;
  consolePort: number;
  staticDir?: string;
  /** The client listener's host and port for this run (override the settings; port 0 picks a free one). */
  clientHost?: string;
  clientPort?: number;
  /** Replace the console token kept in the data directory (old bookmarks stop working). */
  newToken?: boolean;
}

/**
 * The longest a stop takes: running jobs are cancelled (their file agents killed, so a call stuck on a
 * share that went away cannot hold it), then the data-dir lock is released and the process exits. What
 * is left to clean up on such a share is noted and done at the next start.
 */
export const STOP_BOUND_MS = 10_000;

/** The built Control Panel sits beside the built CLI: out/headless → out/renderer. */
export const defaultStaticDir = () =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../renderer');

/** `repo-server serve`: the core, its scheduler and the web Control Panel, until SIGINT/SIGTERM. */
export async function serve(options: ServeOptions, io: CliIo): Promise<number> {
  const lock = lockDataDir(path.resolve(options.dataDir), {
    host: 'headless',
    startedAt: new Date().toISOString(),
  });
  try {
    return await serveLocked(options, io, lock);
  } finally {
    lock.release();
  }
}

async function serveLocked(options: ServeOptions, io: CliIo, lock: DataDirLock): Promise<number> {
  const server = await openServer(options.dataDir);
  server.clientServer.overrideAddress({ host: options.clientHost, port: options.clientPort });
  await server.start();
  const stopWatchingSettings = watchSettingsFile(server);
  const consoleAccess = consoleToken(server.dataDir, { renew: options.newToken });
  const web = await startWebHost({
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    staticDir: options.staticDir ?? defaultStaticDir(),
    host: options.consoleHost,
    port: options.consolePort,
    token: consoleAccess.token,
    logger: console,
  });
  const renewed = TOKEN_RENEWED[consoleAccess.madeBecause ?? 'kept'];
  if (renewed) io.stdout.write(`${renewed}\n`);
  io.stdout.write(`Repository Server is running. Data directory: ${server.dataDir}\n`);
  io.stdout.write(`Control Panel: ${web.url}\n`);
  lock.setControlPanel(new URL(web.url).origin);
  const clients = server.clientServer.status();
  io.stdout.write(
    clients.state === 'running'
      ? `Clients connect to: ${clients.addresses.join(' ')}\n`
      : `Client server not running: ${clients.lastError ?? 'stopped'} (start it from the Control Panel).\n`,
  );
  await io.untilStopped;
  io.stdout.write('Stopping…\n');
  stopWatchingSettings();
  const stopped = await stopWithin(Promise.all([web.close(), server.stop()]), STOP_BOUND_MS);
  if (!stopped) {
    io.stderr.write(
      `Stopped after ${STOP_BOUND_MS / 1000} s with work still ending; the next start settles what it left.\n`,
    );
  }
  return 0;
}

/** One line at start when the console token is not the one a bookmark holds. */
const TOKEN_RENEWED: Record<NonNullable<ConsoleToken['madeBecause']> | 'kept', string | null> = {
  kept: null,
  'first start': null,
  'asked for': 'A new Control Panel token was made (--new-token): bookmarks with the old one no longer work.',
  unreadable: `The kept Control Panel token (${CONSOLE_TOKEN_FILE}) could not be used; a new one was made.`,
  'readable by others': `${CONSOLE_TOKEN_FILE} was readable by other users, so a new token was made (only you can read it).`,
};

/** true when `work` ended within `ms`; false when the bound came first (the work is left to end). */
async function stopWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), bound]);
  } finally {
    clearTimeout(timer);
  }
}

export const serveCommand: CliCommand = {
  usage: 'serve   [--host H] [--port P] [--console-port C] [--new-token]',
  summary: 'server, scheduler and web Control Panel',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      'console-host': { type: 'string' },
      'console-port': { type: 'string' },
      'new-token': { type: 'boolean' },
    });
    return serve(
      {
        dataDir: dataDir!,
        consoleHost: (values['console-host'] as string | undefined) ?? '127.0.0.1',
        consolePort: parsePort(values['console-port'] as string | undefined, '--console-port', 53480),
        clientHost: values.host as string | undefined,
        clientPort: values.port === undefined ? undefined : parsePort(values.port as string, '--port', 0),
        newToken: values['new-token'] === true,
      },
      io,
    );
  },
};
