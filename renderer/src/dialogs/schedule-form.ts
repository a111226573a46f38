import { fieldErrors } from '../../../electron/shared/field-errors';
import {
  BackupSettingsRules,
  DAYS,
  TimeOfDay,
  type BackupSettings,
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
 * The errors OK shows beside each field before anything is sent: the shared rules' own messages, the
 * same the core answers with (a disabled schedule only needs to be well-formed; an enabled one must be
 * able to run).
 */
export function scheduleErrors(settings: BackupSettings): FieldErrors {
  const parsed = BackupSettingsRules.safeParse(settings);
  return parsed.success ? {} : fieldErrors(parsed.error);
}

export const sameDays = (a: Day[], b: Day[]) => a.length === b.length && a.every((d) => b.includes(d));
