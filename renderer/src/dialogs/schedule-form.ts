import {
  BackupSettings,
  DAYS,
  TimeOfDay,
  validBackupSettings,
  type Day,
} from '../../../electron/shared/settings-schema';

// The Backup Schedule dialog's rules, apart from its looks: what OK checks before it calls the core.

export type FieldErrors = Record<string, string>;

export const WEEKDAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
export const EVERY_DAY: Day[] = [...DAYS];

export const isTime = (value: string) => TimeOfDay.safeParse(value).success;

/** Accept "9:30" and "0930" as the 24-hour "09:30" a person meant. */
export function normalizeTime(value: string): string {
  const v = value.trim();
  const m = /^(\d{1,2}):?(\d{2})$/.exec(v);
  if (!m) return v;
  return `${m[1]!.padStart(2, '0')}:${m[2]}`;
}

/**
 * The errors OK shows beside each field before anything is sent. A disabled schedule is saved as long as
 * it is well-formed, so a half-finished setup can be kept; an enabled one must be able to run.
 */
export function scheduleErrors(settings: BackupSettings): FieldErrors {
  const schema = settings.enabled ? validBackupSettings : BackupSettings;
  const parsed = schema.safeParse(settings);
  const errors: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || 'form';
      errors[key] ??= issue.message;
    }
  }
  if (settings.enabled && settings.repositories.length === 0)
    errors.repositories ??= 'Include at least one repository, or disable auto-backup.';
  const seen = new Set<string>();
  settings.times.forEach((t, i) => {
    if (seen.has(t)) errors[`times.${i}`] ??= `${t} is listed twice.`;
    seen.add(t);
  });
  return errors;
}

export const sameDays = (a: Day[], b: Day[]) => a.length === b.length && a.every((d) => b.includes(d));
