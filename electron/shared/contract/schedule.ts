import { z } from 'zod';
import { BackupSettings, BackupSettingsRules, ClientsPolicy, Day, TimeOfDay } from '../settings-schema';
import { CallerTrigger, JobProgress, Trigger } from './archives';
import { KnownRepositoryName } from '../repository-name';
import { MAX_PER_CALL, event, method } from './define';

const RepositoryList = z
  .array(KnownRepositoryName)
  .max(MAX_PER_CALL, `Choose at most ${MAX_PER_CALL} repositories at a time.`);

// Automatic backup (ARCHITECTURE §7): its settings, a live preview, the status at a glance.

export const RepositoryBackupState = z.object({
  name: z.string(),
  lastResult: z
    .object({
      at: z.string(),
      status: z.enum(['ok', 'failed', 'skipped']),
      file: z.string().nullable(),
      sizeBytes: z.number().int().nonnegative().nullable(),
      durationMs: z.number().int().nonnegative().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  /** ISO 8601 of the newest verified backup; null when there is none. */
  lastGoodAt: z.string().nullable(),
  /** No good backup for longer than twice the schedule's longest gap. */
  overdue: z.boolean(),
});
export type RepositoryBackupState = z.infer<typeof RepositoryBackupState>;

/** One repository's newest restore drill (ARCHITECTURE §6, "Restore drills"). */
export const DrillResult = z.object({
  name: z.string(),
  status: z.enum(['ok', 'failed', 'cancelled']),
  /** ISO 8601: when it ended. */
  at: z.string(),
  /** The archive it restored. */
  file: z.string().nullable(),
  /** Why it failed, in words a person can act on; null when OK. */
  error: z.string().nullable(),
});
export type DrillResult = z.infer<typeof DrillResult>;

export const RestoreDrillStatus = z.object({
  /** The setting: a drill every N days; null when drills are off (one can still be run by hand). */
  everyDays: z.number().int().positive().nullable(),
  /** ISO 8601 of the newest drill's end; null when none ever ran. */
  lastRunAt: z.string().nullable(),
  /** ISO 8601 of the next scheduled drill; null when off. */
  nextRunAt: z.string().nullable(),
  /** The drill going on now. */
  running: z.object({ repository: z.string().nullable(), jobId: z.string().nullable() }).nullable(),
  /** Per existing repository, its newest drill. */
  results: z.array(DrillResult),
});
export type RestoreDrillStatus = z.infer<typeof RestoreDrillStatus>;

export const BackupStatus = z.object({
  state: z.enum(['off', 'on', 'paused']),
  pausedUntil: z.string().nullable(),
  /** The schedule in words, e.g. "Mon–Fri at 12:30 and 22:00". */
  description: z.string(),
  repositories: z.array(z.string()),
  targetFolder: z.string(),
  clientsPolicy: ClientsPolicy,
  graceMinutes: z.number().int().nonnegative(),
  nextRun: z.string().nullable(),
  running: z
    .object({
      runId: z.string(),
      trigger: Trigger,
      startedAt: z.string(),
      repository: z.string().nullable(),
      index: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      progress: JobProgress.nullable(),
    })
    .nullable(),
  /** When a failed run will be tried again; null when none is pending. */
  retryAt: z.string().nullable(),
  /** The last run's failure, shown until a run succeeds. */
  lastError: z.string().nullable(),
  perRepository: z.array(RepositoryBackupState),
  /** Restore drills: the newest result per repository, a failure is an alert like a failed backup. */
  drill: RestoreDrillStatus.optional(),
});
export type BackupStatus = z.infer<typeof BackupStatus>;

/** One repository's part of a backup run. */
export const RepositoryOutcome = z.object({
  repository: z.string(),
  status: z.enum(['ok', 'failed', 'cancelled']),
  file: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** Old archives retention removed. */
  deleted: z.array(z.string()),
});

/** A backup run once it ended (Back Up Now, the schedule, the CLI). Times in ms since the epoch. */
export const BackupRunReport = z.object({
  runId: z.string(),
  trigger: Trigger,
  ok: z.boolean(),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcomes: z.array(RepositoryOutcome),
  /** Why the run failed, in one line (the first failure); null when all went well. */
  error: z.string().nullable(),
  /** The server configuration's archive written after the repositories; null when it was not. */
  configuration: z
    .object({ file: z.string().nullable(), error: z.string().nullable() })
    .nullable()
    .default(null),
});
export type BackupRunReport = z.infer<typeof BackupRunReport>;

const RunId = z.object({ runId: z.string().min(1).max(100) });

export const backupScheduleMethods = {
  getBackupSettings: method(z.object({}).strict().optional(), BackupSettings, 'The auto-backup settings.'),
  saveBackupSettings: method(
    BackupSettingsRules,
    BackupSettings,
    'Save the auto-backup settings; an enabled schedule that cannot run is refused with a message per field.',
  ),
  previewSchedule: method(
    z.object({
      days: z.array(Day),
      times: z.array(TimeOfDay),
      count: z.number().int().min(1).max(20).default(5),
    }),
    z.object({ description: z.string(), nextRuns: z.array(z.string()) }),
    'The next runs and the schedule in words, for the dialog’s live preview.',
  ),
  getBackupStatus: method(z.object({}).strict().optional(), BackupStatus, 'Auto-backup status at a glance.'),
  runBackupNow: method(
    z.object({ repositories: RepositoryList.optional(), trigger: CallerTrigger }).optional(),
    z.object({ runId: z.string() }),
    'Run the configured backup now (all selected repositories, or the ones given).',
  ),
  getBackupRun: method(
    RunId,
    z.object({ running: z.boolean(), report: BackupRunReport.nullable() }),
    'One backup run by id: still running, or its report (kept for the last 20 runs).',
  ),
  cancelBackupRun: method(
    RunId,
    z.null(),
    'Cancel a running backup run: the archive being written leaves no file, the rest are not started.',
  ),
  pauseBackups: method(
    z.object({ until: z.string().datetime({ offset: true }) }),
    BackupStatus,
    'Pause until a time.',
  ),
  resumeBackups: method(z.object({}).strict().optional(), BackupStatus, 'End a pause.'),
  runRestoreDrill: method(
    z.object({ repositories: RepositoryList.optional(), trigger: CallerTrigger }).optional(),
    z.object({ runId: z.string() }),
    'Test-restore the newest verified backup of each repository (or the ones given) now.',
  ),
};

export const backupScheduleEvents = {
  statusChanged: event(BackupStatus, 'The auto-backup status changed (settings, run, result, pause).'),
  backupRunFinished: event(BackupRunReport, 'A backup run ended: its report, one outcome per repository.'),
};
