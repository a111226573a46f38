import type { HistoryEntry, JobProgress, Trigger } from '../../shared/contract/archives';
import type { BackupStatus, RepositoryBackupState, RestoreDrillStatus } from '../../shared/contract/schedule';
import type { BackupSettings } from '../../shared/settings-schema';
import { toLocalIso } from '../clock';
import { describeSchedule } from './describe-schedule';
import { longestGapMs } from './schedule-rules';

// The auto-backup status at a glance (ARCHITECTURE §7): on/off/paused, the schedule in words, what runs
// now, and per repository its last result and whether it is overdue.

export interface RunningRun {
  runId: string;
  trigger: Trigger;
  startedAt: number;
  repository: string | null;
  index: number;
  total: number;
  progress: JobProgress | null;
}

export interface StatusInputs {
  now: number;
  settings: BackupSettings;
  nextRun: number | null;
  retryAt: number | null;
  lastError: string | null;
  running: RunningRun | null;
  /** Restore drills' status, when the server has them. */
  drill?: RestoreDrillStatus;
  /**
   * Backup history of one repository, newest first: at least its newest backup that ended and its
   * newest good one (history.lastBackups), which is all repositoryState reads.
   */
  historyOf(repository: string): HistoryEntry[];
  /** When the repository was created (ms), or null when it does not exist. */
  createdAtOf(repository: string): number | null;
}

export function isPaused(settings: BackupSettings, now: number): boolean {
  const until = settings.pausedUntil ? Date.parse(settings.pausedUntil) : Number.NaN;
  return Number.isFinite(until) && until > now;
}

/**
 * Overdue: no good backup for longer than twice the schedule's longest gap, counted from the last good
 * backup, or from the repository's creation when it never had one (always, for one that is gone).
 */
export function repositoryState(
  name: string,
  history: HistoryEntry[],
  createdAt: number | null,
  settings: BackupSettings,
  now: number,
): RepositoryBackupState {
  const backups = history.filter(
    (h) => h.kind === 'backup' && h.status !== 'running' && h.status !== 'cancelled',
  );
  const last = backups[0];
  const good = backups.find((h) => h.status === 'ok');
  const lastGoodAt = good ? (good.finishedAt ?? good.startedAt) : null;
  const since = lastGoodAt ? Date.parse(lastGoodAt) : createdAt;
  const limit = 2 * longestGapMs(settings);
  const overdue = settings.enabled && (since === null || now - since > limit);
  return {
    name,
    lastResult: last
      ? {
          at: last.finishedAt ?? last.startedAt,
          status: last.status as 'ok' | 'failed' | 'skipped',
          file: last.file,
          sizeBytes: last.sizeBytes,
          durationMs: last.durationMs,
          error: last.error,
        }
      : null,
    lastGoodAt,
    overdue,
  };
}

export function buildStatus(inputs: StatusInputs): BackupStatus {
  const { settings, now } = inputs;
  const paused = isPaused(settings, now);
  const running = inputs.running;
  return {
    state: !settings.enabled ? 'off' : paused ? 'paused' : 'on',
    pausedUntil: paused ? settings.pausedUntil : null,
    description: describeSchedule(settings),
    repositories: settings.repositories,
    targetFolder: settings.targetFolder,
    clientsPolicy: settings.clientsPolicy,
    graceMinutes: settings.graceMinutes,
    nextRun: inputs.nextRun === null ? null : toLocalIso(inputs.nextRun),
    running: running
      ? {
          runId: running.runId,
          trigger: running.trigger,
          startedAt: toLocalIso(running.startedAt),
          repository: running.repository,
          index: running.index,
          total: running.total,
          progress: running.progress,
        }
      : null,
    retryAt: inputs.retryAt === null ? null : toLocalIso(inputs.retryAt),
    lastError: inputs.lastError,
    perRepository: settings.repositories.map((name) =>
      repositoryState(name, inputs.historyOf(name), inputs.createdAtOf(name), settings, now),
    ),
    ...(inputs.drill ? { drill: inputs.drill } : {}),
  };
}
