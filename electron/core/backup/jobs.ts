import { randomUUID } from 'node:crypto';
import type { JobKind, JobProgress, JobResult } from '../../shared/contract/archives';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { Clock } from '../clock';
import type { EventBus } from '../event-bus';

type Phase = JobProgress['phase'];

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Moves the job on; a new phase resets the rate the ETA is estimated from. */
  progress(update: {
    phase?: Phase;
    bytesDone?: number;
    bytesTotal?: number | null;
    file?: string | null;
  }): void;
}

export interface JobOutcome {
  file?: string | null;
  sizeBytes?: number | null;
  restoredAs?: string | null;
}

interface RunningJob {
  progress: JobProgress;
  controller: AbortController;
  startedAt: number;
  phaseStartedAt: number;
  phaseStartBytes: number;
  lastEmit: number;
  done?: Promise<JobResult>;
}

/** Progress events at most this often per job, plus one at each phase change. */
const EMIT_EVERY_MS = 250;
/** How many jobs carry out at once; the others wait as "queued" (disk and CPU are shared). */
const CONCURRENT_JOBS = 2;

/** The jobs running now: their progress (with ETA), cancel, and the `jobProgress`/`jobFinished` events. */
export class JobRegistry {
  private readonly jobs = new Map<string, RunningJob>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  start(
    spec: { kind: JobKind; repository: string | null; file: string | null },
    work: (context: JobContext) => Promise<JobOutcome>,
  ): { jobId: string; done: Promise<JobResult> } {
    const jobId = randomUUID();
    const now = this.clock.now();
    const job: RunningJob = {
      progress: { jobId, ...spec, phase: 'queued', bytesDone: 0, bytesTotal: null, etaSeconds: null },
      controller: new AbortController(),
      startedAt: now,
      phaseStartedAt: now,
      phaseStartBytes: 0,
      lastEmit: now,
    };
    this.jobs.set(jobId, job);
    this.events.emit('jobProgress', job.progress);
    const context: JobContext = {
      jobId,
      signal: job.controller.signal,
      progress: (update) => this.update(job, update),
    };
    const done = this.run(job, () => work(context));
    job.done = done;
    return { jobId, done };
  }

  list(): JobProgress[] {
    return [...this.jobs.values()].map((j) => ({ ...j.progress }));
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new AppFailure('NOT_FOUND', 'That job is not running (it may have finished already).');
    job.controller.abort();
  }

  /** Cancels every job, e.g. when the server stops; resolves once each has cleaned up after itself. */
  async cancelAll(): Promise<void> {
    const jobs = [...this.jobs.values()];
    for (const job of jobs) job.controller.abort();
    await Promise.all(jobs.map((job) => job.done));
  }

  private async run(job: RunningJob, work: () => Promise<JobOutcome>): Promise<JobResult> {
    let outcome: JobOutcome = {};
    let error: { code: string; message: string } | null = null;
    try {
      await this.acquire(job.controller.signal);
      try {
        if (job.controller.signal.aborted) throw new AppFailure('CANCELLED', 'Cancelled before it started.');
        this.update(job, { phase: 'preparing' });
        outcome = await work();
      } finally {
        this.release();
      }
    } catch (e) {
      error = isAppFailure(e)
        ? { code: e.code, message: e.message }
        : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
    }
    this.jobs.delete(job.progress.jobId);
    const status = error === null ? 'done' : error.code === 'CANCELLED' ? 'cancelled' : 'failed';
    const result: JobResult = {
      jobId: job.progress.jobId,
      kind: job.progress.kind,
      repository: job.progress.repository,
      status,
      file: outcome.file ?? job.progress.file,
      sizeBytes: outcome.sizeBytes ?? null,
      durationMs: Math.max(0, Math.round(this.clock.now() - job.startedAt)),
      restoredAs: outcome.restoredAs ?? null,
      error,
    };
    this.events.emit('jobFinished', result);
    return result;
  }

  private update(job: RunningJob, update: Parameters<JobContext['progress']>[0]): void {
    const p = job.progress;
    const now = this.clock.now();
    const newPhase = update.phase !== undefined && update.phase !== p.phase;
    if (newPhase) {
      p.phase = update.phase!;
      p.bytesDone = 0;
      p.bytesTotal = null;
      job.phaseStartedAt = now;
      job.phaseStartBytes = 0;
    }
    if (update.bytesTotal !== undefined) p.bytesTotal = update.bytesTotal;
    if (update.bytesDone !== undefined) p.bytesDone = update.bytesDone;
    if (update.file !== undefined) p.file = update.file;
    p.etaSeconds = this.eta(job, now);
    if (newPhase || now - job.lastEmit >= EMIT_EVERY_MS) {
      job.lastEmit = now;
      this.events.emit('jobProgress', { ...p });
    }
  }

  private eta(job: RunningJob, now: number): number | null {
    const p = job.progress;
    const elapsed = now - job.phaseStartedAt;
    const moved = p.bytesDone - job.phaseStartBytes;
    if (p.bytesTotal === null || elapsed < 200 || moved <= 0) return null;
    return Math.max(0, Math.round(((p.bytesTotal - p.bytesDone) / moved) * (elapsed / 1000)));
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (this.running < CONCURRENT_JOBS) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const go = () => {
        signal.removeEventListener('abort', go);
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        this.running++;
        resolve();
      };
      this.waiting.push(go);
      // A queued job that is cancelled starts at once, only to end as cancelled.
      signal.addEventListener('abort', go, { once: true });
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
