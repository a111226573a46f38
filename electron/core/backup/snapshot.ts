import { backup } from 'node:sqlite';
import fs from 'node:fs';
import type { Repository } from '../storage/repository';
import { cancelled } from './fs-errors';
import { finishSnapshot, type SnapshotFacts } from './sqlite-worker';

/** Pages copied per step while clients write: small, so a write never waits long for the connection. */
export const PAGES_PER_STEP_WITH_CLIENTS = 64;
/** With nobody connected, fewer and larger steps copy faster (a client arriving waits one step, ~10 ms). */
export const PAGES_PER_STEP_ALONE = 2048;

export interface SnapshotOptions {
  includeHistory: boolean;
  /** Whether clients may write through the connection meanwhile (smaller steps then). */
  clientsConnected?: boolean;
  signal?: AbortSignal;
  /** Bytes copied so far, and the database's size in bytes. */
  onProgress?: (done: number, total: number) => void;
}

/** One step for the whole file: what is left when another process keeps restarting the stepped copy. */
const WHOLE_FILE = 0x7fffffff;

class Restarted extends Error {}

const MAX_ATTEMPTS = 5;

/**
 * A backup step that meets the connection in the middle of a client's write transaction fails now and
 * then (node:sqlite reports it as ERR_SQLITE_ERROR with errcode 0, "not an error"; or BUSY/LOCKED).
 * Nothing is wrong with the data: the copy starts again.
 */
function isTransient(error: unknown): boolean {
  const e = error as { code?: string; errcode?: number };
  return e?.code === 'ERR_SQLITE_ERROR' && (e.errcode === 0 || e.errcode === 5 || e.errcode === 6);
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
  const flusher = new BackgroundFlush(target);
  const copy = (rate: number) => {
    let doneBefore = 0;
    return backup(repository.db, target, {
      rate,
      progress: ({ totalPages, remainingPages }) => {
        // Throwing here is the only way to stop a running backup(); it rejects with this error.
        if (options.signal?.aborted) throw cancelled();
        // A write through another connection (another process, e.g. a running server while the CLI
        // exports) restarts the copy from the start; it could do so forever. (Writes through our own
        // connection only grow the total, which they also add to what remains: done never drops.)
        const done = totalPages - remainingPages;
        if (done < doneBefore) throw new Restarted();
        doneBefore = done;
        flusher.poke(done * pageSize);
        options.onProgress?.((totalPages - remainingPages) * pageSize, totalPages * pageSize);
      },
    });
  };
  try {
    let rate = options.clientsConnected === false ? PAGES_PER_STEP_ALONE : PAGES_PER_STEP_WITH_CLIENTS;
    for (let attempt = 1; ; attempt++) {
      try {
        await copy(rate);
        break;
      } catch (error) {
        if (error instanceof Restarted) {
          // In one step the copy reads one consistent state (WAL: the other process keeps writing), on
          // the thread pool; this process's own connection is idle, so nothing here waits for it.
          rate = WHOLE_FILE;
        } else if (!isTransient(error) || attempt >= MAX_ATTEMPTS) {
          throw error;
        }
        await fs.promises.rm(target, { force: true });
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
    await flusher.close();
    if (options.signal?.aborted) throw cancelled();
    return await finishSnapshot(target, options.includeHistory);
  } catch (error) {
    await flusher.close();
    await fs.promises.rm(target, { force: true });
    if (options.signal?.aborted) throw cancelled();
    throw error;
  }
}

/** Flush the copy to disk every this many bytes, in the background. */
const FLUSH_EVERY = 8 * 1024 * 1024;

/**
 * SQLite syncs the copy once, in the backup's last step, while it holds the repository's connection: with
 * the whole file still dirty in the page cache that took 100+ ms, and every client's write waited. Syncing
 * as the copy grows (from our own descriptor, on the thread pool) leaves that last sync almost nothing.
 */
class BackgroundFlush {
  private handle: Promise<fs.promises.FileHandle | null> | null = null;
  private flushing: Promise<unknown> | null = null;
  private flushedAt = 0;

  constructor(private readonly file: string) {}

  poke(bytesCopied: number): void {
    if (this.flushing || bytesCopied - this.flushedAt < FLUSH_EVERY) return;
    this.flushedAt = bytesCopied;
    this.handle ??= fs.promises.open(this.file, 'r').catch(() => null);
    this.flushing = this.handle
      .then((h) => h?.datasync())
      .catch(() => {})
      .finally(() => (this.flushing = null));
  }

  async close(): Promise<void> {
    await this.flushing;
    const handle = await this.handle;
    this.handle = null;
    await handle?.close().catch(() => {});
  }
}
