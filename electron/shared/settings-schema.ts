import { z } from 'zod';
import { FOLDER_EXAMPLE, fullPathMessage, isFullPath } from './full-path';
import { Port } from './port';

// The settings store's schema, shared by the core (which reads and migrates it), the contract (which
// validates what a UI sends) and the UI (which shows each field's error beside the field).

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Day = z.enum(DAYS);
export type Day = z.infer<typeof Day>;
/** How days are written for people: the schedule in words, the dialog's checkboxes. */
export const DAY_NAMES: Record<Day, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export const TimeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time such as 09:30 (00:00 to 23:59).');

/**
 * A web origin whose pages may open client connections (a browser-based test tool), written as the
 * browser sends it: scheme, host and port only, e.g. "https://tools.example.com" or "http://localhost:3000".
 */
export const AllowedOrigin = z
  .string()
  .trim()
  .transform((text, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {
      // reported below
    }
    const bare =
      url !== null &&
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username &&
      !url.password;
    if (!url || !bare) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text.slice(0, 80)}" is not an origin: write scheme, host and port only, such as https://tools.example.com.`,
      });
      return z.NEVER;
    }
    return url.origin;
  });

/** Who must present the client access token: clients on other machines (default), or every client. */
export const TokenRequiredFrom = z.enum(['other-machines', 'every-client']);
export type TokenRequiredFrom = z.infer<typeof TokenRequiredFrom>;

export const ClientServerSettings = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: Port.default(53400),
  /**
   * The secret clients present (`Authorization: Bearer …` or `?token=…`). Made on the first start
   * (null until then); required as `tokenRequiredFrom` says.
   */
  accessToken: z.string().min(8).max(256).nullable().default(null),
  tokenRequiredFrom: TokenRequiredFrom.default('other-machines'),
  /**
   * Browser origins allowed to connect. A WebSocket from a web page carries its Origin; test tools send
   * none. Empty (default): no web page can reach the repositories.
   */
  allowedOrigins: z.array(AllowedOrigin).max(32).default([]),
  /** Start listening for clients when the app starts. */
  autoStart: z.boolean().default(true),
});
export type ClientServerSettings = z.infer<typeof ClientServerSettings>;

export const ClientsPolicy = z.enum(['keep-connected', 'disconnect']);
export type ClientsPolicy = z.infer<typeof ClientsPolicy>;
export const Compression = z.enum(['store', 'fast', 'best']);
export type Compression = z.infer<typeof Compression>;

/** The auto-backup settings as stored; saving checks the stricter rules of `validBackupSettings`. */
export const BackupSettings = z.object({
  enabled: z.boolean().default(false),
  repositories: z.array(z.string()).default([]),
  days: z.array(Day).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  times: z.array(TimeOfDay).default(['22:00']),
  targetFolder: z.string().default(''),
  clientsPolicy: ClientsPolicy.default('keep-connected'),
  graceMinutes: z.number().int().min(0).max(120).default(0),
  keepLast: z
    .number()
    .int('Enter a whole number.')
    .min(1, 'Keep at least 1 backup per repository.')
    .max(1000, 'Keep at most 1000 backups per repository.')
    .default(7),
  compression: Compression.default('fast'),
  catchUp: z.boolean().default(true),
  /** ISO 8601; backups are paused until then. null when not paused. */
  pausedUntil: z.string().nullable().default(null),
});
export type BackupSettings = z.infer<typeof BackupSettings>;

/** The rules a schedule must meet to be saved, with a message per field a person can act on. */
export const validBackupSettings = BackupSettings.extend({
  days: z.array(Day).min(1, 'Choose at least one day of the week.'),
  times: z.array(TimeOfDay).min(1, 'Add at least one time of day.'),
  targetFolder: z
    .string()
    .trim()
    .min(1, 'Choose the folder the backups are written to.')
    .refine(isFullPath, fullPathMessage(FOLDER_EXAMPLE)),
  keepLast: z
    .number({ error: 'Enter how many backups to keep.' })
    .int('Enter a whole number.')
    .min(1, 'Keep at least 1 backup per repository.')
    .max(1000, 'Keep at most 1000 backups per repository.'),
});

export const SETTINGS_VERSION = 2;

export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  clientServer: ClientServerSettings.default(ClientServerSettings.parse({})),
  backup: BackupSettings.default(BackupSettings.parse({})),
  /** Desktop only: notify on successful runs too, not just failures. */
  notifyOnSuccess: z.boolean().default(false),
});
export type Settings = z.infer<typeof Settings>;
