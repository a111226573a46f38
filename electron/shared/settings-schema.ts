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

/**
 * What each clients policy does, in the words the Schedule dialog shows; the backup engine
 * (core/backup/clients-policy.ts) does exactly this.
 */
export const CLIENTS_POLICY_CHOICES: Record<ClientsPolicy, { label: string; description: string }> = {
  'keep-connected': {
    label: 'Run backup without disconnecting the clients',
    description: 'Clients keep working; what they write after the snapshot goes into the next backup.',
  },
  disconnect: {
    label: 'Disconnect the clients and run backup',
    description:
      'Clients get a notice and are disconnected only while the snapshot is taken (usually seconds); ' +
      'they can reconnect while the backup is written and verified.',
  },
};

/** A folder, a disk or a network share that does not answer for this long fails the job (seconds). */
export const DEFAULT_TARGET_TIMEOUT_SECONDS = 30;

/** The auto-backup settings as stored; saving checks the rules of `BackupSettingsRules`. */
export const BackupSettings = z.object({
  enabled: z.boolean().default(false),
  repositories: z.array(z.string()).default([]),
  days: z.array(Day).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  times: z.array(TimeOfDay).default(['22:00']),
  targetFolder: z.string().default(''),
  clientsPolicy: ClientsPolicy.default('keep-connected'),
  graceMinutes: z
    .number({ error: 'Enter the minutes of warning, or 0.' })
    .int('Enter a whole number of minutes.')
    .min(0, 'Enter 0 minutes or more.')
    .max(120, 'Warn at most 120 minutes ahead.')
    .default(0),
  keepLast: z
    .number({ error: 'Enter how many backups to keep.' })
    .int('Enter a whole number.')
    .min(1, 'Keep at least 1 backup per repository.')
    .max(1000, 'Keep at most 1000 backups per repository.')
    .default(7),
  compression: Compression.default('fast'),
  catchUp: z.boolean().default(true),
  /** ISO 8601; backups are paused until then. null when not paused. */
  pausedUntil: z.string().nullable().default(null),
  /** No answer from the target (or an archive's folder) for this long fails the job; not a total limit. */
  targetTimeoutSeconds: z
    .number({ error: 'Enter the seconds to wait for the target folder.' })
    .int('Enter a whole number of seconds.')
    .min(1, 'Wait at least 1 second.')
    .max(3600, 'Wait at most 3600 seconds (an hour).')
    .default(DEFAULT_TARGET_TIMEOUT_SECONDS),
});
export type BackupSettings = z.infer<typeof BackupSettings>;

/**
 * The rules backup settings must meet to be saved, each with the message a person sees beside its field
 * — in the Schedule dialog, from the contract and in the CLI alike. A disabled schedule needs only to be
 * well-formed (a half-finished setup can be kept); an enabled one must be able to run. Whether the named
 * repositories exist and whether a file stands in the target's path are checked by the core on save.
 */
export const BackupSettingsRules = BackupSettings.superRefine((s, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const seen = new Set<string>();
  s.times.forEach((time, i) => {
    if (seen.has(time)) issue(['times', i], `${time} is listed twice.`);
    seen.add(time);
  });
  if (!s.enabled) return;
  if (s.repositories.length === 0)
    issue(['repositories'], 'Choose at least one repository to back up, or disable auto-backup.');
  if (s.days.length === 0) issue(['days'], 'Choose at least one day of the week.');
  if (s.times.length === 0) issue(['times'], 'Add at least one time of day.');
  const folder = s.targetFolder.trim();
  if (folder === '') issue(['targetFolder'], 'Choose the folder the backups are written to.');
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f]/.test(folder))
    issue(['targetFolder'], 'The folder path contains control characters; type it again.');
  else if (!isFullPath(folder)) issue(['targetFolder'], fullPathMessage(FOLDER_EXAMPLE));
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
