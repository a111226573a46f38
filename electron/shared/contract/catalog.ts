import { z } from 'zod';
import { ARCHIVE_EXAMPLE, FOLDER_EXAMPLE, fullPath, fullPathMessage, isFullPath } from '../full-path';
import { Trigger } from './archives';
import { method } from './define';
import { OffsiteCopyState } from './offsite';

// The backup catalog (ARCHITECTURE §6, "Finding a backup"): any folder of archives read as a timeline
// per repository, from the archives' manifests only.

/**
 * Whether an archive is known to restore. `verified`: fully checked (manifest, sizes, SHA-256, SQLite's
 * integrity) by this server's backup or verify, or as recorded in the folder's catalog index, with the
 * file's size and time unchanged since; `failed`: such a check failed; `unchecked`: only its manifest
 * was read. A restore verifies the archive fully whatever this says.
 */
export const Verification = z.object({
  state: z.enum(['verified', 'failed', 'unchecked']),
  /** When it was checked (ISO 8601 with offset); null when unchecked. */
  at: z.string().nullable(),
  /** Who says so: this server's history, or the catalog index beside the archives (written by a server). */
  source: z.enum(['history', 'index']).nullable(),
  error: z.string().nullable(),
});
export type Verification = z.infer<typeof Verification>;

/**
 * Where a catalog reads from: a folder on this machine (the schedule's target, or one given), or the
 * offsite copy's remote folder (the configured SFTP server), read through the offsite destination.
 */
export const CatalogSource = z.enum(['folder', 'offsite']);
export type CatalogSource = z.infer<typeof CatalogSource>;

/** An archive of the offsite copy is named by the destination's label and its file name. */
export const isOffsiteFile = (file: string) => file.startsWith('sftp://');

/**
 * An archive a catalog listed: a full path on this machine, or `sftp://user@host:port/folder/NAME` of
 * the offsite copy (downloaded into the data dir's temp area and checked there before it is read).
 */
export const CatalogFile = z
  .string()
  .trim()
  .min(1, 'Enter the path of an archive (.zip).')
  .max(4096)
  .refine((v) => isFullPath(v) || isOffsiteFile(v), fullPathMessage(ARCHIVE_EXAMPLE));

/** What the offsite queue recorded of an archive of the offsite folder: the copy this server made. */
export const OffsiteCopyRecord = z.object({
  state: OffsiteCopyState,
  /** When it was copied and checked (ISO 8601 with offset). */
  copiedAt: z.string().nullable(),
  checkedBy: z.enum(['remote-command', 'read-back']).nullable(),
  /** The local archive it is a copy of. */
  localFile: z.string(),
  /** The remote file is still the one that was checked (its size and time unchanged). */
  unchanged: z.boolean(),
});
export type OffsiteCopyRecord = z.infer<typeof OffsiteCopyRecord>;

/** One archive of a timeline: what its manifest says, and the file as it is now. */
export const CatalogArchive = z.object({
  /** Full path. */
  file: z.string(),
  /** The file's name in the folder. */
  name: z.string(),
  repository: z.string(),
  repositoryId: z.string(),
  /** The backup's start, from the manifest (ISO 8601 with offset): the timeline's order. */
  createdAt: z.string(),
  finishedAt: z.string(),
  trigger: Trigger,
  sizeBytes: z.number().int().nonnegative(),
  itemCount: z.number().int().nonnegative(),
  revisionCount: z.number().int().nonnegative(),
  includesHistory: z.boolean(),
  /** Which server made it: the manifest's producer. */
  producer: z.object({ app: z.string(), version: z.string(), host: z.string() }),
  /** The id of the server that made it (the manifest's server); null for archives from before it was kept. */
  serverId: z.string().nullable(),
  /** The file's name is not `<repository>_<time>.zip` of its manifest: renamed, or copied under another name. */
  renamed: z.boolean(),
  verification: Verification,
  /** In a catalog of the offsite copy: what the offsite queue recorded of this file (null: not ours). */
  offsiteCopy: OffsiteCopyRecord.nullable().default(null),
});
export type CatalogArchive = z.infer<typeof CatalogArchive>;

