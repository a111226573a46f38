import { Worker } from 'node:worker_threads';

// SQLite's auto-checkpoint runs inside the COMMIT that takes the WAL past 1000 pages, on the thread that
// commits: it copies the WAL into the database file and syncs both. For a repository that is the main
// thread, and under 40 concurrent 15 MiB puts it was the largest part of each put's turn (issue #12's
// profile: 3.9 s of 17.6 s). So the writers' connection runs with `wal_autocheckpoint = 0`, and PASSIVE
// checkpoints run here, in one worker thread, each through a connection of its own opened for it and
// closed after it. A PASSIVE checkpoint never waits for the writer or a reader and never restarts the
// writers' online backup (snapshot.ts): it copies pages that are already in the database's WAL, and
// only the writer itself resets the WAL (at its next transaction once everything was copied).
// Durability is unchanged: with synchronous = NORMAL the WAL is synced at each checkpoint, here as before.
//
// The worker is plain JavaScript in a string, like sqlite-worker.ts: it runs the same from sources,
// tests and bundles.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const fs = require('node:fs');
const done = new Int32Array(workerData.shared);
parentPort.on('message', ({ seq, file }) => {
  let answer;
  let db;
  try {
    // The file exists while its repository is open, and a repository's close waits for this: never
    // create an empty database in place of a deleted one.
    if (!fs.existsSync(file)) throw new Error('the database file is gone');
    db = new DatabaseSync(file, { timeout: 0 });
    db.exec('PRAGMA synchronous = NORMAL');
    const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    answer = { seq, ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed };
  } catch (error) {
    answer = { seq, ok: false, message: String((error && error.message) || error) };
  }
  try { if (db) db.close(); } catch {}
  // Closed: whoever waits to close the repository's own connection may go on.
  Atomics.store(done, 0, seq);
  Atomics.notify(done, 0);
  parentPort.postMessage(answer);
});
`;

type Answer =
  | { seq: number; ok: true; busy: number; log: number; checkpointed: number }
  | { seq: number; ok: false; message: string };

export interface CheckpointPolicy {
  /** A checkpoint is asked for once this many WAL pages were written since the last (SQLite's 1000). */
  pagesBetween: number;
  /** Fewer pages are checkpointed after this long without another write. */
  idleMs: number;
  /**
   * Pages written and not yet copied by a complete checkpoint, in all repositories, beyond which large
   * messages wait (`caughtUp`): what bounds the WAL while writes come faster than checkpoints.
   */
  maxBehindPages: number;
  /** The longest a large message waits for that. */
  maxWaitMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  pagesBetween: 1000,
  idleMs: 1000,
  maxBehindPages: 16_384, // 64 MiB of 4 KiB pages
  maxWaitMs: 2_000,
};

/** How long a repository's close waits for a checkpoint of its file still running. */
const CLOSE_WAIT_MS = 30_000;
/** Estimated WAL pages of one write besides its content: the row, its indexes, the counters. */
const PAGES_PER_WRITE = 8;

/** One repository's file, as the checkpointer sees it. */
export class WalWatch {
  /** Pages written since the last checkpoint was asked for. */
  private sinceRequest = 0;
  /** Pages written that no complete checkpoint has copied yet (the WAL's part that cannot be reused). */
  behind = 0;
  private timer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    readonly file: string,
    private readonly owner: WalCheckpointer,
    private readonly pageSize: number,
  ) {}

  /** A transaction of the repository committed, with about this many bytes of content written. */
  written(writes: number, bytes: number): void {
    if (this.closed || writes === 0) return;
    const pages = Math.ceil(bytes / this.pageSize) + writes * PAGES_PER_WRITE;
    this.sinceRequest += pages;
    this.behind += pages;
    this.owner.moved(pages);
    if (this.sinceRequest >= this.owner.policy.pagesBetween) this.request();
    else this.armIdle();
  }

  private armIdle(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.sinceRequest > 0 || this.behind > 0) this.request();
    }, this.owner.policy.idleMs);
    this.timer.unref();
  }

  private request(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sinceRequest = 0;
    this.owner.enqueue(this);
  }

  /**
   * A checkpoint of this file ended: it copied `copiedShare` (0 to 1) of the WAL it found, which held
   * the `behindAtStart` pages written before it began.
   */
  settled(complete: boolean, copiedShare: number, behindAtStart: number): void {
    if (this.closed) return;
    const copied = Math.min(Math.round(behindAtStart * copiedShare), this.behind);
    this.behind -= copied;
    this.owner.moved(-copied);
    // A reader held part of the WAL, or it failed: try again later.
    if (!complete || this.behind > 0) this.armIdle();
  }

  /**
   * The repository closes its connection: a checkpoint of the file still running is waited for (its
   * connection must not outlive ours — its close would then be the last one, checkpoint into a file
   * that may have been replaced and delete a WAL by name), a queued one dropped. SQLite checkpoints on
   * the last close itself.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.owner.forget(this);
  }
}

/**
 * Runs PASSIVE checkpoints of the repositories' WAL files off the main thread, one at a time, in one
 * worker thread that is started on the first request and does not keep the process alive.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private readonly queue: WalWatch[] = [];
  private running: { watch: WalWatch; seq: number; behind: number } | null = null;
  private behindTotal = 0;
  private waiters: Array<() => void> = [];
  private idleWaiters: Array<(value: unknown) => void> = [];
  /** Callers of idle() still waiting: the worker keeps the process alive while there are any. */
  private idleCallers = 0;
  /** Checkpoints that ended, complete or not, and failures (for the bench and tests). */
  readonly stats = { complete: 0, partial: 0, failed: 0 };

  constructor(readonly policy: CheckpointPolicy = DEFAULT_CHECKPOINT_POLICY) {}

  watch(file: string, pageSize: number): WalWatch {
    return new WalWatch(file, this, pageSize);
  }

  /** Pages not yet copied, in all repositories, moved by this many. */
  moved(pages: number): void {
    this.behindTotal = Math.max(0, this.behindTotal + pages);
    if (this.behindTotal <= this.policy.maxBehindPages && this.waiters.length > 0) {
      const waiting = this.waiters;
      this.waiters = [];
      for (const resolve of waiting) resolve();
    }
  }

  /**
   * Null when the WAL files are within their bound; else a promise that settles once checkpoints caught
   * up. Large messages wait for it before they are written, so the WAL stays bounded however fast
   * clients write, and the main thread never waits for a checkpoint.
   */
  caughtUp(): Promise<void> | null {
    if (this.behindTotal <= this.policy.maxBehindPages) return null;
    // A reader that holds an old snapshot keeps part of the WAL from being copied (SQLite's own
    // checkpoints could not copy it either): then the writes slow down to one wait each, never stop.
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.policy.maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  enqueue(watch: WalWatch): void {
    if (watch.closed || this.queue.includes(watch)) return;
    if (this.running?.watch === watch) {
      this.queue.push(watch); // again once this one ends: pages were written meanwhile
      return;
    }
    this.queue.push(watch);
    this.next();
  }

  forget(watch: WalWatch): void {
    const at = this.queue.indexOf(watch);
    if (at >= 0) this.queue.splice(at, 1);
    this.moved(-watch.behind);
    watch.behind = 0;
    const running = this.running;
    if (running?.watch !== watch) return;
    // Block until the worker closed its connection: a checkpoint of a few MiB takes milliseconds, and
    // closing a repository (rename, delete, restore, stop) is rare.
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (Atomics.load(this.done, 0) < running.seq && Date.now() < deadline) {
      Atomics.wait(this.done, 0, Atomics.load(this.done, 0), 50);
    }
  }

  private next(): void {
    if (this.running) return;
    const watch = this.queue.shift();
    if (!watch) return;
    const seq = ++this.seq;
    this.running = { watch, seq, behind: watch.behind };
    this.start().postMessage({ seq, file: watch.file });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerSource, { eval: true, workerData: { shared: this.done.buffer } });
    worker.on('message', (answer: Answer) => this.ended(answer));
    const lost = () => {
      // The worker died (it should not): what it ran counts as failed, and the next request starts another.
      if (this.worker !== worker) return;
      this.worker = null;
      const running = this.running;
      if (running) {
        Atomics.store(this.done, 0, running.seq);
        this.ended({ seq: running.seq, ok: false, message: 'the checkpoint worker stopped' });
      }
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    // After the listeners: adding a 'message' listener refs the worker again (a bench never exited).
    // Unless someone waits in idle(): then the answer they wait for must keep the process alive.
    if (this.idleCallers === 0) worker.unref();
    this.worker = worker;
    return worker;
  }

  private ended(answer: Answer): void {
    const running = this.running;
    if (!running || running.seq !== answer.seq) return;
    this.running = null;
    const complete = answer.ok && answer.busy === 0 && answer.log === answer.checkpointed;
    if (!answer.ok) this.stats.failed++;
    else if (complete) this.stats.complete++;
    else this.stats.partial++;
    const share = !answer.ok
      ? 0
      : complete || answer.log <= 0
        ? 1
        : Math.max(0, answer.checkpointed) / answer.log;
    running.watch.settled(complete, share, running.behind);
    this.next();
    if (!this.running) for (const resolve of this.idleWaiters.splice(0)) resolve(undefined);
  }

  /**
   * Settles once no checkpoint runs or waits (tests, the bench). The worker is unref'd so that it never
   * keeps a process alive, but a caller waiting here holds nothing else: with the worker unref'd the
   * event loop ran dry and the process exited with code 0 in the middle of the wait (bench:list and
   * bench:memory ended silently). So the worker is ref'd while anyone waits.
   */
  async idle(): Promise<void> {
    this.idleCallers++;
    this.worker?.ref();
    try {
      while (this.running || this.queue.length > 0) await new Promise((r) => this.idleWaiters.push(r));
    } finally {
      if (--this.idleCallers === 0) this.worker?.unref();
    }
  }

  /** Stops the worker (tests; a process that ends needs nothing). */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (this.running) Atomics.store(this.done, 0, this.running.seq);
    this.running = null;
    this.queue.length = 0;
    await worker?.terminate();
  }
}

let shared: WalCheckpointer | null = null;

/** The process's checkpointer, shared by every repository store. */
export function sharedCheckpointer(): WalCheckpointer {
  return (shared ??= new WalCheckpointer());
}
