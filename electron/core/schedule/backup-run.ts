import type { JobProgress, Trigger } from '../../shared/contract/archives';
import type { BackupSettings } from '../../shared/settings-schema';
import type { BackupService } from '../backup/backup-service';
import type { Clock } from '../clock';

// One backup run (ARCHITECTURE §7): each repository in turn through the backup engine's pipeline, with
// the schedule's settings. One repository failing does not stop the others, except when the target
// itself is unusable (it does not answer, cannot be written): then the others fail for that reason at
// once rather than each waiting out the same deadline. Every repository's result is in the history.

export interface BackupRunDeps {
  backups: BackupService;
  clock: Clock;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export interface RunPlan {
  runId: string;
  trigger: Extract<Trigger, 'schedule' | 'manual' | 'cli'>;
  repositories: string[];
  settings: BackupSettings;
  /** Stops the run before its next repository (the app is quitting). */
  signal?: AbortSignal;
  /** Told when the run moves to the next repository (index counts from 0) and its job id. */
  onRepository?: (update: { repository: string; index: number; total: number; jobId: string | null }) => void;
}

export interface RepositoryOutcome {
  repository: string;
  status: 'ok' | 'failed' | 'cancelled';
  file: string | null;
  sizeBytes: number | null;
  durationMs: number;
  error: string | null;
  /** Old archives retention removed. */
  deleted: string[];
}

export interface RunReport {
  runId: string;
  trigger: RunPlan['trigger'];
  ok: boolean;
  startedAt: number;
  finishedAt: number;
  outcomes: RepositoryOutcome[];
  /** Why the run failed, in one line (the first failure); null when all went well. */
  error: string | null;
  /** The server configuration's archive written after the repositories; null when it was not. */
  configuration: { file: string | null; error: string | null } | null;
}

/** Failures of the target itself: every other repository of the run would fail the same way. */
const TARGET_FAILURES = new Set(['NOT_RESPONDING', 'NOT_WRITABLE', 'INVALID_ARGUMENT']);

export async function runBackup(deps: BackupRunDeps, plan: RunPlan): Promise<RunReport> {
  const { clock, backups } = deps;
  const { settings } = plan;
  const startedAt = clock.now();
  const outcomes: RepositoryOutcome[] = [];
  let targetFailure: string | null = null;

  for (const [index, name] of plan.repositories.entries()) {
    const notRun = (status: 'failed' | 'cancelled', why: string) => {
      backups.history.recordNotRun({
        kind: 'backup',
        trigger: plan.trigger,
        repository: name,
        status,
        reason: why,
      });
      outcomes.push({
        repository: name,
        status,
        file: null,
        sizeBytes: null,
        durationMs: 0,
        error: why,
        deleted: [],
      });
    };
    if (plan.signal?.aborted) {
      // The abort's reason says who stopped the run (a cancel asked for, or the application stopping).
      const why = typeof plan.signal.reason === 'string' ? plan.signal.reason : 'the application stopped';
      notRun('cancelled', `Cancelled: ${why} before this repository was backed up.`);
      continue;
    }
    if (targetFailure) {
      notRun('failed', targetFailure);
      continue;
    }
    const began = clock.now();
    const started = backups.startBackupJob({
      repository: name,
      destination: { kind: 'folder', folder: settings.targetFolder },
      kind: 'backup',
      trigger: plan.trigger,
      includeHistory: true,
      compression: settings.compression,
      clientsPolicy: settings.clientsPolicy,
      graceMinutes: settings.graceMinutes,
      keepLast: settings.keepLast,
    });
    plan.onRepository?.({ repository: name, index, total: plan.repositories.length, jobId: started.jobId });
    const result = await started.done;
    const status = result.status === 'done' ? 'ok' : result.status;
    if (result.error && TARGET_FAILURES.has(result.error.code)) targetFailure = result.error.message;
    outcomes.push({
      repository: name,
      status,
      file: status === 'ok' ? result.file : null,
      sizeBytes: status === 'ok' ? result.sizeBytes : null,
      durationMs: Math.max(0, clock.now() - began),
      error: result.error ? result.error.message : (result.backup?.warning ?? null),
      deleted: result.backup?.deleted ?? [],
    });
  }
  // The whole server: its configuration beside the repositories' archives (not when the target failed).
  let configuration: RunReport['configuration'] = null;
  if (!targetFailure && !plan.signal?.aborted && outcomes.some((o) => o.status === 'ok')) {
    configuration = await backups
      .backupConfiguration({
        folder: settings.targetFolder,
        trigger: plan.trigger,
        keepLast: settings.keepLast,
        signal: plan.signal,
      })
      .then(
        (written) => ({ file: written.file, error: null }),
        (error: unknown) => ({ file: null, error: error instanceof Error ? error.message : String(error) }),
      );
  }
  const failures = outcomes.filter((o) => o.status !== 'ok');
  return {
    runId: plan.runId,
    trigger: plan.trigger,
    ok: failures.length === 0 && !configuration?.error,
    startedAt,
    finishedAt: clock.now(),
    outcomes,
    error:
      failures.length > 0
        ? `${failures[0]!.repository}: ${failures[0]!.error}`
        : configuration?.error
          ? `server configuration: ${configuration.error}`
          : null,
    configuration,
  };
}

export type { JobProgress };
