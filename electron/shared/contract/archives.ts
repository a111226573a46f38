import { z } from 'zod';
import { ClientsPolicy } from '../settings-schema';
import { ARCHIVE_EXAMPLE, FOLDER_EXAMPLE, fullPath } from '../full-path';
import { KnownRepositoryName, RepositoryName } from '../repository-name';
import { MAX_PER_CALL, event, method } from './define';

// Backup archives (ARCHITECTURE §5, §6): export, verify, import, and the jobs that carry them out.

export const Trigger = z.enum(['manual', 'schedule', 'pre-restore', 'cli']);
export type Trigger = z.infer<typeof Trigger>;
/**
 * Who asked, for the history: the Control Panel (the default) or the CLI, which calls the same methods
 * when it drives a running server (ARCHITECTURE §8).
 */
export const CallerTrigger = z.enum(['manual', 'cli']).optional();

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

/** A manifest's text field: whatever an archive claims is shown to people, so it is bounded. */
const Text = (max: number) => z.string().max(max, `longer than ${max} characters`);

/** manifest.json of archive format v1. */
export const ManifestV1 = z.object({
  format: z.literal('repo-server-backup'),
  formatVersion: z.literal(1),
  repository: z.object({ name: Text(256), id: Text(64) }),
  schemaVersion: z.number().int().positive(),
  itemCount: z.number().int().nonnegative(),
  revisionCount: z.number().int().nonnegative(),
  includesHistory: z.boolean(),
  /** ISO 8601 with offset. */
  startedAt: Text(64),
  finishedAt: Text(64),
  producer: z.object({ app: Text(256), version: Text(64), host: Text(256) }),
  /**
   * The server that made it (its id survives a recovery onto another machine): which backups in a shared
   * folder are a server's own. Absent in older archives.
   */
  server: z.object({ id: Text(64) }).optional(),
  trigger: Trigger,
  clientsPolicy: ClientsPolicy,
  /**
   * SHA-256 over the snapshot's items (path, kind, encoding, version, time, author, content, in path
   * order): what a restore drill compares the restored repository with. Absent in older archives.
   */
  contentSha256: Sha256.optional(),
  entries: z
    .array(z.object({ name: Text(256), size: z.number().int().nonnegative(), sha256: Sha256 }))
    .max(16, 'more than 16 entries'),
});
export type ManifestV1 = z.infer<typeof ManifestV1>;

export const JobKind = z.enum(['export', 'import', 'verify', 'backup', 'drill', 'recover']);
export type JobKind = z.infer<typeof JobKind>;

export const JobPhase = z.enum([
  'queued',
  'preparing',
  'waiting-for-clients',
  'snapshot',
  'compressing',
  'verifying',
  'restoring',
  'safety-backup',
  'retention',
  'finishing',
]);

/** A job another one waits for (a queued job says which ones, so nothing waits without a word). */
export const JobRef = z.object({ jobId: z.string(), kind: JobKind, repository: z.string().nullable() });
export type JobRef = z.infer<typeof JobRef>;

export const JobProgress = z.object({
  jobId: z.string(),
  kind: JobKind,
  repository: z.string().nullable(),
  file: z.string().nullable(),
  phase: JobPhase,
  /** While queued: the jobs it waits for (one of them must end first); empty otherwise. */
  waitingFor: z.array(JobRef).default([]),
  bytesDone: z.number().nonnegative(),
  /** null while the total is not known yet. */
  bytesTotal: z.number().nonnegative().nullable(),
  /** Seconds left, estimated from the rate so far; null while unknown. */
  etaSeconds: z.number().nonnegative().nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const JobError = z.object({ code: z.string(), message: z.string() });

export const JobResult = z.object({
  jobId: z.string(),
  kind: JobKind,
  repository: z.string().nullable(),
  status: z.enum(['done', 'failed', 'cancelled']),
  /** The archive written (export, backup) or read (import, verify). */
  file: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
  /** For an import: the repository it became (after a rename policy, say). */
  restoredAs: z.string().nullable().default(null),
  error: JobError.nullable(),
});
export type JobResult = z.infer<typeof JobResult>;

export const StartedJobs = z.object({
  jobs: z.array(
    z.object({ jobId: z.string(), repository: z.string().nullable(), file: z.string().nullable() }),
  ),
});

export const ExportInput = z
  .object({
    repositories: z
      .array(KnownRepositoryName)
      .min(1, 'Choose at least one repository.')
      .max(MAX_PER_CALL, `Choose at most ${MAX_PER_CALL} repositories at a time.`),
    /** A folder gets `<repository>_YYYY-MM-DD-HH-mm-ss.zip` per repository; a file is for one repository. */
    destination: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('folder'),
        folder: fullPath('Choose a destination folder.', FOLDER_EXAMPLE),
      }),
      z.object({ kind: z.literal('file'), file: fullPath('Choose a destination file.', ARCHIVE_EXAMPLE) }),
    ]),
    includeHistory: z.boolean().default(true),
    trigger: CallerTrigger,
  })
  .refine((v) => v.destination.kind === 'folder' || v.repositories.length === 1, {
    message: 'Export several repositories to a folder, not to one file.',
    path: ['destination'],
  });

