import type { DataDirLock } from '../core/data-dir-lock';
import type { EventBus } from '../core/event-bus';
import { consoleToken } from '../headless/console-token';
import { startWebHost } from '../headless/web-host';
import { hostMethodNames, type CoreHandlers, type Handlers, type HostHandlers } from '../shared/contract';
import { AppFailure } from '../shared/result';

// The desktop app as the CLI's forwarding target (ARCHITECTURE §8, §9). While the app holds its data
// directory, `repo-server` commands pointed at that folder ask the app to do the work, as they ask a
// running `serve`: the same contract on 127.0.0.1, the same guards (Host, Origin, Sec-Fetch-Site, token,
// JSON body, limits) — it is the headless web host's API without the page — and the same credential, the
// data directory's 0600 `console-token`, so only the same OS user gets in. The lock says where it is.

export interface CliEndpoint {
  /** http://127.0.0.1:PORT, without the token (the lock records it). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Host methods open windows of the app (pickers, the file manager): never on a script's request. */
const notOverTheCli = Object.fromEntries(
  hostMethodNames.map((name) => [
    name,
    async () => {
      throw new AppFailure(
        'NOT_SUPPORTED',
        `${name} belongs to the desktop app's window; the CLI cannot ask for it — use the Control Panel.`,
      );
    },
  ]),
) as unknown as HostHandlers;

/**
 * Starts the endpoint on loopback (a free port unless `port` says) and records it in the data-dir lock.
 * A failure to start is the caller's to log: the app runs on, and the CLI says it cannot reach it.
 */
export async function startCliEndpoint(deps: {
  dataDir: string;
  handlers: CoreHandlers;
  events: EventBus;
  lock: Pick<DataDirLock, 'setControlPanel'>;
  logger?: Pick<Console, 'error'>;
  port?: number;
}): Promise<CliEndpoint> {
  // The kept token when there is one (a `serve` on this folder later keeps its bookmarks working), else a
  // new one only this user can read; one readable by others is replaced, never used.
  const { token } = consoleToken(deps.dataDir);
  const web = await startWebHost({
    handlers: { ...deps.handlers, ...notOverTheCli } as Handlers,
    events: deps.events,
    staticDir: null,
    host: '127.0.0.1',
    port: deps.port ?? 0,
    token,
    instead: 'this is the Repository Server desktop app’s endpoint for the repo-server CLI of its OS user',
    logger: deps.logger,
  });
  const origin = new URL(web.url).origin;
  deps.lock.setControlPanel(origin);
  return { origin, close: () => web.close() };
}
