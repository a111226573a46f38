import type { JobProgress, JobResult } from '../shared/contract/archives';
import type { BackupRunReport } from '../shared/contract/schedule';
import { formatProgress } from '../shared/format-size';
import { jobWords, phaseWords } from '../shared/job-words';
import { CliError, type CliIo } from './cli-io';
import { callOrFail, type ContractLink } from './contract-link';
import { EXIT } from './exit-codes';

// Waiting for the jobs a command started (ARCHITECTURE §8): their progress on the terminal (one line on a
// TTY, a JSON object per event with --json), and Ctrl-C cancels them where they run — on the server when
// one does the work — then waits for them to end as cancelled, so nothing is left half-written.

/** How long, after a cancel was asked, a job may take to end before the CLI stops waiting. */
const CANCEL_WAIT_MS = 15_000;
const TTY_REDRAW_MS = 100;

/** Where progress goes: a redrawn line on a TTY, JSON lines with --json, nothing in a pipe. */
export class ProgressOutput {
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  progress(p: JobProgress): void {
    if (this.json) return void this.io.stdout.write(JSON.stringify({ type: 'progress', ...p }) + '\n');
    if (!this.io.stdout.isTTY) return;
    const now = Date.now();
    if (now - this.lastDraw < TTY_REDRAW_MS && p.phase !== 'verifying') return;
    this.lastDraw = now;
    const width = Math.max(20, (this.io.stdout.columns ?? 80) - 1);
    this.io.stdout.write(`\r\x1b[2K${progressLine(p).slice(0, width)}`);
    this.shown = true;
  }

  /** Clears the progress line before a result is printed. */
  clear(): void {
    if (this.shown) this.io.stdout.write('\r\x1b[2K');
    this.shown = false;
  }

  /** The last line of --json: the command's result. */
  result(value: Record<string, unknown>): void {
    this.clear();
    this.io.stdout.write(JSON.stringify({ type: 'result', ...value }) + '\n');
  }
}

/** "Export of Alpha: Compressing 42 % · 12.3 MB of 29.0 MB · 8 s left". */
export function progressLine(p: JobProgress): string {
  const what = jobWords(p).replace(/^the /, '');
  const percent =
    p.bytesTotal && p.bytesTotal > 0
      ? ` ${Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 100))} %`
      : '';
  const parts = [
    `${phaseWords(p)}${percent}`,
    p.bytesDone > 0 ? formatProgress(p.bytesDone, p.bytesTotal) : null,
    p.etaSeconds !== null ? (p.etaSeconds < 1 ? 'almost done' : `${formatSeconds(p.etaSeconds)} left`) : null,
  ].filter(Boolean);
  return `${what[0]!.toUpperCase()}${what.slice(1)}: ${parts.join(' · ')}`;
}

const formatSeconds = (s: number) =>
  s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

/**
 * Watches the link's events from before a job is started (so none is missed), then waits for given jobs
 * or a backup run. Dispose it when the command is done.
 */
export class JobWatch {
  private readonly results = new Map<string, JobResult>();
  private readonly runs = new Map<string, BackupRunReport>();
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;
  /** Set once the user asked to stop: the command's exit code is then `cancelled`. */
  cancelAsked = false;

  constructor(
    private readonly link: ContractLink,
    private readonly io: CliIo,
    readonly output: ProgressOutput,
  ) {
    this.unsubscribe = link.onEvent((name, payload) => {
      if (name === 'jobProgress') this.onProgress(payload as JobProgress);
      else if (name === 'jobFinished') this.results.set((payload as JobResult).jobId, payload as JobResult);
      else if (name === 'backupRunFinished')
        this.runs.set((payload as BackupRunReport).runId, payload as BackupRunReport);
      else return;
      for (const wake of this.waiters) wake();
    });
  }

  private watched = new Set<string>();
  private onProgress(p: JobProgress): void {
    if (this.watched.has(p.jobId) || this.watchingRun) this.output.progress(p);
  }
  private watchingRun = false;

  /** Waits for each job to end; Ctrl-C cancels those still running. Results in the order given. */
  async jobs(jobIds: string[]): Promise<JobResult[]> {
    for (const id of jobIds) this.watched.add(id);
    await this.until(
      async () => {
        for (const id of jobIds) if (!this.results.has(id)) await this.fetchJob(id);
        return jobIds.every((id) => this.results.has(id));
      },
      async () => {
        for (const id of jobIds) if (!this.results.has(id)) await this.link.call('cancelJob', { jobId: id });
      },
    );
    this.output.clear();
    return jobIds.map((id) => this.results.get(id)!);
  }

  /** Waits for a backup run to end; Ctrl-C cancels it (the archive being written leaves no file). */
  async run(runId: string): Promise<BackupRunReport> {
    this.watchingRun = true;
    await this.until(
      async () => {
        if (!this.runs.has(runId)) {
          const { report } = await callOrFail(this.link, 'getBackupRun', { runId });
          if (report) this.runs.set(runId, report);
        }
        return this.runs.has(runId);
      },
      async () => void (await this.link.call('cancelBackupRun', { runId })),
    );
    this.output.clear();
    return this.runs.get(runId)!;
  }

  private async fetchJob(jobId: string): Promise<void> {
    const { result } = await callOrFail(this.link, 'getJob', { jobId });
    if (result) this.results.set(jobId, result);
  }

  /**
   * Loops until `finished()` says so: woken by events, and every 2 s by itself (an event can be lost with
   * a reconnect). A stop request cancels once, then waits at most CANCEL_WAIT_MS; a lost server ends it.
   */
  private async until(finished: () => Promise<boolean>, cancel: () => Promise<void>): Promise<void> {
    let cancelDeadline: number | null = null;
    const stopped = this.io.untilStopped.then(() => 'stop' as const);
    const lost = this.link.lost.then((reason) => ({ lost: reason }));
    while (!(await finished())) {
      const woken = new Promise<'event'>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve('event');
        };
        this.waiters.add(wake);
        setTimeout(wake, 2_000).unref();
      });
      const why = await Promise.race([woken, cancelDeadline === null ? stopped : woken, lost]);
      if (typeof why === 'object') {
        this.output.clear();
        throw new CliError(
          `${this.link.servedBy ?? 'The server'} stopped answering while the command waited: ${why.lost}. ` +
            'Its Control Panel and history say how the job ended.',
          EXIT.unreachable,
        );
      }
      if (why === 'stop' && cancelDeadline === null) {
        this.cancelAsked = true;
        cancelDeadline = Date.now() + CANCEL_WAIT_MS;
        this.output.clear();
        this.io.stderr.write('repo-server: cancelling…\n');
        await cancel();
      }
      if (cancelDeadline !== null && Date.now() > cancelDeadline)
        throw new CliError(
          'Cancel asked; the job had not ended after 15 s. Its history says how it ended.',
          EXIT.cancelled,
        );
    }
  }

  dispose(): void {
    this.unsubscribe();
    for (const wake of this.waiters) wake();
  }
}