export const ArchivePreview = z.object({
  file: z.string(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  /** null when the file is not a readable archive of ours; see error. */
  manifest: ManifestV1.nullable(),
  /** Whether a repository with the manifest's name exists already. */
  exists: z.boolean(),
  error: JobError.nullable(),
});
export type ArchivePreview = z.infer<typeof ArchivePreview>;

export const VerifyResult = z.object({
  file: z.string(),
  verified: z.boolean(),
  manifest: ManifestV1.nullable(),
  /** What failed, in words a person can act on; null when verified. */
  error: JobError.nullable(),
  durationMs: z.number().int().nonnegative(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;

export const ConflictPolicy = z.enum(['fail', 'rename', 'merge', 'replace']);
export type ConflictPolicy = z.infer<typeof ConflictPolicy>;

/** An archive file named by a person: a full path, never one resolved against the server's folder. */
export const ArchiveFile = fullPath('Enter the path of an archive (.zip).', ARCHIVE_EXAMPLE);

const ArchiveFiles = z
  .array(ArchiveFile)
  .min(1, 'Choose at least one archive.')
  .max(MAX_PER_CALL, `Choose at most ${MAX_PER_CALL} archives at a time.`);

export const ImportItem = z.object({
  file: ArchiveFile,
  /** Defaults to the name in the manifest. */
  targetName: RepositoryName.optional(),
  onConflict: ConflictPolicy.default('fail'),
  includeHistory: z.boolean().default(true),
  /**
   * After the import, the repository it became is in the automatic backup (true) or not (false);
   * left out, its membership stays as it is. A deleted repository left the schedule: this brings it back.
   */
  includeInBackup: z.boolean().optional(),
});

export const HistoryEntry = z.object({
  id: z.number().int(),
  kind: JobKind,
  trigger: Trigger,
  repository: z.string().nullable(),
  file: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  status: z.enum(['running', 'ok', 'failed', 'cancelled', 'skipped']),
  error: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const archiveMethods = {
  startExport: method(ExportInput, StartedJobs, 'Export repositories to archives; one job per repository.'),
  previewArchives: method(
    z.object({ files: ArchiveFiles }),
    z.array(ArchivePreview),
    'Read each archive’s manifest without reading the whole file.',
  ),
  verifyArchives: method(
    z.object({ files: ArchiveFiles, trigger: CallerTrigger }),
    z.array(VerifyResult),
    'Check manifest, every entry’s size and SHA-256, and the snapshot’s integrity.',
  ),
  startVerify: method(
    z.object({ files: ArchiveFiles, trigger: CallerTrigger }),
    StartedJobs,
    'Verify archives as jobs (progress, cancel, wait), one at a time; a bad archive fails its job with why.',
  ),
  startImport: method(
    z.object({
      items: z
        .array(ImportItem)
        .min(1, 'Choose at least one archive.')
        .max(MAX_PER_CALL, `Choose at most ${MAX_PER_CALL} archives at a time.`),
      trigger: CallerTrigger,
    }),
    StartedJobs,
    'Import archives, each with its own target name and conflict policy; one job per archive.',
  ),
  listJobs: method(z.object({}).strict().optional(), z.array(JobProgress), 'The jobs running now.'),
  cancelJob: method(
    z.object({ jobId: z.string().min(1) }),
    z.null(),
    'Cancel a running job; it leaves no file behind.',
  ),
  getJob: method(
    z.object({ jobId: z.string().min(1) }),
    z.object({ progress: JobProgress.nullable(), result: JobResult.nullable() }),
    'One job by id: its progress while it runs, its result once it ended (kept for the last 100 jobs).',
  ),
  listHistory: method(
    z
      .object({
        limit: z.number().int().min(1).max(1000).default(50),
        repository: KnownRepositoryName.optional(),
      })
      .optional(),
    z.array(HistoryEntry),
    'Every export, import, verify and backup, newest first.',
  ),
};

export const archiveEvents = {
  jobProgress: event(JobProgress, 'A job moved on.'),
  jobFinished: event(JobResult, 'A job ended: done, failed or cancelled.'),
};
