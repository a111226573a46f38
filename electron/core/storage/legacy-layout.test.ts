import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { adoptLegacyFiles } from './legacy-layout';
import { migrate } from './migrations';
import { openDatabase } from './open-database';
import { RepositoryCatalog } from './repository-catalog';
import { RepositoryStore } from './repository-store';
import { ServerDb } from './server-db';

// A data directory written before the catalog: `repositories/<name>.sqlite`, names in file names only.

const dirs: string[] = [];
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));

function oldDataDir(): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'legacy-'));
  dirs.push(dataDir);
  fs.mkdirSync(path.join(dataDir, 'repositories'));
  return dataDir;
}

/** An old repository file with items; `keepWal` leaves its last writes in the WAL, as a crash would. */
function writeOldRepository(dataDir: string, name: string, items: string[], keepWal = false): void {
  const file = path.join(dataDir, 'repositories', `${name}.sqlite`);
  const source = keepWal ? path.join(dataDir, `source-${items.length}.sqlite`) : file;
  const db = openDatabase(source);
  migrate(db);
  db.exec('PRAGMA wal_autocheckpoint = 0');
  for (const item of items)
    db.prepare(
      "INSERT INTO items (path, kind, content, encoding, version, updated_at, updated_by) VALUES (?, 'data', ?, 'utf8', 1, 0, 'old')",
    ).run(item, `content of ${item}`);
  if (keepWal) {
    // Copied while the connection is open: the items are only in the -wal file beside it.
    fs.copyFileSync(source, file);
    fs.copyFileSync(source + '-wal', file + '-wal');
  }
  db.close();
}

const open = (dataDir: string) => {
  const store = new RepositoryStore({ dataDir, clock, logger: { warn: () => {} } });
  closers.push(() => store.closeAll());
  return store;
};

const dbFiles = (dataDir: string) =>
  fs
    .readdirSync(path.join(dataDir, 'repositories'))
    .filter((f) => f.endsWith('.sqlite'))
    .sort();

describe('an old data directory (repositories/<name>.sqlite)', () => {
  it('keeps every repository and its items, renames the files to ids once, and lists the same names', () => {
    const dataDir = oldDataDir();
    writeOldRepository(dataDir, 'Login Tests', ['modules/login', 'modules/logout']);
    writeOldRepository(dataDir, 'payments.v2', ['data/cards'], true);
    fs.writeFileSync(path.join(dataDir, 'repositories', 'notes.txt'), 'not a repository');

    const store = open(dataDir);
    expect(store.list().map((r) => [r.name, r.itemCount])).toEqual([
      ['Login Tests', 2],
      ['payments.v2', 1],
    ]);
    expect(store.open('PAYMENTS.V2').get('data/cards')?.content).toBe('content of data/cards');
    const files = dbFiles(dataDir);
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/^[0-9a-f-]{36}\.sqlite$/);
    expect(fs.existsSync(path.join(dataDir, 'repositories', 'notes.txt'))).toBe(true);
    store.closeAll();

    // The second start finds nothing more to do.
    const again = open(dataDir);
    expect(again.list().map((r) => r.name)).toEqual(['Login Tests', 'payments.v2']);
    expect(dbFiles(dataDir)).toEqual(files);
  });

  it('two files differing only in case (possible on Linux) both stay, the second under a free name', () => {
    const dataDir = oldDataDir();
    writeOldRepository(dataDir, 'Orders', ['a']);
    writeOldRepository(dataDir, 'orders', ['b', 'c']);
    const warnings: string[] = [];
    const store = new RepositoryStore({ dataDir, clock, logger: { warn: (m: string) => warnings.push(m) } });
    closers.push(() => store.closeAll());
    expect(store.list().map((r) => [r.name, r.itemCount])).toEqual([
      ['Orders', 1],
      ['orders-2', 2],
    ]);
    expect(warnings.join('\n')).toContain('"orders-2"');
  });

  it('a file whose name is no repository name is left alone and not listed', () => {
    const dataDir = oldDataDir();
    writeOldRepository(dataDir, 'Fine', ['a']);
    fs.writeFileSync(path.join(dataDir, 'repositories', 'CON.sqlite'), '');
    const store = open(dataDir);
    expect(store.list().map((r) => r.name)).toEqual(['Fine']);
    expect(fs.existsSync(path.join(dataDir, 'repositories', 'CON.sqlite'))).toBe(true);
  });

  it('a crash after the names were recorded but before the files moved: the next start finishes the moves', () => {
    const dataDir = oldDataDir();
    writeOldRepository(dataDir, 'Halfway', ['x', 'y'], true);
    // Only the first step, as if the process died right after it.
    const serverDb = new ServerDb({ dataDir, clock });
    adoptLegacyFiles(path.join(dataDir, 'repositories'), new RepositoryCatalog(serverDb.db), console);
    serverDb.close();
    expect(dbFiles(dataDir)).toEqual(['Halfway.sqlite']);

    const store = open(dataDir);
    expect(store.list().map((r) => [r.name, r.itemCount])).toEqual([['Halfway', 2]]);
    expect(dbFiles(dataDir)).toEqual([path.basename(store.pathOf('Halfway'))]);
  });

  it('a crash between moving the WAL and moving the database: nothing written is lost', () => {
    const dataDir = oldDataDir();
    writeOldRepository(dataDir, 'Split', ['p', 'q', 'r'], true);
    const serverDb = new ServerDb({ dataDir, clock });
    const catalog = new RepositoryCatalog(serverDb.db);
    adoptLegacyFiles(path.join(dataDir, 'repositories'), catalog, console);
    const [entry] = catalog.all();
    serverDb.close();
    const dir = path.join(dataDir, 'repositories');
    fs.renameSync(path.join(dir, 'Split.sqlite-wal'), path.join(dir, `${entry!.fileId}.sqlite-wal`));

    const store = open(dataDir);
    expect(store.open('split').counts().items).toBe(3);
  });

  it('a database newer than this app is refused as before, not adopted into a broken state', () => {
    const dataDir = oldDataDir();
    const db = new DatabaseSync(path.join(dataDir, 'repositories', 'Future.sqlite'));
    db.exec('PRAGMA user_version = 99');
    db.close();
    const store = open(dataDir);
    expect(store.list()).toEqual([]);
    expect(() => store.open('Future')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
});
