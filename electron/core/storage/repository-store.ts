import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepositorySummary } from '../../shared/contract/repositories';
import { RepositoryName, repositoryKey } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import { toLocalIso, type Clock } from '../clock';
import { adoptLegacyFiles, DB_EXT, finishLegacyRenames, SIDE_FILES } from './legacy-layout';
import { migrate } from './migrations';
import { openDatabase } from './open-database';
import { Repository } from './repository';
import { RepositoryCatalog, type CatalogEntry, type JournalAction } from './repository-catalog';
import { ServerDb } from './server-db';
import { sharedCheckpointer, type WalCheckpointer } from './wal-checkpointer';

export type StoredRepositorySummary = Omit<RepositorySummary, 'connectedClients'>;

/** Our own temporary files in the repositories folder: removed at start if a crash left one. */
const TEMP_PREFIX = '.installing-';

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

// Display order only (equality always goes through repositoryKey): the root collation, not the
// server's locale, so every machine lists the same order; "Run 2" before "Run 10".
const displayOrder = new Intl.Collator('und', { sensitivity: 'base', numeric: true });

/**
 * The repositories: one SQLite file each, `<dataDir>/repositories/<file id>.sqlite`, and their names in
 * server.sqlite's catalog (ARCHITECTURE §3). A name is matched through `repositoryKey` (any case, any
 * normal form); a rename changes one catalog row and no file. Each open repository has exactly one
 * connection, cached here.
 */
export class RepositoryStore {
  readonly repositoriesDir: string;
  private readonly clock: Clock;
  private readonly open_ = new Map<string, Repository>();
  /** Work that needs the repository's file to stay where it is (a backup reading it), by name key. */
  private readonly leases = new Map<string, Map<number, string>>();
  private nextLease = 1;
  private readonly onWritten?: (name: string) => void;
  private readonly dataDir: string;
  /** The server database when the store opened it itself (tests, small tools); closed by closeAll. */
  private ownServerDb: ServerDb | null = null;
  private readonly sharedServerDb: ServerDb | null;
  private catalog_: RepositoryCatalog | null = null;
  /** Checkpoints the repositories' WAL files off the main thread (their connections do not). */
  readonly checkpoints: WalCheckpointer;

  constructor(opts: {
    dataDir: string;
    clock: Clock;
    /** server.sqlite, which holds the catalog; opened here when not given. */
    serverDb?: ServerDb;
    /** Told after each committed write to any repository. */
    onWritten?: (name: string) => void;
    logger?: Pick<Console, 'warn'>;
    /** The process's shared one when not given. */
    checkpoints?: WalCheckpointer;
  }) {
    this.dataDir = opts.dataDir;
    this.checkpoints = opts.checkpoints ?? sharedCheckpointer();
    this.repositoriesDir = path.join(opts.dataDir, 'repositories');
    this.clock = opts.clock;
    this.onWritten = opts.onWritten;
    this.sharedServerDb = opts.serverDb ?? null;
    fs.mkdirSync(this.repositoriesDir, { recursive: true });
    this.recover(opts.logger ?? console);
  }

  private get catalog(): RepositoryCatalog {
    if (!this.catalog_) {
      const serverDb =
        this.sharedServerDb ??
        (this.ownServerDb = new ServerDb({ dataDir: this.dataDir, clock: this.clock }));
      this.catalog_ = new RepositoryCatalog(serverDb.db);
    }
    return this.catalog_;
  }

  /**
   * Brings the folder and the catalog into agreement after any stop, clean or not: adopts an old data
   * directory's `<name>.sqlite` files, undoes or completes journalled work, removes our temp files.
   */
  private recover(logger: Pick<Console, 'warn'>): void {
    const catalog = this.catalog;
    adoptLegacyFiles(this.repositoriesDir, catalog, logger);
    finishLegacyRenames(this.repositoriesDir, catalog, logger);
    // A create or install that did not finish is undone; a delete that did not finish is completed.
    for (const { fileId } of catalog.unfinished()) this.discard(fileId);
    for (const file of fs.readdirSync(this.repositoriesDir))
      if (file.startsWith(TEMP_PREFIX)) fs.rmSync(path.join(this.repositoriesDir, file), { force: true });
  }

  private fileOf(fileId: string): string {
    return path.join(this.repositoriesDir, fileId + DB_EXT);
  }

