import { randomUUID } from 'node:crypto';
import type { JobKind, JobProgress, JobRef, JobResult } from '../../shared/contract/archives';
import { repositoryKey } from '../../shared/repository-name';
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

export interface JobSpec {
  kind: JobKind;
  repository: string | null;
  file: string | null;
  /**
   * Jobs of one lane run one at a time (two restores must not pick the same free name or swap the same
   * file); a job waiting for its lane does not hold one of the shared slots meanwhile.
   */
  lane?: string;
}

interface RunningJob {
  progress: JobProgress;
  lane: string | null;
  controller: AbortController;
  startedAt: number;
  phaseStartedAt: number;
  phaseStartBytes: number;
  lastEmit: number;
  started: boolean;
  go?: () => void;
  done?: Promise<JobResult>;
}

/** The lane a repository's backups and restore drills share: one of them at a time. */
export const repositoryLane = (name: string) => `repository:${repositoryKey(name)}`;

/** Progress events at most this often per job, plus one at each phase change. */
const EMIT_EVERY_MS = 250;
/** How many jobs carry out at once; the others wait as "queued" (disk and CPU are shared). */
const CONCURRENT_JOBS = 2;
/** Finished jobs kept for `get` (a script waiting for a job it started, say). */
const KEEP_RESULTS = 100;

const ref = (job: RunningJob): JobRef => ({
  jobId: job.progress.jobId,
  kind: job.progress.kind,
  repository: job.progress.repository,
});

/**
 * The jobs running now: their progress (with ETA), cancel, the `jobProgress`/`jobFinished` events, and
 * the recent results. A queued job says which jobs it waits for.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly results = new Map<string, JobResult>();

  constructor(
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  start(
    spec: JobSpec,
    work: (context: JobContext) => Promise<JobOutcome>,
  ): { jobId: string; done: Promise<JobResult> } {
    const jobId = randomUUID();
    const now = this.clock.now();
    const { lane, ...shown } = spec;
    const job: RunningJob = {
      progress: {
        jobId,
        ...shown,
        phase: 'queued',
        waitingFor: [],
        bytesDone: 0,
        bytesTotal: null,
        etaSeconds: null,
      },
      lane: lane ?? null,
      controller: new AbortController(),
      startedAt: now,
      phaseStartedAt: now,
      phaseStartBytes: 0,
      lastEmit: now,
      started: false,
    };
    this.jobs.set(jobId, job);
    const context: JobContext = {
      jobId,
      signal: job.controller.signal,
      progress: (update) => this.update(job, update),
    };
    job.progress.waitingFor = this.blockers(job).map(ref);
    this.events.emit('jobProgress', { ...job.progress });
    const done = this.run(job, () => work(context));
    job.done = done;
    return { jobId, done };
  }

  list(): JobProgress[] {
    return [...this.jobs.values()].map((j) => ({ ...j.progress }));
  }

  /** A running job's progress, or a recent one's result; NOT_FOUND for an id never seen (or long gone). */
  get(jobId: string): { progress: JobProgress | null; result: JobResult | null } {
    const running = this.jobs.get(jobId);
    if (running) return { progress: { ...running.progress }, result: null };
    const result = this.results.get(jobId);
    if (result) return { progress: null, result };
    throw new AppFailure('NOT_FOUND', `There is no job ${jobId} (it may have ended long ago).`);
  }

  /** The result of a job, once it ends (at once for one that ended recently). */
  async wait(jobId: string): Promise<JobResult> {
    const running = this.jobs.get(jobId);
    if (running) return running.done!;
    return this.get(jobId).result!;
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
      await this.turn(job);
      try {
        if (job.controller.signal.aborted) throw new AppFailure('CANCELLED', 'Cancelled before it started.');
        this.update(job, { phase: 'preparing' });
        outcome = await work();
      } finally {
        job.started = false;
        this.jobs.delete(job.progress.jobId);
        this.startWaiting();
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
    this.results.set(result.jobId, result);
    for (const old of this.results.keys()) {
      if (this.results.size <= KEEP_RESULTS) break;
      this.results.delete(old);
    }
    this.events.emit('jobFinished', result);
    return result;
  }

  private running(): RunningJob[] {
    return [...this.jobs.values()].filter((j) => j.started);
  }

  /** What stands between a queued job and its start: its lane's job, or every slot taken. */
  private blockers(job: RunningJob): RunningJob[] {
    const running = this.running();
    const inLane = job.lane ? running.filter((j) => j.lane === job.lane) : [];
    if (inLane.length > 0) return inLane;
    return running.length >= CONCURRENT_JOBS ? running : [];
  }

  private turn(job: RunningJob): Promise<void> {
    return new Promise((resolve) => {
      job.go = () => {
        job.go = undefined;
        job.started = true;
        job.progress.waitingFor = [];
        resolve();
      };
      // A queued job that is cancelled starts at once, only to end as cancelled.
      job.controller.signal.addEventListener('abort', () => job.go?.(), { once: true });
      if (this.blockers(job).length === 0) job.go();
    });
  }

  /** A job ended: the queued ones that can start now start, in order; the others say what they wait for. */
  private startWaiting(): void {
    for (const job of this.jobs.values()) {
      if (job.started || !job.go) continue;
      const blockers = this.blockers(job);
      if (blockers.length === 0) {
        job.go();
        continue;
      }
      const waitingFor = blockers.map(ref);
      if (JSON.stringify(waitingFor) !== JSON.stringify(job.progress.waitingFor)) {
        job.progress.waitingFor = waitingFor;
        this.events.emit('jobProgress', { ...job.progress });
      }
    }
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
}
