import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nameWithSuffix, RepositoryName, repositoryKey } from '../../shared/repository-name';
import type { RepositoryCatalog } from './repository-catalog';

// Data directories written before the catalog kept each repository as `repositories/<name>.sqlite`.
// They are adopted once: every such file gets a catalog row (its name, a new file id) in one
// transaction, then is renamed to `<file id>.sqlite`. The renames are finished at every start, so a
// crash halfway loses nothing: a row remembers its old file name until its file has moved.

export const DB_EXT = '.sqlite';
/** Files SQLite keeps beside a database, named after it. */
export const SIDE_FILES = ['-wal', '-shm', '-journal'];
const LAYOUT_KEY = 'repository_files';
const LAYOUT_BY_ID = 'by-id';

type Logger = Pick<Console, 'warn'>;

/** Gives each old `<name>.sqlite` a catalog row; does nothing once the directory has been adopted. */
export function adoptLegacyFiles(dir: string, catalog: RepositoryCatalog, logger: Logger): void {
  if (catalog.state(LAYOUT_KEY) === LAYOUT_BY_ID) return;
  const known = new Set(catalog.all().map((e) => e.fileId + DB_EXT));
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(DB_EXT) && !f.startsWith('.') && !known.has(f))
    .sort();
  catalog.transaction(() => {
    const taken = new Set(catalog.all().map((e) => repositoryKey(e.name)));
    for (const file of files) {
      const parsed = RepositoryName.safeParse(file.slice(0, -DB_EXT.length));
      if (!parsed.success) {
        logger.warn(`Left ${path.join(dir, file)} alone: its name is not a repository name.`);
        continue;
      }
      // Two files differing only in case could sit side by side on a case-sensitive file system.
      let name = parsed.data;
      for (let n = 2; taken.has(repositoryKey(name)); n++) name = nameWithSuffix(parsed.data, `-${n}`);
      if (name !== parsed.data)
        logger.warn(`Repository file ${file} is listed as "${name}": "${parsed.data}" was taken.`);
      taken.add(repositoryKey(name));
      catalog.insert({ fileId: randomUUID(), name, legacyFile: file });
    }
    catalog.setState(LAYOUT_KEY, LAYOUT_BY_ID);
  });
}

/** Moves every adopted `<name>.sqlite` (and its side files) to `<file id>.sqlite`. */
export function finishLegacyRenames(dir: string, catalog: RepositoryCatalog, logger: Logger): void {
  for (const entry of catalog.all()) {
    if (!entry.legacyFile) continue;
    const from = path.join(dir, entry.legacyFile);
    const to = path.join(dir, entry.fileId + DB_EXT);
    // Side files first: SQLite finds a WAL by its database's name, so they must arrive before it does.
    for (const side of SIDE_FILES) if (fs.existsSync(from + side)) fs.renameSync(from + side, to + side);
    if (fs.existsSync(from) && !fs.existsSync(to)) fs.renameSync(from, to);
    if (!fs.existsSync(to))
      logger.warn(`The database file of repository "${entry.name}" (${from}) is missing.`);
    catalog.legacyRenamed(entry.fileId);
  }
}
