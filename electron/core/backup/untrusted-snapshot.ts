import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { AppFailure } from '../../shared/result';
import { shownText } from '../../shared/shown-text';
import { repositoryMigrations } from '../storage/migrations';
import { runMigrations, schemaVersionOf, type Migration } from '../storage/migrations/runner';
import { ensureFreeSpace } from './archive-reader';
import { ClientLabel, ItemKind, ItemPath, MAX_ITEM_CONTENT_BYTES } from '../storage/item-rules';

// An imported snapshot is untrusted (ARCHITECTURE §6): the manifest's SHA-256 proves the file is the one
// the manifest describes, not that it came from us or is sane. It is never installed as it is. It is
// opened read-only and immutable, defensive, with trusted_schema off; its schema must be exactly a
// repository's at its version (no triggers, views, virtual or foreign tables); then a fresh database is
// built from our own migrations and every row is copied across by column, checked with the rules the
// client protocol applies (paths, kinds, sizes, versions). The first problem is named; nothing is kept.

export interface RebuildOptions {
  /** Copy the revision history too. */
  includeHistory: boolean;
  /** Names the archive in messages. */
  label: string;
  signal?: AbortSignal;
  onRows?: (done: number, total: number) => void;
  /** The schema steps a repository has (tests add a later one to show an older snapshot migrated). */
  migrations?: readonly Migration[];
  /**
   * The id the rebuilt repository gets, given the snapshot's (checked): a copy beside its original gets a
   * new one here, inside the rebuild's one synced transaction, not by a later write synced on the main
   * thread.
   */
  uniqueId?: (id: string) => string;
}

export interface RebuiltSnapshot {
  schemaVersion: number;
  /** The version the snapshot had before it was brought up to date. */
  sourceSchemaVersion: number;
  items: number;
  revisions: number;
}

/**
 * Rows are copied in batches of at most this many, or this many bytes, with a turn of the event loop
 * between: a batch is one synchronous pause of the main thread, where clients of other repositories wait
 * (at 32 MB it was 220–330 ms, issue #17's profile of a restore beside 10 writing clients).
 */
const BATCH_ROWS = 500;
export const BATCH_BYTES = 1024 * 1024;
const MAX_META_ROWS = 100;
const MAX_META_VALUE = 1000;
/** Times are milliseconds since the epoch; anything outside what a Date can hold is not a time. */
const MAX_TIME_MS = 8.64e15;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** What a repository's meta table may hold, each value checked. */
const META_RULES: Record<string, { required: boolean; valid(value: string): boolean; what: string }> = {
  id: { required: true, valid: (v) => UUID.test(v), what: 'a repository id (a UUID)' },
  created_at: {
    required: false,
    valid: (v) => ISO_TIME.test(v) && Number.isFinite(Date.parse(v)),
    what: 'a date and time (ISO 8601)',
  },
};

class SnapshotProblem extends Error {}

/** A value as a person reads it in a message: control characters escaped, cut at 80 characters. */
function shown(value: unknown): string {
  return shownText(typeof value === 'string' ? value : String(value));
}

/** The rule's own message, without its full stop (it is quoted inside a sentence of ours). */
const firstIssue = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  (result.error?.issues[0]?.message ?? 'invalid').replace(/\.$/, '');

// Schema ---------------------------------------------------------------------------------------------

interface SchemaObject {
  type: string;
  name: string;
  table: string;
  sql: string | null;
}

function schemaObjects(db: DatabaseSync): SchemaObject[] {
  return (
    db.prepare('SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema ORDER BY rowid').all() as Array<{
      type: string;
      name: string;
      tbl: string;
      sql: string | null;
    }>
  ).map((o) => ({ type: o.type, name: o.name, table: o.tbl, sql: o.sql }));
}