/** One repository's archives, newest first. Keyed by the repository's id: a rename keeps its timeline. */
export const CatalogTimeline = z.object({
  repositoryId: z.string(),
  /** The name in its newest archive. */
  repository: z.string(),
  /** Other names its older archives carry (it was renamed). */
  formerNames: z.array(z.string()),
  archives: z.array(CatalogArchive),
});
export type CatalogTimeline = z.infer<typeof CatalogTimeline>;

/**
 * A file of the folder that is not a readable archive. `foreign`: not ours at all; `damaged`: ours by its
 * name or its first entry, but unreadable (truncated, say); `newer`: an archive format this version
 * cannot read; `unfinished`: a `.partial` backup being written, or left by a killed one (not opened).
 * Listed, never changed: reading one stops at its first bytes and its ZIP directory.
 */
export const CatalogOtherFile = z.object({
  file: z.string(),
  name: z.string(),
  kind: z.enum(['foreign', 'damaged', 'newer', 'unfinished']),
  sizeBytes: z.number().int().nonnegative().nullable(),
  reason: z.string(),
});
export type CatalogOtherFile = z.infer<typeof CatalogOtherFile>;

export const CatalogIndexState = z.object({
  /** What was found beside the archives before this opening. */
  found: z.enum(['fresh', 'stale', 'missing', 'unreadable', 'not-ours']),
  /** Files whose manifest (or first bytes) had to be read; the others came from the index. */
  filesRead: z.number().int().nonnegative(),
  /** Whether the index was (re)written now; a read-only folder keeps none. */
  written: z.boolean(),
  writeError: z.string().nullable(),
});

export const Catalog = z.object({
  /** The folder's full path, or for the offsite copy its label (sftp://user@host:port/folder). */
  folder: z.string(),
  source: CatalogSource.default('folder'),
  /** The id of the server that opened it: archives carrying it are this server's own backups. */
  serverId: z.string().nullable(),
  openedAt: z.string(),
  timelines: z.array(CatalogTimeline),
  others: z.array(CatalogOtherFile),
  index: CatalogIndexState,
  /** The folder holds more files than a catalog reads (MAX_CATALOG_FILES): the rest were left out. */
  truncated: z.boolean(),
  durationMs: z.number().int().nonnegative(),
});
export type Catalog = z.infer<typeof Catalog>;

/** An item of a backup as a list shows it. */
export const ArchiveItem = z.object({
  path: z.string(),
  kind: z.string(),
  version: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});
export type ArchiveItem = z.infer<typeof ArchiveItem>;

/** Most items a list answers at once; a filter or prefix narrows a larger backup. */
export const MAX_LISTED_ITEMS = 5000;
/** Text shown in a preview, at most; the rest is said to be left out. */
export const MAX_PREVIEW_CHARS = 200_000;

export const ItemPathArg = z
  .string()
  .min(1, 'Choose an item.')
  .max(1024, 'An item path has at most 1024 characters.');

export const ArchiveItems = z.object({
  file: z.string(),
  repository: z.string(),
  createdAt: z.string(),
  /** Items matching, before the list was cut at MAX_LISTED_ITEMS. */
  total: z.number().int().nonnegative(),
  items: z.array(ArchiveItem),
});
export type ArchiveItems = z.infer<typeof ArchiveItems>;

export const ArchiveItemVersion = ArchiveItem.extend({
  /** The item as it was at the backup (true), or one of its revisions kept in the backup. */
  current: z.boolean(),
  deleted: z.boolean(),
});

export const ArchiveItemPreview = ArchiveItem.extend({
  encoding: z.enum(['utf8', 'binary']),
  /** The text (cut at MAX_PREVIEW_CHARS); null for bytes, which are offered as a download instead. */
  text: z.string().nullable(),
  textTruncated: z.boolean(),
  /** Every version of the path the backup holds, newest first. */
  versions: z.array(ArchiveItemVersion),
});
export type ArchiveItemPreview = z.infer<typeof ArchiveItemPreview>;

