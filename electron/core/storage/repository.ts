import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AppFailure } from '../../shared/result';
import { toLocalIso, type Clock } from '../clock';
import { ItemKind, ItemPath } from './item-rules';
import { schemaVersionOf } from './migrations';
import type { WalWatch } from './wal-checkpointer';

export type Encoding = 'utf8' | 'binary';

/** An item as stored: text stays a string, bytes a Uint8Array. Times are ISO 8601 with offset. */
export interface Item {
  path: string;
  kind: string;
  content: string | Uint8Array;
  encoding: Encoding;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export interface ItemSummary {
  path: string;
  kind: string;
  version: number;
  sizeBytes: number;
  updatedAt: string;
  updatedBy: string;
}

/** What one unit of a group (Repository.group) may do: inside the group's transaction, none of its own. */
export interface RepositoryOps {
  list(prefix?: string): ItemSummary[];
  get(path: string): Item | null;
  put(input: PutInput): Item;
  delete(path: string, opts: { ifVersion?: number; updatedBy: string }): void;
}

/** How one unit of a group ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface PutInput {
  path: string;
  kind: string;
  content: string | Uint8Array;
  /** Write only if the stored version is this one (0: only if the item does not exist). */
  ifVersion?: number;
  updatedBy: string;
}

interface ItemRow {
  path: string;
  kind: string;
  content: string | Uint8Array;
  encoding: Encoding;
  version: number;
  updated_at: number;
  updated_by: string;
}

function check<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppFailure('INVALID_ARGUMENT', parsed.error.issues[0]!.message);
  return parsed.data;
}

/**
 * One repository: its items and their history, over the one connection all its writers share. Each write
 * is a single IMMEDIATE transaction, so concurrent clients serialize cleanly and a backup taken through
 * the same connection sees whole writes only.
 */
export class Repository {
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;
  /**
   * The counts and the newest write, as of `key` (changeKey()): reading them means scanning both tables
   * — and, as `updated_at` and `replaced_at` sit after `content` in a row, every overflow page of every
   * item and revision — which the Control Panel's summaries did on the main thread every 2 s while
   * clients wrote (issue #17's profile). This connection's own writes keep them current; any other
   * change (another connection's commit, a merge through `db`) changes the key and they are read again.
   */
  private facts: { key: string; items: number; revisions: number; lastModifiedAt: number } | null = null;
  /** What the open transaction wrote, roughly: told to the checkpointer after its COMMIT. */
  private unsent = { writes: 0, bytes: 0 };

  constructor(
    readonly name: string,
    readonly id: string,
    readonly db: DatabaseSync,
    private readonly clock: Clock,
    /** Told after each committed write (the Control Panel's counts follow clients' writes). */
    private readonly onWritten?: (name: string) => void,
    /**
     * Checkpoints the WAL off this thread (the connection then runs with wal_autocheckpoint = 0); without
     * it SQLite checkpoints inside the COMMITs.
     */
    private readonly wal?: WalWatch,
  ) {}

  private noteBytes(content: string | Uint8Array): void {
    this.unsent.writes++;
    this.unsent.bytes += typeof content === 'string' ? content.length : content.byteLength;
  }

  /** After COMMIT (or a rollback: 0 writes): the checkpointer hears what was written. */
  private committed(kept: boolean): void {
    const { writes, bytes } = this.unsent;
    this.unsent = { writes: 0, bytes: 0 };
    if (kept) this.wal?.written(writes, bytes);
  }