/** Columns of a table or an index, as text that two equal definitions share. */
function shapeOf(db: DatabaseSync, object: SchemaObject): string {
  const quoted = `"${object.name.replaceAll('"', '""')}"`;
  if (object.type === 'table') {
    const columns = db.prepare(`PRAGMA table_xinfo(${quoted})`).all() as Array<Record<string, unknown>>;
    return columns
      .map(
        (c) =>
          `${c.name} ${c.type} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk} hidden=${c.hidden}`,
      )
      .join(', ');
  }
  if (object.type === 'index') {
    const columns = db.prepare(`PRAGMA index_xinfo(${quoted})`).all() as Array<Record<string, unknown>>;
    return columns.map((c) => `${c.name} desc=${c.desc} key=${c.key}`).join(', ');
  }
  return object.sql ?? '';
}

const columnNames = (db: DatabaseSync, table: string) =>
  (db.prepare(`PRAGMA table_info("${table.replaceAll('"', '""')}")`).all() as Array<{ name: string }>).map(
    (c) => c.name,
  );

/** The schema a repository at `version` has, built by our own migrations in memory. */
function expectedSchema(version: number, migrations: readonly Migration[]): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  runMigrations(db, migrations.slice(0, version), 'repository');
  return db;
}

/** The first way the snapshot's schema differs from a repository's at its version, or null. */
function schemaProblem(source: DatabaseSync, expected: DatabaseSync, version: number): string | null {
  const theirs = schemaObjects(source);
  const ours = new Map(schemaObjects(expected).map((o) => [o.name, o]));
  // Triggers, views and virtual tables first: they are why a snapshot is dangerous, not just wrong.
  for (const o of theirs) {
    if (o.type === 'trigger')
      return `it has a trigger "${shown(o.name)}" on ${shown(o.table)}; a repository has none, and a trigger could change or swallow what clients write`;
    if (o.type === 'view') return `it has a view "${shown(o.name)}"; a repository has none`;
    if (o.type === 'table' && /^\s*create\s+virtual\s+table/i.test(o.sql ?? ''))
      return `it has a virtual table "${shown(o.name)}"; a repository has none`;
  }
  for (const o of theirs) {
    const mine = ours.get(o.name);
    if (!mine || mine.type !== o.type || mine.table !== o.table)
      return `it has a ${o.type} "${shown(o.name)}" that a repository does not have`;
    if (shapeOf(source, o) !== shapeOf(expected, mine)) {
      if (o.type !== 'table') return `its ${o.type} "${shown(o.name)}" is not defined as a repository's`;
      const got = columnNames(source, o.name);
      const want = columnNames(expected, o.name);
      return got.join(',') === want.join(',')
        ? `its table "${shown(o.name)}" has the columns of a repository, declared differently`
        : `its table "${shown(o.name)}" has the columns (${got.map(shown).join(', ')}) where a repository at schema ${version} has (${want.join(', ')})`;
    }
  }
  const names = new Set(theirs.map((o) => o.name));
  for (const mine of ours.values())
    if (!names.has(mine.name)) return `it lacks the ${mine.type} "${mine.name}"`;
  return null;
}

// Rows -----------------------------------------------------------------------------------------------

interface StoredRow {
  n: number;
  path: unknown;
  kind: unknown;
  encoding: unknown;
  type: string;
  size: number;
  version: unknown;
  updated_at: unknown;
  updated_by: unknown;
  replaced_at?: unknown;
  deleted?: unknown;
}

const isTime = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_TIME_MS;

