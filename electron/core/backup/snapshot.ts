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
  try {
    await backup(repository.db, target, {
      rate: SNAPSHOT_PAGES_PER_STEP,
      progress: ({ totalPages, remainingPages }) => {
        // Throwing here is the only way to stop a running backup(); it rejects with this error.
        if (options.signal?.aborted) throw cancelled();
        options.onProgress?.((totalPages - remainingPages) * pageSize, totalPages * pageSize);
      },
    });
    if (options.signal?.aborted) throw cancelled();
    return await finishSnapshot(target, options.includeHistory);
  } catch (error) {
    await fs.promises.rm(target, { force: true });
    if (options.signal?.aborted) throw cancelled();
    throw error;
  }
}
