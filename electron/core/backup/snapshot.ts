import { backup } from 'node:sqlite';
import fs from 'node:fs';
import type { Repository } from '../storage/repository';
import { cancelled } from './fs-errors';
import { finishSnapshot, type SnapshotFacts } from './sqlite-worker';

/** Pages copied per step: small enough that a client's write never waits long for the connection. */
export const SNAPSHOT_PAGES_PER_STEP = 256;

export interface SnapshotOptions {
  includeHistory: boolean;
  signal?: AbortSignal;
  /** Bytes copied so far, and the database's size in bytes. */
  onProgress?: (done: number, total: number) => void;
}

/** One step for the whole file: what is left when another process keeps restarting the stepped copy. */
const WHOLE_FILE = 0x7fffffff;

class Restarted extends Error {}

/**
 * A consistent copy of a live repository, taken while clients keep writing. SQLite's online backup runs
 * through the writers' own connection (so their writes do not restart it; each step sees whole
 * transactions), in small steps on the thread pool, so the event loop keeps turning. History is
 * removed from the copy, never from the live database.
 */
export async function takeSnapshot(
  repository: Repository,
  target: string,
  options: SnapshotOptions,
): Promise<SnapshotFacts> {
  const pageSize = (repository.db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
  const copy = (rate: number) => {
    let remainingBefore = Infinity;
    return backup(repository.db, target, {
      rate,
      progress: ({ totalPages, remainingPages }) => {
        // Throwing here is the only way to stop a running backup(); it rejects with this error.
        if (options.signal?.aborted) throw cancelled();
        // A write through another connection (another process, e.g. a running server while the CLI
        // exports) restarts the copy from the start; it could do so forever.
        if (remainingPages > remainingBefore) throw new Restarted();
        remainingBefore = remainingPages;
        options.onProgress?.((totalPages - remainingPages) * pageSize, totalPages * pageSize);
      },
    });
  };
  try {
    try {
      await copy(SNAPSHOT_PAGES_PER_STEP);
    } catch (error) {
      if (!(error instanceof Restarted)) throw error;
      // In one step the copy reads one consistent state (WAL: the other process keeps writing), on the
      // thread pool; this process's own connection is idle, so nothing here waits for it.
      await fs.promises.rm(target, { force: true });
      await copy(WHOLE_FILE);
    }
    if (options.signal?.aborted) throw cancelled();
    return await finishSnapshot(target, options.includeHistory);
  } catch (error) {
    await fs.promises.rm(target, { force: true });
    if (options.signal?.aborted) throw cancelled();
    throw error;
  }
}