/** The first problem of one item or revision row, by the rules a client's put must meet, or null. */
function rowProblem(row: StoredRow, revision: boolean): string | null {
  const what = `${revision ? 'revision' : 'item'} ${row.n}`;
  const path = ItemPath.safeParse(row.path);
  if (!path.success)
    return typeof row.path === 'string'
      ? `${what}: path '${shown(row.path)}' is not a valid item path (${firstIssue(path)})`
      : `${what}: its path is ${row.path === null ? 'missing' : `a ${typeof row.path}`}, not text`;
  const kind = ItemKind.safeParse(row.kind);
  if (!kind.success)
    return `${what} (${shown(row.path)}): kind '${shown(row.kind)}' is not a valid kind (${firstIssue(kind)})`;
  if (row.encoding !== 'utf8' && row.encoding !== 'binary')
    return `${what} (${shown(row.path)}): encoding '${shown(row.encoding)}' is neither "utf8" nor "binary"`;
  const expectedType = row.encoding === 'utf8' ? 'text' : 'blob';
  if (row.type !== expectedType)
    return `${what} (${shown(row.path)}): its content is ${row.type === 'null' ? 'missing' : row.type} but its encoding says ${row.encoding}`;
  if (row.size > MAX_ITEM_CONTENT_BYTES)
    return `${what} (${shown(row.path)}): its content is ${row.size} bytes; an item holds at most ${MAX_ITEM_CONTENT_BYTES}`;
  if (!Number.isSafeInteger(row.version) || (row.version as number) < 1)
    return `${what} (${shown(row.path)}): version ${shown(row.version)} is not a whole number of 1 or more`;
  if (!isTime(row.updated_at))
    return `${what} (${shown(row.path)}): updated_at ${shown(row.updated_at)} is not a time`;
  if (typeof row.updated_by !== 'string' || !ClientLabel.safeParse(row.updated_by).success)
    return `${what} (${shown(row.path)}): updated_by is not a client label (text of at most 200 characters)`;
  if (revision) {
    if (!isTime(row.replaced_at))
      return `${what} (${shown(row.path)}): replaced_at ${shown(row.replaced_at)} is not a time`;
    if (row.deleted !== 0 && row.deleted !== 1)
      return `${what} (${shown(row.path)}): deleted is ${shown(row.deleted)}, not 0 or 1`;
  }
  return null;
}

