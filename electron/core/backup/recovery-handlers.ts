import type { CoreHandlers } from '../../shared/contract';
import type { RecoveryReport } from '../../shared/contract/recovery';
import { isAppFailure } from '../../shared/result';
import { toLocalIso } from '../clock';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import type { BackupService } from './backup-service';
import type { TargetFs } from './target-fs';
import type { JobResult } from '../../shared/contract/archives';
import {
  recoverServer,
  refuseUnlessFresh,
  type RecoveryRequest,
  type RecoverySource,
} from './server-recovery';

// Whole-server recovery as a job (progress, cancel) and its contract methods. The report of the last
// few recoveries is kept for `getRecoveryReport` (the dialog asks once its job ended).

const KEEP_REPORTS = 10;

export class RecoveryJobs {
  private readonly reports = new Map<string, RecoveryReport>();

  constructor(
    private readonly deps: {
      dataDir: string;
      store: RepositoryStore;
      settings: SettingsService;
      backups: BackupService;
      /** Where a job's archives come from (the catalog); a scan of the folder without. */
      sourceFor?: (io: TargetFs) => RecoverySource;
      onRecovered?: () => void;
    },
  ) {}

  /** Starts a recovery; refuses a data dir that is not fresh at once (CONFLICT), before any job. */
  start(
    request: RecoveryRequest,
    trigger: 'manual' | 'cli' = 'manual',
  ): { jobId: string; done: Promise<JobResult> } {
    const { backups, store } = this.deps;
    refuseUnlessFresh(store);
    // The import lane: nothing else installs a repository meanwhile.
    const started = backups.jobs.start(
      { kind: 'recover', repository: null, file: request.from, lane: 'import' },
      async (job) => {
        const historyId = backups.history.begin({
          kind: 'recover',
          trigger,
          repository: null,
          file: request.from,
          jobId: job.jobId,
        });
        const io = backups.sourceIo(job.signal);
        try {
          const report = await recoverServer(
            {
              dataDir: this.deps.dataDir,
              store,
              settings: this.deps.settings,
              io,
              source: this.deps.sourceFor?.(io),
              onRestoredFrom: ({ repository, archive }) =>
                backups.history.recordPastBackup({
                  trigger: archive.trigger,
                  repository,
                  file: archive.file,
                  startedAt: archive.startedAt,
                  finishedAt: archive.finishedAt,
                  sizeBytes: archive.sizeBytes,
                  archive: { repositoryId: archive.repository.id, startedAt: toLocalIso(archive.startedAt) },
                }),
            },
            request,
            job,
          );
          this.keep(job.jobId, report);
          backups.history.finish(historyId, {
            status: 'ok',
            error: report.notRestored.length
              ? `Not restored: ${report.notRestored.map((r) => `${r.name} (${r.reason})`).join('; ')}`
              : null,
          });
          return { file: request.from };
        } catch (error) {
          backups.history.finish(historyId, {
            status: isAppFailure(error) && error.code === 'CANCELLED' ? 'cancelled' : 'failed',
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        } finally {
          io.close();
          this.deps.onRecovered?.();
        }
      },
    );
    return started;
  }

  report(jobId: string): RecoveryReport | null {
    return this.reports.get(jobId) ?? null;
  }

  private keep(jobId: string, report: RecoveryReport): void {
    this.reports.set(jobId, report);
    for (const old of this.reports.keys()) {
      if (this.reports.size <= KEEP_REPORTS) break;
      this.reports.delete(old);
    }
  }
}

export function recoveryHandlers(
  recovery: RecoveryJobs,
): Pick<CoreHandlers, 'startRecovery' | 'getRecoveryReport'> {
  return {
    startRecovery: async ({ from, at, server }) => ({
      jobId: recovery.start({ from, at: at === undefined ? undefined : Date.parse(at), server }).jobId,
    }),
    getRecoveryReport: async ({ jobId }) => recovery.report(jobId),
  };
}
