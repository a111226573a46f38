import type { CoreHandlers } from '../../shared/contract';
import { AppFailure } from '../../shared/result';
import { BackupSettings, DAYS, validBackupSettings } from '../../shared/settings-schema';
import { toLocalIso, type Clock } from '../clock';
import { zodFieldErrors } from '../dispatch';
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
}

type ScheduleMethods =
  | 'getBackupSettings'
  | 'saveBackupSettings'
  | 'previewSchedule'
  | 'getBackupStatus'
  | 'runBackupNow'
  | 'pauseBackups'
  | 'resumeBackups';

/** Days in week order and times sorted without repeats, so the stored schedule reads the same everywhere. */
function normalized(settings: BackupSettings): BackupSettings {
  return {
    ...settings,
    days: DAYS.filter((d) => settings.days.includes(d)),
    times: [...new Set(settings.times)].sort((a, b) => parseTime(a) - parseTime(b)),
    targetFolder: settings.targetFolder.trim(),
  };
}

/**
 * Checks settings before they are stored. An enabled schedule must be able to run: days, times, an
 * absolute folder, keep ≥ 1 and repositories that exist, with one message per field. A disabled one is
 * stored as it is, so turning backups off never loses what was set up.
 */
export function checkBackupSettings(input: unknown, store: RepositoryStore): BackupSettings {
  const base = BackupSettings.safeParse(input);
  if (!base.success) throw invalid(zodFieldErrors(base.error));
  const settings = normalized(base.data);
  if (!settings.enabled) return settings;
  const fields: Record<string, string> = {};
  const strict = validBackupSettings.safeParse(settings);
  if (!strict.success) Object.assign(fields, zodFieldErrors(strict.error));
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(settings.targetFolder))
    fields.targetFolder ??= 'The folder path contains control characters; type it again.';
  if (settings.repositories.length === 0)
    fields.repositories ??= 'Choose at least one repository to back up.';
  const missing = settings.repositories.filter((name) => store.resolve(name) === null);
  if (missing.length > 0) {
    fields.repositories ??=
      missing.length === 1
        ? `There is no repository named "${missing[0]}".`
        : `There are no repositories named ${missing.map((m) => `"${m}"`).join(', ')}.`;
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
      return saveBackup(checkBackupSettings(input, store));
    },
    async previewSchedule({ days, times, count }) {
      const next = nextOccurrences({ days, times }, clock.now(), count, deps.timeZone);
      return { description: describeSchedule({ days, times }), nextRuns: next.map((ms) => toLocalIso(ms)) };
    },
    async getBackupStatus() {
      return autoBackup.status();
    },
    async runBackupNow(args) {
      const { runId } = autoBackup.runNow('manual', args?.repositories);
      return { runId };
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
  };
}