function copyMeta(source: DatabaseSync, target: DatabaseSync, uniqueId?: (id: string) => string): void {
  const stats = source
    .prepare(
      'SELECT count(*) AS n, max(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))) AS longest FROM meta',
    )
    .get() as { n: number; longest: number | null };
  if (stats.n > MAX_META_ROWS || (stats.longest ?? 0) > MAX_META_VALUE)
    throw new SnapshotProblem(`its meta table holds ${stats.n} rows or values longer than a repository's`);
  const rows = source.prepare('SELECT key, value FROM meta ORDER BY rowid').all() as Array<{
    key: unknown;
    value: unknown;
  }>;
  const insert = target.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  for (const { key, value } of rows) {
    const rule = typeof key === 'string' && Object.hasOwn(META_RULES, key) ? META_RULES[key] : undefined;
    if (!rule) throw new SnapshotProblem(`meta '${shown(key)}' is not a key a repository has`);
    if (typeof value !== 'string' || !rule.valid(value))
      throw new SnapshotProblem(`meta ${key}: '${shown(value)}' is not ${rule.what}`);
    insert.run(key as string, key === 'id' && uniqueId ? uniqueId(value) : value);
  }
  for (const [key, rule] of Object.entries(META_RULES))
    if (rule.required && !rows.some((r) => r.key === key))
      throw new SnapshotProblem(`meta ${key} is missing`);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The schema name the snapshot is attached under, on the target's connection. */
const SOURCE = 'untrusted';

/**
 * Copies one table's rows in batches, each checked first; returns how many were copied. The checks read
 * every column but the content (its type and size say what a rule needs); the content is then copied by
 * SQLite itself, from the attached snapshot, for exactly the rows just checked (the snapshot is
 * immutable): it never becomes a JavaScript value, so memory stays flat whatever the repository's size
 * (reading it into JS left up to V8's external-memory limit of dead buffers, and a batch of 500 rows
 * held them all at once — the note of #17 has the figures).
 */
async function copyRows(
  source: DatabaseSync,
  target: DatabaseSync,
  table: 'items' | 'revisions',
  options: RebuildOptions,
  progress: { done: number; total: number },
): Promise<number> {
  const revision = table === 'revisions';
  const key = revision ? 'id' : 'rowid';
  const extra = revision ? ', replaced_at, deleted' : '';
  // octet_length, not length(CAST(content AS BLOB)): SQLite answers it from the record header; the cast
  // copies the value.
  const page = source.prepare(
    `SELECT ${key} AS n, path, kind, encoding, version, updated_at, updated_by${extra},
            typeof(content) AS type, octet_length(content) AS size
     FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`,
  );
  const columns = revision
    ? 'id, path, kind, content, encoding, version, updated_at, updated_by, replaced_at, deleted'
    : 'path, kind, content, encoding, version, updated_at, updated_by';
  const copy = target.prepare(
    `INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM ${SOURCE}.${table}
     WHERE ${key} > ? AND ${key} <= ? ORDER BY ${key}`,
  );
  const copyOne = target.prepare(
    `INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM ${SOURCE}.${table} WHERE ${key} = ?`,
  );
  const what = revision ? 'revision' : 'item';
  let copied = 0;
  let last = 0;
  for (;;) {
    // Checked first, the whole batch: a refused row stops everything before its content is read.
    const rows: StoredRow[] = [];
    let bytes = 0;
    for (const row of page.iterate(last, BATCH_ROWS) as Iterable<StoredRow>) {
      const problem = rowProblem(row, revision);
      if (problem) throw new SnapshotProblem(problem);
      rows.push(row);
      bytes += row.size;
      if (bytes > BATCH_BYTES) break;
    }
    if (rows.length === 0) return copied;
    const first = last;
    last = rows.at(-1)!.n;
    // A savepoint in the rebuild's one transaction (rebuildUntrustedSnapshot): a commit per batch would
    // sync the file hundreds of times.
    target.exec('SAVEPOINT batch');
    try {
      copy.run(first, last);
    } catch {
      // Which row: each again, alone, so the message names it (a hostile snapshot's rare case).
      target.exec('ROLLBACK TO batch');
      for (const row of rows) {
        try {
          copyOne.run(row.n);
        } catch (error) {
          // Nothing to undo here: a rebuild that fails is rolled back and removed whole.
          throw new SnapshotProblem(
            /UNIQUE/.test((error as Error).message)
              ? `${what} ${row.n}: path '${shown(row.path)}' appears twice`
              : `${what} ${row.n} cannot be stored (${(error as Error).message})`,
          );
        }
      }
    }
    target.exec('RELEASE batch');
    copied += rows.length;
    progress.done += rows.length;
    options.onRows?.(progress.done, progress.total);
    if (options.signal?.aborted) throw new AppFailure('CANCELLED', 'Cancelled; nothing was restored.');
    await yieldToEventLoop();
  }
}

/** fsync on the thread pool: the event loop keeps turning while the disk writes. */
async function syncFile(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The snapshot, read-only and immutable, as a schema of the target's connection (for copyRows). */
function attachUntrusted(target: DatabaseSync, file: string): void {
  target.prepare(`ATTACH DATABASE ? AS ${SOURCE}`).run(untrustedUrl(file).href);
}

const untrustedUrl = (file: string) => new URL(`${pathToFileURL(file).href}?immutable=1&mode=ro`);

function openUntrusted(file: string): DatabaseSync {
  // immutable: read as a plain file, no -wal or -shm beside it, no locks; defensive: no writes to the
  // schema, no double-quoted strings; trusted_schema off: functions in the schema are not run.
  const db = new DatabaseSync(untrustedUrl(file), { readOnly: true, defensive: true, allowExtension: false });
  try {
    db.exec('PRAGMA trusted_schema = OFF');
    db.exec('PRAGMA cell_size_check = ON');
    db.exec('PRAGMA mmap_size = 0');
    db.exec('PRAGMA query_only = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Checks the snapshot at `source` and builds `target`, a fresh repository database at the current schema
 * holding its rows. Throws INVALID_ARCHIVE naming the first problem (UNSUPPORTED_VERSION for a newer
 * schema), and leaves no target behind then.
 */
export async function rebuildUntrustedSnapshot(
  source: string,
  target: string,
  options: RebuildOptions,
): Promise<RebuiltSnapshot> {
  const migrations = options.migrations ?? repositoryMigrations;
  const latest = migrations.at(-1)!.version;
  const refuse = (why: string) =>
    new AppFailure(
      'INVALID_ARCHIVE',
      `${options.label}: the snapshot is not a repository this server can serve: ${why}.`,
    );
  let db: DatabaseSync;
  try {
    db = openUntrusted(source);
  } catch (error) {
    throw refuse(`SQLite cannot open it (${(error as Error).message})`);
  }
  let out: DatabaseSync | null = null;
  try {
    let version: number;
    try {
      version = schemaVersionOf(db);
      // Reading the schema is where a damaged file shows first.
      schemaObjects(db);
    } catch (error) {
      throw refuse(`SQLite cannot read it (${(error as Error).message})`);
    }
    if (version > latest)
      throw new AppFailure(
        'UNSUPPORTED_VERSION',
        `${options.label}: the snapshot was made by a newer version of Repository Server (schema version ${version}; ` +
          `this one reads up to ${latest}). Update the application to restore it.`,
      );
    if (version < 1) throw refuse(`its schema version is ${version}; a repository's is 1 or more`);
    const expected = expectedSchema(version, migrations);
    try {
      const problem = schemaProblem(db, expected, version);
      if (problem) throw refuse(problem);
    } finally {
      expected.close();
    }
    const keys = db.prepare('PRAGMA foreign_key_check').all();
    if (keys.length > 0) throw refuse(`it fails SQLite's foreign key check (${JSON.stringify(keys[0])})`);

    await ensureFreeSpace(path.dirname(target), fs.statSync(source).size, 'Rebuilding the snapshot');
    // The snapshot is attached to this connection too (copyRows): the same guards as openUntrusted's.
    out = new DatabaseSync(target, { defensive: true, allowExtension: false });
    out.exec('PRAGMA trusted_schema = OFF');
    out.exec('PRAGMA cell_size_check = ON');
    out.exec('PRAGMA mmap_size = 0');
    // No sync inside SQLite: a COMMIT's fsync of the whole rebuilt file ran on the main thread (88 ms
    // at 128 MB, seconds at 4 GB). The file is synced once, off the main thread, before it is returned
    // (and so before anything installs it); a crash before that leaves only a temp file to remove.
    out.exec('PRAGMA synchronous = OFF');
    runMigrations(out, migrations.slice(0, version), 'repository');
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const progress = { done: 0, total: count('items') + (options.includeHistory ? count('revisions') : 0) };
    try {
      attachUntrusted(out, source);
      // One transaction for every row (each batch a savepoint): synced once, at its COMMIT. Nothing else
      // uses this connection meanwhile, and a rebuild that fails is removed whole.
      out.exec('BEGIN');
      copyMeta(db, out, options.uniqueId);
      const items = await copyRows(db, out, 'items', options, progress);
      const revisions = options.includeHistory ? await copyRows(db, out, 'revisions', options, progress) : 0;
      out.exec('COMMIT');
      out.exec(`DETACH DATABASE ${SOURCE}`);
      // An older snapshot is brought up to date on our copy, by the same migrations as any repository.
      runMigrations(out, migrations, 'repository');
      const rebuilt = { schemaVersion: schemaVersionOf(out), sourceSchemaVersion: version, items, revisions };
      out.close();
      out = null;
      await syncFile(target);
      return rebuilt;
    } catch (error) {
      if (error instanceof SnapshotProblem) throw refuse(error.message);
      throw error;
    }
  } catch (error) {
    out?.close();
    out = null;
    for (const side of ['', '-journal', '-wal', '-shm']) fs.rmSync(target + side, { force: true });
    throw error;
  } finally {
    out?.close();
    db.close();
  }
}