export const RestoreItemsInput = z
  .object({
    file: CatalogFile,
    paths: z.array(ItemPathArg).max(10_000).default([]),
    prefix: z.string().min(1).max(1024).optional(),
    /** The repository to restore into (a new version of each item), or with `create` a new one. */
    into: z.string().trim().min(1, 'Choose the repository to restore into.').max(256),
    create: z.boolean().default(false),
  })
  .refine((v) => v.paths.length > 0 || v.prefix !== undefined, {
    message: 'Choose at least one item, or a path prefix.',
    path: ['paths'],
  });

export const RestoreItemsResult = z.object({
  repository: z.string(),
  created: z.boolean(),
  restored: z.array(
    z.object({
      path: z.string(),
      backupVersion: z.number().int(),
      /** null: the repository already held that content, so no version was added. */
      newVersion: z.number().int().nullable(),
    }),
  ),
});
export type RestoreItemsResult = z.infer<typeof RestoreItemsResult>;

export const ItemVersionHit = z.object({
  archive: CatalogArchive,
  /** The item as that backup holds it. */
  item: ArchiveItem,
});
export type ItemVersionHit = z.infer<typeof ItemVersionHit>;

export const ItemVersionSearch = z.object({
  folder: z.string(),
  /** Archives opened to look (newest first, up to the first `limit` hits). */
  searched: z.number().int().nonnegative(),
  hits: z.array(ItemVersionHit),
  /** Archives that could not be opened (damaged), with why. */
  failed: z.array(z.object({ file: z.string(), error: z.string() })),
});
export type ItemVersionSearch = z.infer<typeof ItemVersionSearch>;

export const catalogMethods = {
  openCatalog: method(
    z
      .object({
        /** Defaults to the automatic backup's target folder. */
        folder: fullPath('Choose a folder of backups.', FOLDER_EXAMPLE).optional(),
        /** `offsite`: the offsite copy's remote folder instead of a folder here. */
        source: CatalogSource.optional(),
      })
      .strict()
      .refine((v) => !(v.source === 'offsite' && v.folder !== undefined), {
        message: 'Choose either a folder or the offsite copy, not both.',
        path: ['folder'],
      })
      .optional(),
    Catalog,
    'Read a folder of backup archives as a timeline per repository, from their manifests only.',
  ),
  listArchiveItems: method(
    z.object({
      file: CatalogFile,
      prefix: z.string().max(1024).optional(),
      filter: z.string().max(200).optional(),
    }),
    ArchiveItems,
    'The items of one backup (checked in full and rebuilt as untrusted input first), by path.',
  ),
  previewArchiveItem: method(
    z.object({ file: CatalogFile, path: ItemPathArg }),
    ArchiveItemPreview,
    'One item of a backup: its text (or size, for bytes) and every version the backup holds.',
  ),
  getArchiveItemContent: method(
    z.object({ file: CatalogFile, path: ItemPathArg }),
    z.object({ path: z.string(), sizeBytes: z.number().int().nonnegative(), base64: z.string() }),
    'The bytes of one item of a backup (at most 16 MiB), to download or save.',
  ),
  restoreArchiveItems: method(
    RestoreItemsInput,
    RestoreItemsResult,
    'Restore items of a backup into a repository as a new version of each (the current one stays in its revisions), or into a new repository.',
  ),
  findItemVersions: method(
    z.object({
      folder: fullPath('Choose a folder of backups.', FOLDER_EXAMPLE).optional(),
      source: CatalogSource.optional(),
      path: ItemPathArg,
      /** Only backups taken before this instant (ISO 8601). */
      before: z
        .string()
        .refine((v) => Number.isFinite(Date.parse(v)), 'Enter a date and time, such as 2026-11-24T00:00.')
        .optional(),
      repository: z.string().max(256).optional(),
      limit: z.number().int().min(1).max(100).default(10),
    }),
    ItemVersionSearch,
    'Which backups of the catalog hold an item, newest first: its version in each.',
  ),
};
