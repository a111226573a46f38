import { z } from 'zod';
import { Port } from '../port';
import { HostKeyFingerprint, OffsiteSettings, OffsiteSettingsRules } from '../settings-schema';
import { event, method } from './define';

// Offsite copies (ARCHITECTURE §7, "Offsite copies"): every verified backup is also copied to an SFTP
// server, checked there, and kept there under its own retention. The password or key passphrase travels
// only into `saveOffsiteSettings` and `testOffsiteConnection`, and is never sent back.

/** Where the secret is kept: the OS keychain (desktop app), or a file only this OS user can read. */
export const SecretStorage = z.enum(['keychain', 'owner-only-file']);
export type SecretStorage = z.infer<typeof SecretStorage>;

export const OffsiteSettingsView = z.object({
  settings: OffsiteSettings,
  /** Whether a password or key passphrase is stored (it is never shown). */
  secretStored: z.boolean(),
  secretStorage: SecretStorage,
});
export type OffsiteSettingsView = z.infer<typeof OffsiteSettingsView>;

/** The settings a form sends: host keys are confirmed separately, never typed. */
const OffsiteForm = OffsiteSettings.omit({ knownHosts: true });

/** A password or key passphrase as typed; `null` removes the stored one, leaving it out keeps it. */
const Secret = z.string().min(1, 'Enter the password or passphrase.').max(1024).nullable().optional();

export const HostKeySeen = z.object({
  host: z.string(),
  port: Port,
  algorithm: z.string(),
  fingerprint: HostKeyFingerprint,
  /** new: never confirmed; pinned: the confirmed one; changed: not the confirmed one (refused). */
  state: z.enum(['new', 'pinned', 'changed']),
  /** The confirmed fingerprint when the key changed. */
  pinnedFingerprint: HostKeyFingerprint.nullable(),
});
export type HostKeySeen = z.infer<typeof HostKeySeen>;

export const OffsiteTestResult = z.object({
  ok: z.boolean(),
  /** What happened, in one sentence a person can act on. */
  message: z.string(),
  code: z.string().nullable(),
  /** The key the server presented; null when no connection was made. */
  hostKey: HostKeySeen.nullable(),
  /** Free space in the remote folder, when the server tells (statvfs@openssh.com). */
  freeBytes: z.number().nonnegative().nullable(),
  /** How copies will be checked: the server's `sha256sum`, or reading the copy back. */
  checkedBy: z.enum(['remote-command', 'read-back']).nullable(),
});
export type OffsiteTestResult = z.infer<typeof OffsiteTestResult>;

export const OffsiteCopyState = z.enum([
  'pending',
  'uploading',
  'copied',
  'failed',
  'superseded',
  'removed',
  'missing',
]);
export type OffsiteCopyState = z.infer<typeof OffsiteCopyState>;

export const OffsiteCopy = z.object({
  id: z.number().int(),
  repository: z.string(),
  /** The local archive. */
  file: z.string(),
  /** Its name on the server once published. */
  remoteName: z.string().nullable(),
  destination: z.string(),
  state: OffsiteCopyState,
  sizeBytes: z.number().int().nonnegative(),
  queuedAt: z.string(),
  copiedAt: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.string().nullable(),
  error: z.string().nullable(),
  checkedBy: z.enum(['remote-command', 'read-back']).nullable(),
});
export type OffsiteCopy = z.infer<typeof OffsiteCopy>;

export const OffsiteRepositoryState = z.object({
  /**
   * The repository's name; for the configuration, CONFIG_ARCHIVE_NAME, the name its archives start with
   * (not for people: `copyKindOf` and `offsiteCopyName` in shared/offsite-words.ts tell which it is).
   */
  name: z.string(),
  /** ISO 8601 of the newest copy that reached the server and was checked there. */
  lastCopiedAt: z.string().nullable(),
  checkedBy: z.enum(['remote-command', 'read-back']).nullable(),
  pending: z.number().int().nonnegative(),
  /** A copy of this repository has been pending longer than the alert threshold. */
  alert: z.boolean(),
});
export type OffsiteRepositoryState = z.infer<typeof OffsiteRepositoryState>;

export const OffsiteStatus = z.object({
  enabled: z.boolean(),
  /** sftp://user@host:port/folder; null when none is set. */
  destination: z.string().nullable(),
  /** Copies waiting to reach the server (retried with backoff). */
  pending: z.number().int().nonnegative(),
  /** ISO 8601: the first failed attempt of the failures going on now; null while all is well. */
  failingSince: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  nextAttemptAt: z.string().nullable(),
  /** A copy has been pending longer than `alertAfterHours`. */
  alert: z.boolean(),
  alertAfterHours: z.number().int().positive(),
  /** The copy going on now. */
  current: z
    .object({
      /** As `name` in OffsiteRepositoryState: a repository's name or CONFIG_ARCHIVE_NAME. */
      repository: z.string(),
      phase: z.enum(['connecting', 'uploading', 'checking', 'retention']),
      bytesDone: z.number().nonnegative(),
      bytesTotal: z.number().nonnegative(),
    })
    .nullable(),
  perRepository: z.array(OffsiteRepositoryState),
});
export type OffsiteStatus = z.infer<typeof OffsiteStatus>;

export const offsiteMethods = {
  getOffsiteSettings: method(
    z.object({}).strict().optional(),
    OffsiteSettingsView,
    'The offsite copy settings.',
  ),
  saveOffsiteSettings: method(
    z.object({ settings: OffsiteForm, secret: Secret }),
    OffsiteSettingsView,
    'Save the offsite settings (and the password or passphrase, kept by the secret store); enabled ones must be able to run.',
  ),
  testOffsiteConnection: method(
    z.object({ settings: OffsiteForm, secret: Secret }),
    OffsiteTestResult,
    'Connect with these settings (saved or not): the host key, the login, the folder, its free space.',
  ),
  confirmOffsiteHostKey: method(
    z.object({ host: z.string().min(1).max(255), port: Port, fingerprint: HostKeyFingerprint }),
    OffsiteSettingsView,
    'Pin the host key a test connection just saw (the fingerprint the administrator compared).',
  ),
  getOffsiteStatus: method(z.object({}).strict().optional(), OffsiteStatus, 'Offsite copies at a glance.'),
  retryOffsiteNow: method(z.object({}).strict().optional(), OffsiteStatus, 'Try the pending copies now.'),
  listOffsiteCopies: method(
    z
      .object({ repository: z.string().optional(), limit: z.number().int().min(1).max(500).default(100) })
      .optional(),
    z.array(OffsiteCopy),
    'The copies made or pending, newest first.',
  ),
};

export const offsiteEvents = {
  offsiteStatusChanged: event(OffsiteStatus, 'Offsite copies changed (queued, copied, failed, progress).'),
};

/** The rules a saved form meets (host keys are added by the core). */
export const offsiteFormRules = (
  form: z.input<typeof OffsiteForm>,
  knownHosts: OffsiteSettings['knownHosts'],
) => OffsiteSettingsRules.safeParse({ ...form, knownHosts });