  private sql(text: string): StatementSync {
    if (this.closed)
      throw new AppFailure(
        'NOT_FOUND',
        `Repository "${this.name}" was closed (renamed, deleted or replaced).`,
      );
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private toItem(row: ItemRow): Item {
    return {
      path: row.path,
      kind: row.kind,
      content: row.content,
      encoding: row.encoding,
      version: row.version,
      updatedAt: toLocalIso(row.updated_at),
      updatedBy: row.updated_by,
    };
  }

  // Answered from the covering index items_listing (migration 003) without reading the items: the size
  // expression must stay exactly the index's.
  list(prefix?: string): ItemSummary[] {
    const rows = (
      prefix
        ? // substr, not LIKE: a prefix may contain % or _ and must match literally.
          this.sql(
            'SELECT path, kind, version, length(CAST(content AS BLOB)) AS size, updated_at, updated_by FROM items WHERE substr(path, 1, length(?1)) = ?1 ORDER BY path',
          ).all(prefix)
        : this.sql(
            'SELECT path, kind, version, length(CAST(content AS BLOB)) AS size, updated_at, updated_by FROM items ORDER BY path',
          ).all()
    ) as Array<Omit<ItemRow, 'content' | 'encoding'> & { size: number }>;
    return rows.map((r) => ({
      path: r.path,
      kind: r.kind,
      version: r.version,
      sizeBytes: r.size,
      updatedAt: toLocalIso(r.updated_at),
      updatedBy: r.updated_by,
    }));
  }

  get(path: string): Item | null {
    const row = this.sql('SELECT * FROM items WHERE path = ?').get(path) as ItemRow | undefined;
    return row ? this.toItem(row) : null;
  }

  put(input: PutInput): Item {
    return this.transaction(() => this.write(input));
  }

  /** Several writes in one transaction: all of them, or none (a restore of selected items). */
  putAll(inputs: PutInput[]): Item[] {
    return this.transaction(() => inputs.map((input) => this.write(input)));
  }

  private write(input: PutInput): Item {
    const path = check(ItemPath, input.path);
    const kind = check(ItemKind, input.kind);
    const encoding: Encoding = typeof input.content === 'string' ? 'utf8' : 'binary';
    const now = this.clock.now();
    const fresh = this.factsAreFresh();
    const existing = this.sql('SELECT * FROM items WHERE path = ?').get(path) as ItemRow | undefined;
    this.checkVersion(path, existing, input.ifVersion);
    let version: number;
    if (existing) {
      this.keepRevision(existing, now, false);
      version = existing.version + 1;
    } else {
      // A path deleted earlier continues its numbering, so a version never means two contents.
      const last = this.sql('SELECT max(version) AS v FROM revisions WHERE path = ?').get(path) as {
        v: number | null;
      };
      version = (last.v ?? 0) + 1;
    }
    this.sql(
      `INSERT INTO items (path, kind, content, encoding, version, updated_at, updated_by)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET kind = excluded.kind, content = excluded.content,
         encoding = excluded.encoding, version = excluded.version, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
    ).run(path, kind, input.content, encoding, version, now, input.updatedBy);
    this.noteBytes(input.content);
    this.noteWrite(fresh, { items: existing ? 0 : 1, revisions: existing ? 1 : 0, at: now });
    return this.toItem({
      path,
      kind,
      content: input.content,
      encoding,
      version,
      updated_at: now,
      updated_by: input.updatedBy,
    });
  }

  delete(path: string, opts: { ifVersion?: number; updatedBy: string }): void {
    this.transaction(() => this.remove(path, opts));
  }

  /**
   * Group commit: several independent units (one client request each) in ONE transaction, each in its
   * own savepoint — a unit that fails (a conflict, a bad path) is undone alone and the others stay. The
   * results come back after COMMIT, so whoever acknowledges a write does so only once it is committed;
   * if BEGIN or COMMIT fails, every unit fails with that error (nothing of the group was kept).
   */
  group<T>(units: ReadonlyArray<(ops: RepositoryOps) => T>): Settled<T>[] {
    if (units.length === 0) return [];
    const factsBefore = this.facts;
    let wrote = false;
    const ops: RepositoryOps = {
      list: (prefix) => this.list(prefix),
      get: (path) => this.get(path),
      put: (input) => {
        const item = this.write(input);
        wrote = true;
        return item;
      },
      delete: (path, opts) => {
        this.remove(path, opts);
        wrote = true;
      },
    };
    const results: Settled<T>[] = [];
    try {
      this.sql('BEGIN IMMEDIATE').run();
      for (const unit of units) {
        const before = this.facts;
        const wroteBefore: boolean = wrote;
        this.sql('SAVEPOINT unit').run();
        try {
          const value = unit(ops);
          this.sql('RELEASE unit').run();
          results.push({ ok: true, value });
        } catch (error) {
          this.facts = before;
          wrote = wroteBefore;
          this.sql('ROLLBACK TO unit').run();
          this.sql('RELEASE unit').run();
          results.push({ ok: false, error });
        }
      }
      this.sql('COMMIT').run();
    } catch (error) {
      this.facts = factsBefore;
      if (!this.closed && this.db.isTransaction) this.db.exec('ROLLBACK');
      this.committed(false);
      return units.map(() => ({ ok: false, error }));
    }
    this.committed(true);
    if (wrote) this.onWritten?.(this.name);
    return results;
  }

  private remove(path: string, opts: { ifVersion?: number; updatedBy: string }): void {
    const existing = this.sql('SELECT * FROM items WHERE path = ?').get(path) as ItemRow | undefined;
    if (!existing) throw new AppFailure('NOT_FOUND', `There is no item "${path}" in "${this.name}".`);
    this.checkVersion(path, existing, opts.ifVersion);
    const fresh = this.factsAreFresh();
    const now = this.clock.now();
    this.keepRevision(existing, now, true);
    this.sql('DELETE FROM items WHERE path = ?').run(path);
    this.unsent.writes++;
    this.noteWrite(fresh, { items: -1, revisions: 1, at: now });
  }

  /** History of one path, oldest first (the current version is not included). */
  revisions(path: string): Array<Item & { replacedAt: string; deleted: boolean }> {
    const rows = this.sql('SELECT * FROM revisions WHERE path = ? ORDER BY id').all(path) as unknown as Array<
      ItemRow & { replaced_at: number; deleted: number }
    >;
    return rows.map((r) => ({
      ...this.toItem(r),
      replacedAt: toLocalIso(r.replaced_at),
      deleted: r.deleted === 1,
    }));
  }

  counts(): { items: number; revisions: number } {
    const { items, revisions } = this.currentFacts();
    return { items, revisions };
  }

  /**
   * The database's size as SQLite sees it (its pages, the WAL's newer ones included): what a snapshot
   * copies and what the repository holds. Not the files' sizes: with checkpoints in a worker the same pages
   * sit in the main file and in a WAL not yet reused, and their sum counted them twice.
   */
  databaseBytes(): number {
    const { page_count } = this.sql('PRAGMA page_count').get() as { page_count: number };
    const { page_size } = this.sql('PRAGMA page_size').get() as { page_size: number };
    return page_count * page_size;
  }

  /** ISO 8601 of the newest write or delete; null for a repository never written to. */
  lastModified(): string | null {
    const at = this.currentFacts().lastModifiedAt;
    return at > 0 ? toLocalIso(at) : null;
  }

  /**
   * Changes whenever the database may have: this connection's changed rows (total_changes), and other
   * connections' commits (data_version, which this connection's own commits leave alone).
   */
  private changeKey(): string {
    const row = this.sql(
      'SELECT total_changes() AS changes, data_version AS version FROM pragma_data_version',
    ).get() as { changes: number; version: number };
    return `${row.changes}:${row.version}`;
  }

  private currentFacts(): NonNullable<Repository['facts']> {
    const key = this.changeKey();
    if (this.facts?.key === key) return this.facts;
    const row = this.sql(
      `SELECT (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM revisions) AS revisions,
         max(coalesce((SELECT max(updated_at) FROM items), 0), coalesce((SELECT max(replaced_at) FROM revisions), 0)) AS at`,
    ).get() as { items: number; revisions: number; at: number };
    this.facts = { key, items: row.items, revisions: row.revisions, lastModifiedAt: row.at };
    return this.facts;
  }

  /** Inside a write's transaction, before it changes anything: whether the kept facts are current. */
  private factsAreFresh(): boolean {
    return this.facts !== null && this.facts.key === this.changeKey();
  }

  /**
   * Inside a write's transaction, after its changes and before COMMIT (no other connection can commit
   * meanwhile, and COMMIT changes neither part of the key): the facts follow the write.
   */
  private noteWrite(fresh: boolean, change: { items: number; revisions: number; at: number }): void {
    if (!fresh || !this.facts) return;
    this.facts = {
      key: this.changeKey(),
      items: this.facts.items + change.items,
      revisions: this.facts.revisions + change.revisions,
      lastModifiedAt: Math.max(this.facts.lastModifiedAt, change.at),
    };
  }

  /**
   * When the repository was made (meta created_at), read once per connection: nothing changes it, and the
   * backup status asks for every repository's at each step of a run.
   */
  createdAt(): string | null {
    // Only a value is kept: a repository being created writes it just after opening.
    this.createdAtMemo ??= this.meta('created_at');
    return this.createdAtMemo;
  }
  private createdAtMemo: string | null = null;

  meta(key: string): string | null {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  schemaVersion(): number {
    return schemaVersionOf(this.db);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the connection; SQLite checkpoints the WAL into the main file on the last close (a checkpoint
   * of the file still running in the checkpointer is waited for first).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wal?.close();
    this.statements.clear();
    this.db.close();
  }

  private checkVersion(path: string, existing: ItemRow | undefined, ifVersion: number | undefined): void {
    if (ifVersion === undefined) return;
    const actual = existing?.version ?? 0;
    if (actual !== ifVersion) {
      throw new AppFailure(
        'CONFLICT',
        existing
          ? `"${path}" is at version ${actual}, not ${ifVersion}: someone else changed it. Read it again, then write.`
          : `"${path}" does not exist (expected version ${ifVersion}). Read it again, then write.`,
      );
    }
  }

  private keepRevision(row: ItemRow, replacedAt: number, deleted: boolean): void {
    this.noteBytes(row.content);
    this.sql(
      `INSERT INTO revisions (path, kind, content, encoding, version, updated_at, updated_by, replaced_at, deleted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.path,
      row.kind,
      row.content,
      row.encoding,
      row.version,
      row.updated_at,
      row.updated_by,
      replacedAt,
      deleted ? 1 : 0,
    );
  }

  private transaction<T>(work: () => T): T {
    this.sql('BEGIN IMMEDIATE').run();
    // What the kept facts were before: a write that moved them (noteWrite) and then failed, or a
    // COMMIT that failed, puts them back (their key then tells whether anything changed meanwhile).
    const factsBefore = this.facts;
    try {
      const result = work();
      this.sql('COMMIT').run();
      this.committed(true);
      this.onWritten?.(this.name);
      return result;
    } catch (error) {
      this.facts = factsBefore;
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.committed(false);
      throw error;
    }
  }
}
