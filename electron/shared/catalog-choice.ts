import type { Catalog, CatalogArchive, CatalogTimeline } from './contract/catalog';

// Choosing from a catalog: which archive of each repository to restore (whole-server recovery, "as of"
// a time). Pure, so the core, the CLI and the Control Panel choose alike.

export interface NewestChoice {
  timeline: CatalogTimeline;
  /** The chosen archive; null when no archive of this repository qualifies. */
  archive: CatalogArchive | null;
  /**
   * Every archive that qualifies, newest first (the chosen one first): a restore verifies in full, and
   * when the chosen one fails, the next is the one to try.
   */
  candidates: CatalogArchive[];
}

export interface ChooseOptions {
  /** Only archives that started at or before this instant (ms since the epoch). */
  notAfter?: number;
  /**
   * `verified` (default): only archives known to be verified. `not-failed`: also those only read by
   * their manifest (a folder from another machine), never one whose check failed.
   */
  accept?: 'verified' | 'not-failed';
}

const qualifies = (a: CatalogArchive, options: ChooseOptions) => {
  const at = Date.parse(a.createdAt);
  if (options.notAfter !== undefined && !(at <= options.notAfter)) return false;
  const state = a.verification.state;
  return (options.accept ?? 'verified') === 'verified' ? state === 'verified' : state !== 'failed';
};

/** The newest qualifying archive of every repository of the catalog (timelines are newest first). */
export function newestPerRepository(
  catalog: Pick<Catalog, 'timelines'>,
  options: ChooseOptions = {},
): NewestChoice[] {
  return catalog.timelines.map((timeline) => {
    const candidates = timeline.archives.filter((a) => qualifies(a, options));
    return { timeline, archive: candidates[0] ?? null, candidates };
  });
}

/**
 * Who made an archive, in words: "this server" for the opening server's own backups (its id survives a
 * recovery onto another machine, so a host name would mislead), else the producer's host and version.
 */
export function madeByWords(archive: CatalogArchive, catalog: Pick<Catalog, 'serverId'>): string {
  if (archive.serverId !== null && archive.serverId === catalog.serverId) return 'this server';
  return `${archive.producer.host} ${archive.producer.version}`;
}