  private entries(): CatalogEntry[] {
    return this.catalog.all().sort((a, b) => displayOrder.compare(a.name, b.name));
  }

  /** The repository's name as it is stored (its own spelling), or null when there is none. */
  resolve(name: string): string | null {
    return this.catalog.find(name)?.name ?? null;
  }

  private mustFind(name: string): CatalogEntry {
    const found = this.catalog.find(name);
    if (!found) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
    return found;
  }

  private mustResolve(name: string): string {
    return this.mustFind(name).name;
  }

  /** The repository's database file. */
  pathOf(name: string): string {
    return this.fileOf(this.mustFind(name).fileId);
  }

  /** Every repository's name, in the list's order, without opening a file (what a status needs). */
  names(): string[] {
    return this.entries().map((entry) => entry.name);
  }

  list(): StoredRepositorySummary[] {
    const summaries: StoredRepositorySummary[] = [];
    for (const entry of this.entries()) {
      try {
        summaries.push(this.summary(entry.name));
      } catch {
        // A damaged or missing file must not hide the other repositories; it simply is not listed.
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
      sizeBytes: repo.databaseBytes(),
      itemCount: counts.items,
      revisionCount: counts.revisions,
      lastModified: repo.lastModified(),
      createdAt: repo.createdAt() ?? toLocalIso(fs.statSync(file).birthtimeMs || fs.statSync(file).mtimeMs),
    };
  }

  /**
   * This server's id (made at first use, kept in server.sqlite): which configuration backups are its
   * own. A recovered server takes the id of the one it recovers, so it carries on its backups.
   */
  serverId(): string {
    let id = this.catalog.state('server_id');
    if (!id) {
      id = randomUUID();
      this.catalog.setState('server_id', id);
    }
    return id;
  }

  /**
   * Every repository's name and id, leaving closed what was closed (a configuration backup must not keep
   * every repository open in a running server).
   */
  identities(): Array<{ name: string; id: string }> {
    return this.entries().flatMap((entry) => {
      const key = repositoryKey(entry.name);
      const wasOpen = this.open_.get(key);
      try {
        const repo = this.open(entry.name);
        const identity = { name: repo.name, id: repo.id };
        if (!wasOpen || wasOpen.isClosed) {
          repo.close();
          this.open_.delete(key);
        }
        return [identity];
      } catch {
        return []; // a damaged or missing file is not listed, as in list()
      }
    });
  }

  adoptServerId(id: string): void {
    this.catalog.setState('server_id', id);
  }

  private refuseDuplicate(name: string): void {
    const existing = this.resolve(name);
    if (existing) throw new AppFailure('ALREADY_EXISTS', `A repository named "${existing}" already exists.`);
  }

  create(name: string): Repository {
    const valid = validName(name);
    this.refuseDuplicate(valid);
    return this.addRepository(valid, 'create', (file) => {
      fs.closeSync(fs.openSync(file, 'wx'));
      const repo = this.open(valid);
      repo.db
        .prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)")
        .run(toLocalIso(this.clock.now()));
    });
  }

  /**
   * A new repository under a new file id: the catalog row claims the name (name_key is UNIQUE) and the
   * journal entry undoes it after a crash, until `makeFile` has written the database.
   */
  private addRepository(name: string, action: JournalAction, makeFile: (file: string) => void): Repository {
    const fileId = randomUUID();
    this.catalog.transaction(() => {
      this.catalog.insert({ fileId, name });
      this.catalog.journal(fileId, action, this.clock.now());
    });
    try {
      makeFile(this.fileOf(fileId));
      const repo = this.open(name);
      this.catalog.settled(fileId);
      return repo;
    } catch (error) {
      this.forget(name);
      this.discard(fileId);
      throw error;
    }
  }

