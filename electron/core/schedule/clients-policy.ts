import type { ClientsPolicy } from '../../shared/settings-schema';
import type { Clock } from '../clock';
import type { ClientsControl } from '../clients-control';

// The connected-clients policy around one repository's backup (ARCHITECTURE §4).
// keep-connected: nothing to do, the snapshot is consistent while clients work.
// disconnect: notice (N minutes ahead when there is a grace period), refuse new connections, close the
// open ones with 4001, back up, then accept connections again, whatever happened.

export interface PolicyOptions {
  repository: string;
  policy: ClientsPolicy;
  graceMinutes: number;
  clients: ClientsControl | null;
  clock: Clock;
  signal?: AbortSignal;
  /** Told when the run waits for the grace period to end. */
  onWaiting?: () => void;
}

const sleep = (clock: Clock, ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

export async function withClientsPolicy<T>(options: PolicyOptions, backup: () => Promise<T>): Promise<T> {
  const { repository, clients, graceMinutes } = options;
  if (options.policy === 'keep-connected' || !clients) return backup();
  if (graceMinutes > 0 && clients.connectedCount(repository) > 0) {
    const minutes = graceMinutes === 1 ? '1 minute' : `${graceMinutes} minutes`;
    clients.notify(repository, {
      kind: 'backup-soon',
      message: `A backup of "${repository}" starts in ${minutes}; you will be disconnected until it ends. Save your work.`,
    });
    options.onWaiting?.();
    await sleep(options.clock, graceMinutes * 60_000, options.signal);
  }
  const release = clients.hold(
    repository,
    `A backup of "${repository}" is running; connect again when it ends (usually within minutes).`,
  );
  try {
    clients.notify(repository, {
      kind: 'backup-starting',
      message: `A backup of "${repository}" starts now; you are disconnected until it ends.`,
    });
    await clients.disconnectAll(repository, 'A backup is starting; connect again when it ends.');
    return await backup();
  } finally {
    release();
  }
}
