import { CLIENTS_POLICY_CHOICES, type ClientsPolicy } from '../../shared/settings-schema';
import type { Clock } from '../clock';
import type { ClientsControl } from '../clients-control';

// The connected-clients policy around one repository's snapshot (ARCHITECTURE §4). One meaning, for
// every trigger:
// - keep-connected: nothing to do; the snapshot is consistent while clients work, and what they write
//   after it goes into the next backup.
// - disconnect: the repository's clients are held off *while the snapshot is taken*, and only then: a
//   notice (N minutes ahead when there is a grace period), new connections refused, the open ones closed
//   with 4001, the snapshot, then connections are accepted again, whatever happened. That is the least
//   downtime that still gives a snapshot taken with no client in the middle of its work (usually
//   seconds); the archive is compressed, written and verified while the clients work again.
// The Schedule dialog shows the same words (CLIENTS_POLICY_CHOICES).

export const DISCONNECT_MEANS = CLIENTS_POLICY_CHOICES.disconnect.description;

export interface PolicyOptions {
  repository: string;
  policy: ClientsPolicy;
  graceMinutes: number;
  clients: ClientsControl | null;
  clock: Clock;
  signal?: AbortSignal;
  /** Told when the backup waits for the clients (the grace period, or their connections to close). */
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

/** Runs `snapshot` under the policy; the clients are let back in as soon as it returns or fails. */
export async function withClientsPolicy<T>(options: PolicyOptions, snapshot: () => Promise<T>): Promise<T> {
  const { repository, clients, graceMinutes } = options;
  if (options.policy === 'keep-connected' || !clients) return snapshot();
  if (graceMinutes > 0 && clients.connectedCount(repository) > 0) {
    const minutes = graceMinutes === 1 ? '1 minute' : `${graceMinutes} minutes`;
    clients.notify(repository, {
      kind: 'backup-soon',
      message: `A backup of "${repository}" starts in ${minutes}; you will be disconnected while its snapshot is taken (usually seconds). Save your work.`,
    });
    options.onWaiting?.();
    await sleep(options.clock, graceMinutes * 60_000, options.signal);
  }
  if (options.signal?.aborted) return snapshot(); // it ends as cancelled at once, with nobody disconnected
  const release = clients.hold(
    repository,
    `A backup of "${repository}" is running; connect again in a moment (clients are held off only while its snapshot is taken).`,
  );
  try {
    clients.notify(repository, {
      kind: 'backup-starting',
      message: `A backup of "${repository}" starts now; you are disconnected while its snapshot is taken (usually seconds).`,
    });
    options.onWaiting?.();
    await clients.disconnectAll(repository, 'A backup snapshot is being taken; connect again in a moment.');
    return await snapshot();
  } finally {
    release();
  }
}
