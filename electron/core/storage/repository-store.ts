import fs from 'node:fs';
import path from 'node:path';
import type { RepositorySummary } from '../../shared/contract/repositories';
import { RepositoryName } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import { toLocalIso, type Clock } from '../clock';
import { migrate } from './migrations';
import { openDatabase } from './open-database';
import { Repository } from './repository';

export type StoredRepositorySummary = Omit<RepositorySummary, 'connectedClients'>;

const EXT = '.sqlite';
const SIDE_FILES = ['-wal', '-shm', '-journal'];

function validName(name: string): string {
  const parsed = RepositoryName.safeParse(name);
  if (!parsed.success) {
    throw new AppFailure(
      'INVALID_ARGUMENT',
      `"${name}" is not a valid repository name: ${parsed.error.issues[0]!.message}`,
      {
        name: parsed.error.issues[0]!.message,
      },
    );
  }
  return parsed.data;
}

const fileSize = (file: string) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * The repositories on disk: one SQLite file each in `<dataDir>/repositories/<name>.sqlite`. The file
 * name is the repository's name (names are validated, so they are safe file names everywhere), and
 * names are matched case-insensitively. Each open repository has exactly one connection, cached here.
 */
export class RepositoryStore {
  readonly repositoriesDir: string;
  private readonly clock: Clock;
  private readonly open_ = new Map<string, Repository>();
  /** Work that needs the repository's file to stay where it is (a backup reading it), by name. */
  private readonly leases = new Map<string, Map<number, string>>();
  private nextLease = 1;

  private readonly onWritten?: (name: string) => void;

  constructor(opts: {
    dataDir: string;
    clock: Clock;
    /** Told after each committed write to any repository. */
    onWritten?: (name: string) => void;
  }) {
    this.repositoriesDir = path.join(opts.dataDir, 'repositories');
    this.clock = opts.clock;
    this.onWritten = opts.onWritten;
    fs.mkdirSync(this.repositoriesDir, { recursive: true });
  }

  /** Canonical names of every repository file, sorted case-insensitively. */
  private names(): string[] {
    return fs
      .readdirSync(this.repositoriesDir)
      .filter((f) => f.endsWith(EXT))
      .map((f) => f.slice(0, -EXT.length))
      .filter((n) => RepositoryName.safeParse(n).success)
      .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  }

  resolve(name: string): string | null {
    const wanted = name.toLowerCase();
    return this.names().find((n) => n.toLowerCase() === wanted) ?? null;
  }

  private mustResolve(name: string): string {
    const found = this.resolve(name);
    if (!found) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
    return found;
  }

  pathOf(name: string): string {
    return path.join(this.repositoriesDir, validName(name) + EXT);
  }

  list(): StoredRepositorySummary[] {
    const summaries: StoredRepositorySummary[] = [];
    for (const name of this.names()) {
      try {
        summaries.push(this.summary(name));
      } catch {
        // A damaged or foreign file must not hide the other repositories; it simply is not listed.
      }
    }
    return summaries;
  }

  summary(name: string): StoredRepositorySummary {
    const repo = this.open(name);
    const file = this.pathOf(repo.name);
    const counts = repo.counts();
    return {
      name: repo.name,
      id: repo.id,
      sizeBytes: fileSize(file) + fileSize(file + '-wal'),
      itemCount: counts.items,
      revisionCount: counts.revisions,
      lastModified: repo.lastModified(),
      createdAt:
        repo.meta('created_at') ?? toLocalIso(fs.statSync(file).birthtimeMs || fs.statSync(file).mtimeMs),
    };
  }

