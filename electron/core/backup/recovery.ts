import path from 'node:path';
import type { Clock } from '../clock';
import { isAppFailure } from '../../shared/result';
import { openArchive } from './archive-reader';
import { PARTIAL_SUFFIX } from './archive-writer';
import type { AgentLauncher } from './fs-agent';
import { PROBE_NAME } from './preflight';
import { isAlive, type ArchiveIdentity, type BackupHistory, type InterruptedJob } from './history';
import { TargetFs } from './target-fs';
import { verifyArchive } from './verify-archive';

// What a killed process or a folder that stopped answering left behind, and how a start (or the folder
// answering again) settles it, so that no file with a final name is unknown to the history:
// - a job left "running" by a process that is gone: its partial is removed; an archive it had already
//   published (killed while verifying, say) is verified now and recorded as a good backup, or removed;
//   "Took" is the time until it last moved, not until the restart;
// - files a job could not remove because their folder did not answer (a rename issued to a share that
//   stopped answering may still land later) are removed once the agent stuck on it is gone and the
//   folder answers. A final-named file is removed only if its manifest is the job's own.

const INTERRUPTED = 'Interrupted: the application stopped during this job.';
/** Pending removals are tried again this often while some are left (a share that came back). */
const RETRY_EVERY_MS = 10 * 60_000;

export interface JanitorDeps {
  history: BackupHistory;
  launcher: AgentLauncher;
  dataDir: string;
  clock: Clock;
  timeoutMs: () => number;
  logger?: Pick<Console, 'info' | 'warn'>;
}

const isOurs = async (io: TargetFs, file: string, archive: ArchiveIdentity | null): Promise<boolean> => {
  if (!archive) return false;
  try {
    const opened = await openArchive(file, io);
    opened.close();
    return (
      opened.manifest.repository.id === archive.repositoryId &&
      opened.manifest.startedAt === archive.startedAt
    );
  } catch (error) {
    if (isAppFailure(error) && error.code === 'NOT_RESPONDING') throw error;
    return false;
  }
};

export class Janitor {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Shorter deadlines while the server stops: a stop never waits a full deadline for a cleanup. */
  private stopDeadlineMs: number | null = null;
  private readonly agents = new Set<TargetFs>();

  constructor(private readonly deps: JanitorDeps) {}

  private io(): TargetFs {
    const timeoutMs = Math.min(this.deps.timeoutMs(), this.stopDeadlineMs ?? Infinity);
    const io = new TargetFs({ launcher: this.deps.launcher, timeoutMs, onAbandonedExit: () => this.soon() });
    this.agents.add(io);
    return io;
  }

  private release(io: TargetFs): void {
    this.agents.delete(io);
    io.close();
  }

  /** Removes what one history row still has to remove; resolves when done or when its folder did not answer. */
  async clean(historyId: number): Promise<void> {
    const pending = this.deps.history.pendingCleanups().find((c) => c.id === historyId);
    if (!pending) return;
    if (pending.pid !== null && isAlive(pending.pid)) return;
    const io = this.io();
    try {
      const left = [...pending.files];
      for (const file of pending.files) {
        try {
          // A partial and a test write are ours by their names (created with O_EXCL); a final-named
          // file only by its manifest.
          if (
            file.endsWith(PARTIAL_SUFFIX) ||
            path.basename(file).startsWith(PROBE_NAME) ||
            (await io.stat(file)) === null ||
            (await isOurs(io, file, pending.archive))
          ) {
            await io.unlink(file);
          }
          left.splice(left.indexOf(file), 1);
        } catch (error) {
          if (isAppFailure(error)) break; // the folder does not answer: try again later
          left.splice(left.indexOf(file), 1); // gone or not ours to remove: nothing more to do
        }
      }
      this.deps.history.setCleanup(historyId, left);
    } finally {
      this.release(io);
    }
    this.arm();
  }

