import { randomUUID } from 'node:crypto';
import type { Trigger } from '../../shared/contract/archives';
import type { DrillResult, RestoreDrillStatus } from '../../shared/contract/schedule';
import { repositoryKey } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import { toLocalIso, type Clock } from '../clock';
import type { RepositoryStore } from '../storage/repository-store';
import type { BackupService } from './backup-service';
import { repositoryLane } from './jobs';
import { drillArchive } from './restore-drill';

// Restore drills over the whole server (ARCHITECTURE §6): for each repository its newest verified
// backup is restored into the temp area and checked (restore-drill.ts), one repository after the other,
// each as a job in the repository's lane so it never runs beside a backup of the same repository. Every
// result is a history row (kind "drill"); the status is read back from there, so it survives restarts.

/** Where a repository's newest verified archive is found: the history now, the backup catalog later. */
export interface DrillArchiveSource {
  newestVerified(repository: { name: string; id: string }): string | null;
}

/** The newest backup the history records as written and verified. */
export function historyArchiveSource(backups: Pick<BackupService, 'history'>): DrillArchiveSource {
  return {
    newestVerified: ({ name }) =>
      backups.history
        .list({ repository: name, limit: 500 })
        .find((h) => h.kind === 'backup' && h.status === 'ok' && h.file !== null)?.file ?? null,
  };
}

export interface RestoreDrillsDeps {
  dataDir: string;
  store: RepositoryStore;
  clock: Clock;
  backups: BackupService;
  source?: DrillArchiveSource;
  /** The status changed (a drill started, moved to the next repository, ended). */
  onChanged?: () => void;
}

export interface DrillRunReport {
  runId: string;
  results: DrillResult[];
  /** Repositories with no verified backup to test. */
  untested: string[];
}

export class RestoreDrills {
  private current: {
    runId: string;
    repository: string | null;
    jobId: string | null;
    done: Promise<DrillRunReport>;
  } | null = null;
  private readonly source: DrillArchiveSource;

  constructor(private readonly deps: RestoreDrillsDeps) {
    this.source = deps.source ?? historyArchiveSource(deps.backups);
  }

  isRunning(): boolean {
    return this.current !== null;
  }

  /** The drill run going on, if any (tests; stopping). */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  /** The newest drill's end (ms), or null: when the next scheduled one is due. */
  lastRunAt(): number | null {
    const last = this.drillRows().find((h) => h.status !== 'running');
    return last ? Date.parse(last.finishedAt ?? last.startedAt) : null;
  }

  /**
   * Starts a drill of every repository (or the ones given). CONFLICT while one runs; NOT_FOUND for a
   * name asked for that does not exist.
   */
  start(
    trigger: Extract<Trigger, 'schedule' | 'manual' | 'cli'>,
    names?: string[],
  ): { runId: string; done: Promise<DrillRunReport> } {
    if (this.current)
      throw new AppFailure('CONFLICT', 'A restore test is running already; wait for it to finish.');
    const { store } = this.deps;
    const repositories =
      names && names.length > 0
        ? names.map((name) => {
            const found = store.resolve(name);
            if (!found) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
            return found;
          })
        : store.list().map((r) => r.name);
    const runId = randomUUID();
    const entry = {
      runId,
      repository: null as string | null,
      jobId: null as string | null,
      done: null as unknown as Promise<DrillRunReport>,
    };
    this.current = entry;
    entry.done = this.runAll(runId, trigger, repositories, entry).finally(() => {
      this.current = null;
      this.deps.onChanged?.();
    });
    this.deps.onChanged?.();
    return { runId, done: entry.done };
  }

  /** Cancels the drill going on (its job); the temp area is removed by the job itself. */
  cancel(): void {
    const jobId = this.current?.jobId;
    if (jobId) {
      try {
        this.deps.backups.jobs.cancel(jobId);
      } catch {
        // It ended meanwhile.
      }
    }
  }

  private async runAll(
    runId: string,
    trigger: Trigger,
    repositories: string[],
    entry: { repository: string | null; jobId: string | null },
  ): Promise<DrillRunReport> {
    const { backups, store } = this.deps;
    const results: DrillResult[] = [];
    const untested: string[] = [];
    for (const name of repositories) {
      let id: string;
      try {
        id = store.open(name).id;
      } catch {
        continue; // deleted meanwhile
      }
      const file = this.source.newestVerified({ name, id });
      if (!file) {
        untested.push(name);
        continue;
      }
      const historyId = backups.history.begin({ kind: 'drill', trigger, repository: name, file });
      const started = backups.jobs.start(
        { kind: 'drill', repository: name, file, lane: repositoryLane(name) },
        async (job) => {
          const io = backups.sourceIo(job.signal);
          try {
            await drillArchive({ dataDir: this.deps.dataDir, io }, { file, repository: { name, id } }, job);
            return { file };
          } finally {
            io.close();
          }
        },
      );
      entry.repository = name;
      entry.jobId = started.jobId;
      this.deps.onChanged?.();
      const result = await started.done;
      const status = result.status === 'done' ? 'ok' : result.status;
      const error = result.error ? result.error.message : null;
      backups.history.finish(historyId, { status, error });
      results.push({ name, status, at: toLocalIso(this.deps.clock.now()), file, error });
      if (status === 'cancelled') break;
    }
    return { runId, results, untested };
  }

  private drillRows() {
    return this.deps.backups.history.list({ limit: 1000 }).filter((h) => h.kind === 'drill');
  }

  status(everyDays: number | null, nextRunAt: number | null): RestoreDrillStatus {
    const rows = this.drillRows().filter((h) => h.status !== 'running');
    // Each repository's newest drill, by key: built once, not searched for each of 500 repositories.
    const newestOf = new Map<string, (typeof rows)[number]>();
    for (const h of rows) {
      if (h.repository === null) continue;
      const key = repositoryKey(h.repository);
      if (!newestOf.has(key)) newestOf.set(key, h);
    }
    const results: DrillResult[] = [];
    for (const name of this.deps.store.names()) {
      const row = newestOf.get(repositoryKey(name));
      if (!row) continue;
      results.push({
        name,
        status: row.status === 'ok' ? 'ok' : row.status === 'cancelled' ? 'cancelled' : 'failed',
        at: row.finishedAt ?? row.startedAt,
        file: row.file,
        error: row.error,
      });
    }
    const last = rows[0];
    return {
      everyDays,
      lastRunAt: last ? (last.finishedAt ?? last.startedAt) : null,
      nextRunAt: nextRunAt === null ? null : toLocalIso(nextRunAt),
      running: this.current ? { repository: this.current.repository, jobId: this.current.jobId } : null,
      results,
    };
  }
}
