import { z } from 'zod';
import { FOLDER_EXAMPLE, fullPath } from '../full-path';
import { BackupSettings, ClientServerSettings, OffsiteSettings } from '../settings-schema';
import { Trigger } from './archives';
import { method } from './define';

// Whole-server backup and recovery (ARCHITECTURE §6, "Whole-server backup and recovery"): the server's
// configuration as a small archive of the backup format family, and recovery of a fresh data directory
// from a backup folder.

const Text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

/** What a configuration backup never carries; the manifest lists it so nobody assumes otherwise. */
export const CONFIGURATION_LEFT_OUT = [
  'the client access token (clientServer.accessToken): recovery makes a new one',
  'the offsite password or key passphrase: enter it again in the Offsite Copy dialog',
  'the web console token (console-token): serve prints a new one',
  'the secrets folder (secrets/)',
] as const;

/** The configuration's own entry in a configuration archive. */
export const CONFIGURATION_ENTRY = 'configuration.json';

/** The name a configuration archive's file starts with; '@' is never in a repository's name. */
export const CONFIG_ARCHIVE_NAME = '@server-configuration';

/** A server's id as its backups' manifests carry it (RepositoryStore.serverId). */
export const ServerId = z
  .string()
  .trim()
  .min(1, 'Enter the id of the server whose backups to recover.')
  .max(64, 'A server id is at most 64 characters.');

/** The repositories the server had: name and id (an id survives renames; archives name it). */
export const ConfiguredRepository = z.object({ name: Text(256), id: Text(64) });

/** manifest.json of a configuration archive: format v1's family, a kind of its own. */
export const ConfigurationManifestV1 = z.object({
  format: z.literal('repo-server-backup'),
  formatVersion: z.literal(1),
  kind: z.literal('server-configuration'),
  /** The server that wrote it (kept through a recovery): which configuration archives are its own. */
  server: z.object({ id: Text(64) }),
  startedAt: Text(64),
  finishedAt: Text(64),
  producer: z.object({ app: Text(256), version: Text(64), host: Text(256) }),
  trigger: Trigger,
  repositories: z.array(ConfiguredRepository).max(10_000),
  leftOut: z.array(Text(256)).max(32),
  entries: z
    .array(z.object({ name: Text(256), size: z.number().int().nonnegative(), sha256: Sha256 }))
    .max(16, 'more than 16 entries'),
});
export type ConfigurationManifestV1 = z.infer<typeof ConfigurationManifestV1>;

/** configuration.json: the settings a recovered server needs, with every secret left out. */
export const ServerConfiguration = z.object({
  settingsVersion: z.number().int().positive(),
  repositories: z.array(ConfiguredRepository).max(10_000),
  backup: BackupSettings,
  clientServer: ClientServerSettings.omit({ accessToken: true }),
  offsite: OffsiteSettings,
  notifyOnSuccess: z.boolean(),
});
export type ServerConfiguration = z.infer<typeof ServerConfiguration>;

/** What a recovery did: what was restored from when, and what could not be, and why. */
export const RecoveryReport = z.object({
  from: z.string(),
  /** The --at instant (ISO 8601), or null for the newest. */
  at: z.string().nullable(),
  /** The configuration restored (schedule, clients policy, repositories' settings), or null when none was found. */
  configuration: z
    .object({ file: z.string(), startedAt: z.string(), leftOut: z.array(z.string()) })
    .nullable(),
  restored: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      /** When the archive's backup started (ISO 8601). */
      startedAt: z.string(),
      itemCount: z.number().int().nonnegative(),
      revisionCount: z.number().int().nonnegative(),
      /** Newer archives of it that did not restore (file: reason), when an older one had to be used. */
      olderThanNewest: z.array(z.string()).nullable(),
    }),
  ),
  notRestored: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** .zip files in the folder that are not backups of ours, or cannot be read, and why: left alone. */
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
});
export type RecoveryReport = z.infer<typeof RecoveryReport>;

export const RecoveryInput = z.object({
  from: fullPath('Choose the backup folder to recover from.', FOLDER_EXAMPLE),
  /** Recover the newest archives not after this time; left out: the newest. */
  at: z
    .string()
    .datetime({ offset: true, message: 'Enter a date and time such as 2026-11-20T22:00:00+01:00.' })
    .optional(),
  /** Whose backups, when the folder holds several servers' (the failure without it names them). */
  server: ServerId.optional(),
});

export const recoveryMethods = {
  startRecovery: method(
    RecoveryInput,
    z.object({ jobId: z.string() }),
    'Recover a fresh server from a backup folder: the configuration and the newest verified archive of every repository.',
  ),
  getRecoveryReport: method(
    z.object({ jobId: z.string().min(1) }),
    RecoveryReport.nullable(),
    'What a recovery job restored and what it could not; null while it runs or when it failed as a whole.',
  ),
};