  create(name: string): Repository {
    const valid = validName(name);
    const existing = this.resolve(valid);
    if (existing) throw new AppFailure('ALREADY_EXISTS', `A repository named "${existing}" already exists.`);
    const file = this.pathOf(valid);
    // 'wx' claims the file name atomically: two creates of the same name cannot both win.
    try {
      fs.closeSync(fs.openSync(file, 'wx'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new AppFailure('ALREADY_EXISTS', `A repository named "${valid}" already exists.`);
      throw error;
    }
    try {
      const repo = this.open(valid);
      repo.db
        .prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)")
        .run(toLocalIso(this.clock.now()));
      return repo;
    } catch (error) {
      this.forget(valid);
      this.removeFiles(file);
      throw error;
    }
  }

  open(name: string): Repository {
    // The cache first: every client request comes through here, and listing the folder is not free.
    const cached = this.open_.get(name.toLowerCase());
    if (cached && !cached.isClosed) return cached;
    const canonical = this.mustResolve(name);
    const key = canonical.toLowerCase();
    const db = openDatabase(this.pathOf(canonical));
    try {
      migrate(db);
      const id = (
        db.prepare("SELECT value FROM meta WHERE key = 'id'").get() as { value: string } | undefined
      )?.value;
      if (!id) throw new AppFailure('INTERNAL', `Repository "${canonical}" has no id in its meta table.`);
      const repo = new Repository(canonical, id, db, this.clock, this.onWritten);
      this.open_.set(key, repo);
      return repo;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Keeps the repository from being renamed or deleted until released (e.g. while a backup reads it):
   * those are refused with BUSY and the purpose. `install` is not blocked: restore coordinates itself.
   */
  lease(name: string, purpose: string): () => void {
    const key = this.mustResolve(name).toLowerCase();
    const id = this.nextLease++;
    let held = this.leases.get(key);
    if (!held) this.leases.set(key, (held = new Map()));
    held.set(id, purpose);
    return () => {
      held.delete(id);
      if (held.size === 0 && this.leases.get(key) === held) this.leases.delete(key);
    };
  }

  /** Why the repository is leased now (the newest lease's purpose), or null. */
  leasePurpose(name: string): string | null {
    return [...(this.leases.get(name.toLowerCase())?.values() ?? [])].at(-1) ?? null;
  }

  private refuseIfLeased(name: string, action: string): void {
    const purpose = this.leasePurpose(name);
    if (purpose)
      throw new AppFailure('BUSY', `"${name}" cannot be ${action} now: ${purpose}. Try again when it ends.`);
  }

  rename(name: string, newName: string): void {
    const from = this.mustResolve(name);
    this.refuseIfLeased(from, 'renamed');
    const to = validName(newName);
    const clash = this.resolve(to);
    if (clash && clash !== from)
      throw new AppFailure('ALREADY_EXISTS', `A repository named "${clash}" already exists.`);
    if (from === to) return;
    this.forget(from);
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    if (from.toLowerCase() === to.toLowerCase()) {
      // A case-only rename goes through a temporary name, for case-insensitive file systems.
      const temp = path.join(this.repositoriesDir, `.renaming-${process.pid}-${Date.now()}${EXT}`);
      fs.renameSync(source, temp);
      fs.renameSync(temp, target);
    } else {
      fs.renameSync(source, target);
    }
    for (const side of SIDE_FILES)
      if (fs.existsSync(source + side)) fs.rmSync(source + side, { force: true });
  }

  delete(name: string): void {
    const canonical = this.mustResolve(name);
    this.refuseIfLeased(canonical, 'deleted');
    this.forget(canonical);
    this.removeFiles(this.pathOf(canonical));
  }

  install(name: string, sourcePath: string): Repository {
    const valid = validName(name);
    const existing = this.resolve(valid);
    // Check the new database before anything is closed or replaced: a bad file changes nothing.
    const check = openDatabase(sourcePath);
    try {
      migrate(check);
      check.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      check.close();
    }
    for (const side of SIDE_FILES) fs.rmSync(sourcePath + side, { force: true });
    // Replacing keeps the existing repository's spelling of its name.
    const finalName = existing ?? valid;
    if (existing) this.forget(existing);
    const target = this.pathOf(finalName);
    try {
      fs.renameSync(sourcePath, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // Another file system: copy beside the target first, so the final rename is still atomic.
      const temp = path.join(this.repositoriesDir, `.installing-${process.pid}-${Date.now()}${EXT}`);
      fs.copyFileSync(sourcePath, temp);
      fs.renameSync(temp, target);
      fs.rmSync(sourcePath, { force: true });
    }
    // The old connection is closed, so its WAL was checkpointed; a stale one must not meet the new file.
    for (const side of SIDE_FILES) fs.rmSync(target + side, { force: true });
    return this.open(finalName);
  }

  closeAll(): void {
    for (const repo of this.open_.values()) repo.close();
    this.open_.clear();
  }

  private forget(name: string): void {
    const key = name.toLowerCase();
    this.open_.get(key)?.close();
    this.open_.delete(key);
  }

  private removeFiles(file: string): void {
    for (const side of ['', ...SIDE_FILES]) fs.rmSync(file + side, { force: true });
  }
}