  open(name: string): Repository {
    // The cache first: every client request comes through here.
    const key = repositoryKey(name);
    const cached = this.open_.get(key);
    if (cached && !cached.isClosed) return cached;
    const entry = this.mustFind(name);
    const file = this.fileOf(entry.fileId);
    // Opening a missing file would silently make an empty repository in place of the lost one.
    if (!fs.existsSync(file))
      throw new AppFailure('INTERNAL', `The database file of repository "${entry.name}" is missing: ${file}`);
    const db = openDatabase(file);
    try {
      migrate(db);
      const id = (
        db.prepare("SELECT value FROM meta WHERE key = 'id'").get() as { value: string } | undefined
      )?.value;
      if (!id) throw new AppFailure('INTERNAL', `Repository "${entry.name}" has no id in its meta table.`);
      // No checkpoint inside a COMMIT on this (the main) thread: the checkpointer's worker runs them.
      db.exec('PRAGMA wal_autocheckpoint = 0');
      const pageSize = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
      const repo = new Repository(
        entry.name,
        id,
        db,
        this.clock,
        this.onWritten,
        this.checkpoints.watch(file, pageSize),
      );
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
    const key = repositoryKey(this.mustResolve(name));
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
    return [...(this.leases.get(repositoryKey(name))?.values() ?? [])].at(-1) ?? null;
  }

  private refuseIfLeased(name: string, action: string): void {
    const purpose = this.leasePurpose(name);
    if (purpose)
      throw new AppFailure('BUSY', `"${name}" cannot be ${action} now: ${purpose}. Try again when it ends.`);
  }

  /** A rename changes the catalog only: the file keeps its id, so nothing on disk moves. */
  rename(name: string, newName: string): void {
    const from = this.mustFind(name);
    this.refuseIfLeased(from.name, 'renamed');
    const to = validName(newName);
    const clash = this.catalog.find(to);
    if (clash && clash.fileId !== from.fileId)
      throw new AppFailure('ALREADY_EXISTS', `A repository named "${clash.name}" already exists.`);
    if (from.name === to) return;
    this.forget(from.name);
    this.catalog.rename(from.fileId, to);
  }

  delete(name: string): void {
    const entry = this.mustFind(name);
    this.refuseIfLeased(entry.name, 'deleted');
    this.forget(entry.name);
    // Gone from the catalog first, so a crash before the files are removed completes the delete at start.
    this.catalog.transaction(() => {
      this.catalog.remove(entry.fileId);
      this.catalog.journal(entry.fileId, 'delete', this.clock.now());
    });
    this.discard(entry.fileId);
  }

  /**
   * Makes a closed database file (a restored snapshot) the repository of that name: in place of an
   * existing one (atomically, by rename over its file; it keeps its name's spelling) or as a new one.
   */
  install(name: string, sourcePath: string): Repository {
    const valid = validName(name);
    const existing = this.catalog.find(valid);
    // Check the new database before anything is closed or replaced: a bad file changes nothing.
    const check = openDatabase(sourcePath);
    try {
      migrate(check);
      check.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      check.close();
    }
    for (const side of SIDE_FILES) fs.rmSync(sourcePath + side, { force: true });

    if (existing) {
      this.forget(existing.name);
      this.moveInto(sourcePath, this.fileOf(existing.fileId));
      return this.open(existing.name);
    }
    return this.addRepository(valid, 'install', (file) => this.moveInto(sourcePath, file));
  }

  /** Renames the file onto `target` in one step (copying beside it first when it is on another disk). */
  private moveInto(source: string, target: string): void {
    try {
      fs.renameSync(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const temp = path.join(this.repositoriesDir, `${TEMP_PREFIX}${randomUUID()}${DB_EXT}`);
      fs.copyFileSync(source, temp);
      fs.renameSync(temp, target);
      fs.rmSync(source, { force: true });
    }
    // The old connection is closed, so its WAL was checkpointed; a stale one must not meet the new file.
    for (const side of SIDE_FILES) fs.rmSync(target + side, { force: true });
  }

  closeAll(): void {
    for (const repo of this.open_.values()) repo.close();
    this.open_.clear();
    if (this.ownServerDb) {
      this.ownServerDb.close();
      this.ownServerDb = null;
      this.catalog_ = null;
    }
  }

  private forget(name: string): void {
    const key = repositoryKey(name);
    this.open_.get(key)?.close();
    this.open_.delete(key);
  }

  /** Removes a file id's database and side files and its catalog row: undoing or completing its work. */
  private discard(fileId: string): void {
    const file = this.fileOf(fileId);
    for (const side of ['', ...SIDE_FILES]) fs.rmSync(file + side, { force: true });
    this.catalog.transaction(() => {
      this.catalog.remove(fileId);
      this.catalog.settled(fileId);
    });
  }
}
