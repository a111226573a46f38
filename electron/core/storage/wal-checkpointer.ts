import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// SQLite's automatic checkpoint runs inside whichever commit takes the WAL past 1000 pages: on the main
// thread, copying ~4 MB into the database and syncing it while every client and the UI wait. That was
// most of the event loop's delay under heavy writes. Repositories raise that threshold to a backstop
// (AUTOCHECKPOINT_BACKSTOP_PAGES) and this copies the WAL back from a worker thread instead, PASSIVE, so a
// writer never waits for it.

/** The writers' connection checkpoints itself only past this many WAL pages (64 MB at 4 KiB pages). */
export const AUTOCHECKPOINT_BACKSTOP_PAGES = 16_384;
/** How often the WAL files of open repositories are looked at. */
export const CHECK_EVERY_MS = 1_000;

// One request at a time. `busy` (shared memory) is 1 from the moment a request is posted until the worker
// has closed its connection, so the store can wait for it synchronously before it renames or deletes.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const busy = new Int32Array(workerData.busy);
parentPort.on('message', ({ url }) => {
  let db;
  let reply;
  try {
    // mode=rw: never create a file that was deleted meanwhile.
    db = new DatabaseSync(url, { timeout: 0 });
    const r = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    reply = { ok: true, walPages: r.log, checkpointed: r.checkpointed };
  } catch (error) {
    reply = { ok: false, message: String((error && error.message) || error) };
  }
  try { if (db) db.close(); } catch {}
  Atomics.store(busy, 0, 0);
  Atomics.notify(busy, 0);
  parentPort.postMessage(reply);
});
`;

type Reply = { ok: true; walPages: number; checkpointed: number } | { ok: false; message: string };

export interface CheckpointerOptions {
  logger?: Pick<Console, 'warn'>;
  checkEveryMs?: number;
}

/** Checkpoints the WAL of every watched database file that was written since it last looked. */
export class WalCheckpointer {
  private readonly busy = new Int32Array(new SharedArrayBuffer(4));
  private readonly watched = new Map<string, number>(); // file → WAL mtime at the last checkpoint
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: string | null = null;
  private checking = false;

  constructor(private readonly options: CheckpointerOptions = {}) {}

  watch(file: string): void {
    if (!this.watched.has(file)) this.watched.set(file, 0);
    this.timer ??= setInterval(() => void this.check(), this.options.checkEveryMs ?? CHECK_EVERY_MS).unref();
  }

  /**
   * Stops checkpointing a file, and waits (blocking, briefly: one PASSIVE checkpoint) until the worker has
   * no connection to it, so the caller may close, rename or delete it. A connection left open there would
   * keep SQLite's close from checkpointing, and could later delete a WAL of the same name.
   */
  unwatch(file: string): void {
    this.watched.delete(file);
    if (this.inFlight === file) this.waitForWorker();
  }

  /** Checkpoints now what needs it (the timer calls this). Resolves when the round is done. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [file, seen] of [...this.watched]) {
        const mtime = await fs.promises.stat(`${file}-wal`).then(
          (s) => s.mtimeMs,
          () => null,
        );
        if (mtime === null || mtime === seen || !this.watched.has(file)) continue;
        const reply = await this.checkpoint(file);
        if (!reply.ok) this.options.logger?.warn(`WAL checkpoint of ${file} failed: ${reply.message}`);
        if (this.watched.has(file)) this.watched.set(file, mtime);
      }
    } finally {
      this.checking = false;
    }
  }

  /** Forgets every file and stops the timer and the worker, after a checkpoint in progress. */
  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watched.clear();
    this.waitForWorker();
    void this.worker?.terminate();
    this.worker = null;
  }

  private checkpoint(file: string): Promise<Reply> {
    this.worker ??= this.startWorker();
    const worker = this.worker;
    return new Promise<Reply>((resolve) => {
      const url = pathToFileURL(file);
      url.searchParams.set('mode', 'rw');
      const onMessage = (reply: Reply) => finish(reply);
      const onExit = () => finish({ ok: false, message: 'the checkpoint worker stopped' });
      const finish = (reply: Reply) => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        this.inFlight = null;
        resolve(reply);
      };
      worker.once('message', onMessage);
      worker.once('exit', onExit);
      Atomics.store(this.busy, 0, 1);
      this.inFlight = file;
      worker.postMessage({ url: url.href });
    });
  }

  private startWorker(): Worker {
    const worker = new Worker(workerSource, { eval: true, workerData: { busy: this.busy.buffer } });
    worker.unref();
    worker.on('error', (error) => {
      this.options.logger?.warn(`WAL checkpoint worker failed: ${error.message}`);
      Atomics.store(this.busy, 0, 0);
      if (this.worker === worker) this.worker = null;
    });
    return worker;
  }

  private waitForWorker(): void {
    // Bounded: a PASSIVE checkpoint of a backstop-sized WAL takes well under this.
    const deadline = Date.now() + 30_000;
    while (Atomics.load(this.busy, 0) === 1 && Date.now() < deadline) Atomics.wait(this.busy, 0, 1, 100);
  }
}
