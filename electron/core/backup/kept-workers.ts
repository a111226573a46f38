// Workers kept between tasks: worker threads (starting one took 40–50 ms of each task, and a small
// repository's backup started three: the snapshot's finish, the hasher, the integrity check) and file
// agents (agent-pool.ts). A kept worker is unref'd (it never keeps the process alive) and ends when
// unused for its idle time, by default KEEP_IDLE_MS. Not longer for threads: a kept isolate beside a large
// backup's compression added ~25 MB to its peak (bench:backup, 517 MB: 97 vs 67 MB with 10 s). The tasks
// of a small backup, and the next repository's in a run, come within it.

const KEEP_IDLE_MS = 2_000;

interface Keepable {
  ref(): void;
  unref(): void;
}

export class KeptWorkers<W extends Keepable> {
  private readonly idle = new Map<W, NodeJS.Timeout>();

  /** `end` stops a worker that stayed unused, or one more than `max` would keep. */
  constructor(
    private readonly end: (worker: W) => void,
    private readonly limits: { idleMs?: number; max?: number } = {},
  ) {}

  /** Workers waiting for a task. */
  get size(): number {
    return this.idle.size;
  }

  /** A kept worker, ref'd again for its task; null when none waits. */
  take(): W | null {
    const [worker, timer] = this.idle.entries().next().value ?? [];
    if (!worker) return null;
    clearTimeout(timer);
    this.idle.delete(worker);
    worker.ref();
    return worker;
  }

  /** A worker whose task is done (and that did not fail) waits for the next one. */
  keep(worker: W): void {
    if (this.idle.size >= (this.limits.max ?? Infinity)) return this.end(worker);
    worker.unref();
    const timer = setTimeout(() => {
      this.idle.delete(worker);
      this.end(worker);
    }, this.limits.idleMs ?? KEEP_IDLE_MS);
    timer.unref();
    this.idle.set(worker, timer);
  }

  /** A worker that ended on its own (it should not) is never handed a task it cannot answer. */
  drop(worker: W): void {
    clearTimeout(this.idle.get(worker));
    this.idle.delete(worker);
  }

  /** Ends every worker that waits (the server stops). */
  endAll(): void {
    for (const [worker, timer] of this.idle) {
      clearTimeout(timer);
      this.end(worker);
    }
    this.idle.clear();
  }
}
