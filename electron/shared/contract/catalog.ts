import { z } from 'zod';
import { FOLDER_EXAMPLE, fullPath } from '../full-path';
import { Trigger } from './archives';
import { method } from './define';

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
  /** The file's name is not `<repository>_<time>.zip` of its manifest: renamed, or copied under another name. */
  renamed: z.boolean(),
  verification: Verification,
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
  folder: z.string(),
  openedAt: z.string(),
  timelines: z.array(CatalogTimeline),
  others: z.array(CatalogOtherFile),
  index: CatalogIndexState,
  /** The folder holds more files than a catalog reads (MAX_CATALOG_FILES): the rest were left out. */
  truncated: z.boolean(),
  durationMs: z.number().int().nonnegative(),
});
export type Catalog = z.infer<typeof Catalog>;

export const catalogMethods = {
  openCatalog: method(
    z
      .object({
        /** Defaults to the automatic backup's target folder. */
        folder: fullPath('Choose a folder of backups.', FOLDER_EXAMPLE).optional(),
      })
      .strict()
      .optional(),
    Catalog,
    'Read a folder of backup archives as a timeline per repository, from their manifests only.',
  ),
};