  /** Every pending removal whose agent is gone; one sweep at a time. */
  sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        for (const pending of this.deps.history.pendingCleanups()) {
          if (this.stopped) return;
          await this.clean(pending.id);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** A stuck agent exited, or a job ended: sweep in the background. */
  soon(): void {
    if (this.stopped) return;
    this.sweep().catch((error: unknown) =>
      this.deps.logger?.warn(`Could not remove what earlier jobs left: ${(error as Error).message}`),
    );
  }

  private arm(): void {
    if (this.timer || this.stopped || this.deps.history.pendingCleanups().length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.soon();
    }, RETRY_EVERY_MS);
    this.timer.unref();
  }

  /** The server begins to stop: cleanups from now on get a short deadline. */
  stopping(boundMs: number): void {
    this.stopDeadlineMs = boundMs;
    this.stopped = true;
  }

  /** The server stops: what the cleanups cannot do within the bound waits for the next start. */
  async stop(boundMs: number): Promise<void> {
    this.stopDeadlineMs = boundMs;
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    this.stopped = true;
    await Promise.race([this.running ?? Promise.resolve(), bound]);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const io of this.agents) io.close();
  }

  /**
   * Jobs a process that is gone left "running": each is settled as the module comment says. Runs in the
   * background at start (a folder that does not answer must not hold the start).
   */
  async recoverInterrupted(): Promise<number> {
    const jobs = this.deps.history.interrupted();
    for (const job of jobs) {
      if (this.stopped) return 0;
      await this.recoverOne(job);
    }
    if (jobs.length) this.deps.logger?.info(`Settled ${jobs.length} job(s) an earlier run left unfinished.`);
    await this.sweep();
    return jobs.length;
  }

  private async recoverOne(job: InterruptedJob): Promise<void> {
    const { history } = this.deps;
    const endedAt = job.progressAt ?? job.startedAt;
    const wrote = job.kind === 'export' || job.kind === 'backup';
    if (!wrote || !job.file) {
      history.finish(job.id, { status: 'failed', error: INTERRUPTED, endedAt });
      return;
    }
    const published = job.phase === 'publishing' || job.phase === 'finishing' || job.phase === 'verifying';
    if (!published) {
      history.addCleanup(job.id, [job.file + PARTIAL_SUFFIX], null);
      history.finish(job.id, { status: 'failed', error: INTERRUPTED, endedAt });
      return;
    }
    // Killed after the archive got its final name: it is complete (fsynced before the rename) but was
    // not verified yet. Verify it now: a good one is a backup like any other; a bad one is removed.
    const io = this.io();
    try {
      const present = await io.stat(job.file);
      if (present && (await isOurs(io, job.file, job.archive))) {
        const verified = await verifyArchive(job.file, { dataDir: this.deps.dataDir, io }).then(
          () => true,
          (error: unknown) => {
            if (isAppFailure(error) && error.code === 'NOT_RESPONDING') throw error;
            return false;
          },
        );
        if (verified) {
          history.addCleanup(job.id, [job.file + PARTIAL_SUFFIX], null);
          history.finish(job.id, {
            status: 'ok',
            sizeBytes: present.size,
            endedAt,
            error: 'Interrupted while it was being verified; verified at the next start.',
          });
          return;
        }
      }
      history.addCleanup(job.id, [job.file + PARTIAL_SUFFIX, job.file], null);
      history.finish(job.id, {
        status: 'failed',
        endedAt,
        error:
          'Interrupted: the application stopped while the archive was being verified; it did not verify at the next start and was removed.',
      });
    } catch {
      // Stopped meanwhile: the next start settles it (the row stays as the killed process left it).
      if (this.stopped) return;
      // Its folder does not answer: it is removed once it does (the history says so now).
      history.addCleanup(job.id, [job.file + PARTIAL_SUFFIX, job.file], null);
      history.finish(job.id, {
        status: 'failed',
        endedAt,
        error: `${INTERRUPTED} Its archive could not be checked (its folder did not answer) and is removed once it does.`,
      });
    } finally {
      this.release(io);
    }
  }
}
