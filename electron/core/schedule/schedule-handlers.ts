import type { CoreHandlers } from '../../shared/contract';
import { fieldErrors } from '../../shared/field-errors';
import { AppFailure } from '../../shared/result';
import { BackupSettingsRules, DAYS, type BackupSettings } from '../../shared/settings-schema';
import { nodeAgentLauncher, type AgentLauncher } from '../backup/fs-agent';
import { fileInTheWay } from '../backup/preflight';
import { TargetFs } from '../backup/target-fs';
import { toLocalIso, type Clock } from '../clock';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import type { AutoBackup } from './auto-backup';
import { describeSchedule } from './describe-schedule';
import { parseTime, nextOccurrences } from './schedule-rules';

// The contract's auto-backup methods (electron/shared/contract/schedule.ts).

export interface ScheduleHandlerDeps {
  settings: SettingsService;
  store: RepositoryStore;
  clock: Clock;
  autoBackup: AutoBackup;
  timeZone?: string;
  agentLauncher?: AgentLauncher;
}

/** How long saving waits for the target folder to say whether a file stands in its path. */
const SAVE_CHECK_MS = 5_000;

type ScheduleMethods =
  | 'getBackupSettings'
  | 'saveBackupSettings'
  | 'previewSchedule'
  | 'getBackupStatus'
  | 'runBackupNow'
  | 'getBackupRun'
  | 'cancelBackupRun'
  | 'pauseBackups'
  | 'resumeBackups'
  | 'runRestoreDrill';

/** Days in week order and times sorted, so the stored schedule reads the same everywhere. */
function normalized(settings: BackupSettings): BackupSettings {
  return {
    ...settings,
    days: DAYS.filter((d) => settings.days.includes(d)),
    times: [...settings.times].sort((a, b) => parseTime(a) - parseTime(b)),
    targetFolder: settings.targetFolder.trim(),
  };
}

/**
 * Checks settings before they are stored, by the shared rules (BackupSettingsRules: the dialog shows the
 * same messages) and what only the core can know: that the repositories exist, and that no file stands
 * in the target's path. A disabled schedule is stored as it is, so turning backups off never loses what
 * was set up. A target that does not answer now is not refused: the run will say so.
 */
export async function checkBackupSettings(
  input: unknown,
  store: RepositoryStore,
  launcher: AgentLauncher = nodeAgentLauncher,
): Promise<BackupSettings> {
  const parsed = BackupSettingsRules.safeParse(input);
  if (!parsed.success) throw invalid(fieldErrors(parsed.error));
  const settings = normalized(parsed.data);
  if (!settings.enabled) return settings;
  const fields: Record<string, string> = {};
  const missing = settings.repositories.filter((name) => store.resolve(name) === null);
  if (missing.length > 0) {
    fields.repositories =
      missing.length === 1
        ? `There is no repository named "${missing[0]}".`
        : `There are no repositories named ${missing.map((m) => `"${m}"`).join(', ')}.`;
  }
  const io = new TargetFs({ launcher, timeoutMs: SAVE_CHECK_MS });
  try {
    const blocker = await fileInTheWay(io, settings.targetFolder).catch(() => null);
    if (blocker) {
      fields.targetFolder = `${blocker} is a file, not a folder, so ${settings.targetFolder} cannot be used; choose a folder.`;
    }
  } finally {
    io.close();
  }
  if (Object.keys(fields).length > 0) throw invalid(fields);
  // Stored under their canonical names, so a rename-by-case elsewhere still matches.
  return { ...settings, repositories: settings.repositories.map((name) => store.resolve(name) ?? name) };
}

function invalid(fields: Record<string, string>): AppFailure {
  const list = Object.entries(fields).map(([field, message]) => `${field}: ${message}`);
  return new AppFailure('INVALID_ARGUMENT', `The backup settings cannot be saved. ${list.join(' ')}`, fields);
}

export function scheduleHandlers(deps: ScheduleHandlerDeps): Pick<CoreHandlers, ScheduleMethods> {
  const { settings, store, clock, autoBackup } = deps;
  const saveBackup = (next: BackupSettings) => settings.update('backup', next).backup;
  return {
    async getBackupSettings() {
      return settings.get().backup;
    },
    async saveBackupSettings(input) {
      return saveBackup(await checkBackupSettings(input, store, deps.agentLauncher));
    },
    async previewSchedule({ days, times, count }) {
      const next = nextOccurrences({ days, times }, clock.now(), count, deps.timeZone);
      return { description: describeSchedule({ days, times }), nextRuns: next.map((ms) => toLocalIso(ms)) };
    },
    async getBackupStatus() {
      return autoBackup.status();
    },
    async runBackupNow(args) {
      const { runId } = autoBackup.runNow(args?.trigger ?? 'manual', args?.repositories);
      return { runId };
    },
    async getBackupRun({ runId }) {
      return autoBackup.getRun(runId);
    },
    async cancelBackupRun({ runId }) {
      autoBackup.cancelRun(runId);
      return null;
    },
    async pauseBackups({ until }) {
      const ms = Date.parse(until);
      if (!(ms > clock.now())) {
        throw new AppFailure('INVALID_ARGUMENT', 'Pause until a time in the future.', {
          until: 'Choose a time in the future.',
        });
      }
      saveBackup({ ...settings.get().backup, pausedUntil: toLocalIso(ms) });
      return autoBackup.status();
    },
    async resumeBackups() {
      saveBackup({ ...settings.get().backup, pausedUntil: null });
      return autoBackup.status();
    },
    async runRestoreDrill(args) {
      const { runId } = autoBackup.drills.start(args?.trigger ?? 'manual', args?.repositories);
      return { runId };
    },
  };
}
