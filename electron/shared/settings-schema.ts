import { z } from 'zod';
import { FOLDER_EXAMPLE, fullPathMessage, isFullPath } from './full-path';
import { Port } from './port';
import { MAX_PER_CALL } from './contract/define';

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

/** How often restore drills run, in whole days. */
export const RestoreDrillDays = z
  .number({ error: 'Enter every how many days the newest backups are test-restored.' })
  .int('Enter a whole number of days.')
  .min(1, 'Test-restore at most once a day (1 day or more).')
  .max(365, 'Test-restore at least once a year (365 days or fewer).');

/** More would be a backup every quarter of an hour: the run of all repositories would not end first. */
const MAX_TIMES_A_DAY = 96;

/** The auto-backup settings as stored; saving checks the rules of `BackupSettingsRules`. */
export const BackupSettings = z.object({
  enabled: z.boolean().default(false),
  // Bounded like every list from outside: a save naming 20,000 repositories took 10 s to refuse.
  repositories: z
    .array(z.string().max(256))
    .max(MAX_PER_CALL, `Choose at most ${MAX_PER_CALL} repositories for the automatic backup.`)
    .default([]),
  days: z
    .array(Day)
    .max(7, 'Choose each day of the week at most once.')
    .default(['mon', 'tue', 'wed', 'thu', 'fri']),
  times: z
    .array(TimeOfDay)
    .max(MAX_TIMES_A_DAY, `Add at most ${MAX_TIMES_A_DAY} times a day.`)
    .default(['22:00']),
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
  /**
   * Restore drills: every this many days the newest verified backup of each repository is restored
   * into a temporary area and checked (integrity, counts, content digest); null: no drills.
   */
  drillEveryDays: RestoreDrillDays.nullable().default(null),
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

// ── Offsite copies (ARCHITECTURE §7, "Offsite copies") ──────────────────────────────────────────────
// Every verified backup is also copied to an SFTP server. The password or key passphrase is never part
// of these settings: it is kept by the secret store (the OS keychain in the desktop app, an owner-only
// file headless), and the settings only say which kind of login is used.

/** How the server logs in: a private key file, the running ssh-agent, or a password. */
export const OffsiteAuth = z.enum(['key-file', 'agent', 'password']);
export type OffsiteAuth = z.infer<typeof OffsiteAuth>;

/** How a copy is checked on the remote: its `sha256sum` where the server allows commands, else read back. */
export const OffsiteCheck = z.enum(['auto', 'read-back']);
export type OffsiteCheck = z.infer<typeof OffsiteCheck>;

/** An SSH host key fingerprint as OpenSSH prints it (`ssh-keygen -lf`): SHA256 and unpadded base64. */
export const HostKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters.');

/** A host key the administrator confirmed (pinned on first use); a different key later is refused. */
export const KnownHost = z.object({
  host: z.string().min(1).max(255),
  port: Port,
  algorithm: z.string().min(1).max(64),
  fingerprint: HostKeyFingerprint,
  /** ISO 8601. */
  confirmedAt: z.string().max(64),
});
export type KnownHost = z.infer<typeof KnownHost>;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A host name or an IP address, as typed: no scheme, no user, no port, no spaces. */
export const OffsiteHost = z
  .string()
  .trim()
  .max(255, 'A host name has at most 255 characters.')
  .refine(
    (h) =>
      h === '' ||
      /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/.test(
        h,
      ),
    'Enter the host name or IP address only, such as backup.example.com or 192.168.1.20.',
  )
  .transform((h) => h.replace(/^\[(.*)\]$/, '$1'));

export const DEFAULT_OFFSITE_KEEP_LAST = 14;
export const KEY_FILE_EXAMPLE = '/home/backup/.ssh/id_ed25519 or C:\\Users\\backup\\.ssh\\id_ed25519';

export const OffsiteSettings = z.object({
  enabled: z.boolean().default(false),
  host: OffsiteHost.default(''),
  port: Port.default(22),
  username: z
    .string()
    .trim()
    .max(64, 'A user name has at most 64 characters.')
    .refine((u) => !CONTROL.test(u) && !/[\s@:]/.test(u), 'A user name has no spaces, "@" or ":".')
    .default(''),
  auth: OffsiteAuth.default('key-file'),
  /** The private key file on this machine (auth "key-file"); its passphrase, if any, is a secret. */
  keyFile: z.string().trim().max(4096).default(''),
  /** The folder on the server; a relative one is inside the login folder. */
  remoteFolder: z
    .string()
    .trim()
    .max(1024, 'The remote folder has at most 1024 characters.')
    .refine((f) => !CONTROL.test(f), 'The remote folder contains control characters; type it again.')
    .default(''),
  /** Host keys confirmed by the administrator, by host and port. */
  knownHosts: z.array(KnownHost).max(16).default([]),
  /** Remote retention: the newest N checked copies per repository are kept on the server. */
  keepLast: z
    .number({ error: 'Enter how many copies to keep on the server.' })
    .int('Enter a whole number.')
    .min(1, 'Keep at least 1 copy per repository on the server.')
    .max(1000, 'Keep at most 1000 copies per repository.')
    .default(DEFAULT_OFFSITE_KEEP_LAST),
  check: OffsiteCheck.default('auto'),
  /** A copy still not on the server after this long is an alert, like an overdue backup. */
  alertAfterHours: z
    .number({ error: 'Enter the hours after which a pending copy is an alert.' })
    .int('Enter a whole number of hours.')
    .min(1, 'Alert after 1 hour or more.')
    .max(720, 'Alert after at most 720 hours (30 days).')
    .default(24),
  /** No answer from the server for this long fails the attempt (it is retried); not a total limit. */
  timeoutSeconds: z
    .number({ error: 'Enter the seconds to wait for the server.' })
    .int('Enter a whole number of seconds.')
    .min(1, 'Wait at least 1 second.')
    .max(3600, 'Wait at most 3600 seconds (an hour).')
    .default(30),
});
export type OffsiteSettings = z.infer<typeof OffsiteSettings>;

/** The confirmed key of this host and port, if any. */
export const knownHostOf = (s: Pick<OffsiteSettings, 'knownHosts'>, host: string, port: number) =>
  s.knownHosts.find((k) => k.host.toLowerCase() === host.toLowerCase() && k.port === port) ?? null;

/**
 * What offsite settings must meet to be saved. Disabled: only well-formed. Enabled: able to run — a
 * host, a user, a key file when a key file logs in, a remote folder, and the host's key confirmed.
 */
export const OffsiteSettingsRules = OffsiteSettings.superRefine((s, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (s.auth === 'key-file' && s.keyFile !== '' && !isFullPath(s.keyFile))
    issue('keyFile', fullPathMessage(KEY_FILE_EXAMPLE));
  if (!s.enabled) return;
  if (s.host === '') issue('host', 'Enter the SFTP server’s host name or address.');
  if (s.username === '') issue('username', 'Enter the user name to log in with.');
  if (s.auth === 'key-file' && s.keyFile === '')
    issue('keyFile', 'Choose the private key file to log in with.');
  if (s.remoteFolder === '') issue('remoteFolder', 'Enter the folder on the server the copies go to.');
  if (s.host !== '' && !knownHostOf(s, s.host, s.port))
    issue('hostKey', 'Test the connection and confirm the server’s host key before turning copies on.');
});

export const SETTINGS_VERSION = 2;

export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  clientServer: ClientServerSettings.default(ClientServerSettings.parse({})),
  backup: BackupSettings.default(BackupSettings.parse({})),
  offsite: OffsiteSettings.default(OffsiteSettings.parse({})),
  /** Desktop only: notify on successful runs too, not just failures. */
  notifyOnSuccess: z.boolean().default(false),
});
export type Settings = z.infer<typeof Settings>;
