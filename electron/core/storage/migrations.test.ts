import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { CURRENT_SCHEMA_VERSION, migrate, repositoryMigrations } from './migrations';
import { runMigrations, schemaVersionOf, type Migration } from './migrations/runner';
import { openDatabase } from './open-database';
import { ServerDb } from './server-db';
import { serverMigrations } from './server-migrations';
import { BackupHistory } from '../backup/history';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempFile = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  dirs.push(dir);
  return path.join(dir, name);
};
const tables = (db: DatabaseSync) =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
const columns = (db: DatabaseSync, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

describe('repository migrations', () => {
  it('numbers the migrations 1, 2, 3… and CURRENT_SCHEMA_VERSION is the last', () => {
    expect(repositoryMigrations.map((m) => m.version)).toEqual(repositoryMigrations.map((_, i) => i + 1));
    expect(CURRENT_SCHEMA_VERSION).toBe(repositoryMigrations.length);
  });

  it('001-initial creates meta with an id, items and revisions on a fresh database', () => {
    const db = openDatabase(tempFile('fresh.sqlite'));
    runMigrations(db, repositoryMigrations.slice(0, 1), 'repository');
    expect(schemaVersionOf(db)).toBe(1);
    expect(tables(db)).toEqual(['items', 'meta', 'revisions']);
    expect(columns(db, 'items')).toEqual([
      'path',
      'kind',
      'content',
      'encoding',
      'version',
      'updated_at',
      'updated_by',
    ]);
    expect(columns(db, 'revisions')).toEqual([
      'id',
      'path',
      'kind',
      'content',
      'encoding',
      'version',
      'updated_at',
      'updated_by',
      'replaced_at',
      'deleted',
    ]);
    const id = db.prepare("SELECT value FROM meta WHERE key = 'id'").get() as { value: string };
    expect(id.value).toMatch(/^[0-9a-f-]{36}$/);
    // STRICT tables refuse a wrong type instead of storing it.
    expect(() =>
      db.prepare("INSERT INTO items VALUES ('p', 'k', 'c', 'utf8', 'one', 0, 't')").run(),
    ).toThrow();
    db.close();
  });

  it('002-time-indexes: an existing repository keeps its rows, and "last modified" reads an index, not every row', () => {
    const db = openDatabase(tempFile('v1.sqlite'));
    runMigrations(db, repositoryMigrations.slice(0, 1), 'repository');
    db.prepare("INSERT INTO items VALUES ('a', 'data', 'x', 'utf8', 1, 1700000000000, 't')").run();
    runMigrations(db, repositoryMigrations.slice(0, 2), 'repository');
    expect(schemaVersionOf(db)).toBe(2);
    expect(db.prepare('SELECT path, updated_at FROM items').all()).toEqual([
      { path: 'a', updated_at: 1700000000000 },
    ]);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    // Repository.lastModified()'s query. A full scan would walk every large item's overflow pages to
    // reach updated_at (40 items of 15 MiB: 600 MiB read per summary, issue 12's load test).
    const lastModified = plan(
      'SELECT max(coalesce((SELECT max(updated_at) FROM items), 0), coalesce((SELECT max(replaced_at) FROM revisions), 0))',
    );
    expect(lastModified).toContain('SEARCH items USING COVERING INDEX items_by_updated_at');
    expect(lastModified).toContain('SEARCH revisions USING COVERING INDEX revisions_by_replaced_at');
    db.close();
  });

  it('migrate() is idempotent and leaves an up-to-date database alone', () => {
    const db = openDatabase(tempFile('again.sqlite'));
    expect(migrate(db)).toBe(CURRENT_SCHEMA_VERSION);
    const id = db.prepare("SELECT value FROM meta WHERE key = 'id'").get();
    expect(migrate(db)).toBe(CURRENT_SCHEMA_VERSION);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'id'").get()).toEqual(id);
    db.close();
  });

  it('rolls a failing step back and leaves the database at the previous version', () => {
    const db = openDatabase(tempFile('broken.sqlite'));
    const broken: Migration = {
      version: CURRENT_SCHEMA_VERSION + 1,
      name: 'broken',
      up(d) {
        d.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('step failed');
      },
    };
    expect(() => runMigrations(db, [...repositoryMigrations, broken], 'repository')).toThrow('step failed');
    expect(schemaVersionOf(db)).toBe(CURRENT_SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half_done');
    db.close();
  });

  it('refuses a database newer than the app', () => {
    const db = openDatabase(tempFile('future.sqlite'));
    db.exec('PRAGMA user_version = 99');
    expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    db.close();
  });
});

describe('server database', () => {
  it('each server migration runs on a fresh database; 001 creates the audit table', () => {
    expect(serverMigrations.map((m) => m.version)).toEqual(serverMigrations.map((_, i) => i + 1));
    for (let n = 1; n <= serverMigrations.length; n++) {
      const db = openDatabase(tempFile(`server-${n}.sqlite`));
      runMigrations(db, serverMigrations.slice(0, n), 'server database');
      expect(schemaVersionOf(db)).toBe(n);
      db.close();
    }
    const db = openDatabase(tempFile('server-1.sqlite'));
    runMigrations(db, serverMigrations.slice(0, 1), 'server database');
    expect(tables(db)).toContain('audit');
    expect(columns(db, 'audit')).toEqual(['id', 'at', 'action', 'target', 'detail']);
    db.close();
  });

  it('opens <dataDir>/server.sqlite, records audit entries, and reopens them', () => {
    const dataDir = path.dirname(tempFile('x'));
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
    const server = new ServerDb({ dataDir, clock });
    expect(server.file).toBe(path.join(dataDir, 'server.sqlite'));
    expect(server.schemaVersion()).toBe(serverMigrations.length);
    server.audit('repository.create', 'Login', { by: 'admin' });
    server.close();
    const again = new ServerDb({ dataDir, clock });
    expect(again.auditLog()).toEqual([
      {
        id: 1,
        at: expect.stringMatching(/^2026-03-01T/),
        action: 'repository.create',
        target: 'Login',
        detail: { by: 'admin' },
      },
    ]);
    again.close();
  });

  it('006 gives the history rows of before their repository key: found by any spelling of the name', () => {
    const file = tempFile('server.sqlite');
    const old = openDatabase(file);
    runMigrations(old, serverMigrations.slice(0, 5), 'server database');
    const insert = old.prepare(
      `INSERT INTO backup_history (kind, trigger, repository, started_at, finished_at, status)
       VALUES ('backup', 'schedule', ?, ?, ?, ?)`,
    );
    insert.run('Café', 1, 2, 'ok');
    insert.run('Cafe\u0301', 3, 4, 'failed');
    insert.run('Login', 5, 6, 'ok');
    insert.run(null, 7, 8, 'ok');
    old.close();
    const server = new ServerDb({ dataDir: path.dirname(file), clock: new FakeClock(10) });
    expect(server.schemaVersion()).toBe(6);
    const history = new BackupHistory(server.db, new FakeClock(10));
    expect(history.list({ repository: 'CAFÉ' }).map((h) => h.status)).toEqual(['failed', 'ok']);
    expect(history.list({ repository: 'login' })).toHaveLength(1);
    // A row written now is found the same way.
    history.begin({ kind: 'backup', trigger: 'manual', repository: 'cafe\u0301', file: null });
    expect(history.list({ repository: 'Café' }).map((h) => h.status)).toEqual(['running', 'failed', 'ok']);
    const plan = server.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM backup_history WHERE repository_name_key = ? ORDER BY id DESC`,
      )
      .all('café') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('backup_history_by_repository_key');
    server.close();
  });
});
