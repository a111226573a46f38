import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { CURRENT_SCHEMA_VERSION } from './migrations';
import { RepositoryStore } from './repository-store';

const dirs: string[] = [];
const stores: RepositoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.closeAll();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function makeStore(clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'))) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  dirs.push(dataDir);
  const store = new RepositoryStore({ dataDir, clock });
  stores.push(store);
  return { store, dataDir, clock };
}

const dbFiles = (dataDir: string) =>
  fs
    .readdirSync(path.join(dataDir, 'repositories'))
    .filter((f) => f.endsWith('.sqlite'))
    .sort();
const FILE_BY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.sqlite$/;

describe('RepositoryStore', () => {
  it('creates a repository as a SQLite file named by a stable id, in WAL mode, and lists it by name', () => {
    const { store, dataDir } = makeStore();
    const repo = store.create('Login Tests');
    expect(dbFiles(dataDir)).toEqual([path.basename(store.pathOf('Login Tests'))]);
    expect(path.basename(store.pathOf('login tests'))).toMatch(FILE_BY_ID);
    expect(repo.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(repo.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
    expect((repo.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe(
      'wal',
    );
    expect((repo.db.prepare('PRAGMA busy_timeout').get() as { timeout: number }).timeout).toBeGreaterThan(0);

    repo.put({ path: 'modules/login', kind: 'module', content: 'step 1', updatedBy: 'alice' });
    const [summary] = store.list();
    expect(summary).toMatchObject({
      name: 'Login Tests',
      id: repo.id,
      itemCount: 1,
      revisionCount: 0,
      createdAt: expect.stringMatching(/^2026-03-01T/),
      lastModified: expect.stringMatching(/^2026-03-01T/),
    });
    expect(summary!.sizeBytes).toBeGreaterThan(0);
  });

  it("a repository's size is its database once, not its file plus a WAL holding the same pages", () => {
    const { store } = makeStore();
    const repo = store.create('Sized');
    for (let i = 0; i < 40; i++)
      repo.put({ path: `data/${i}`, kind: 'data', content: 'x'.repeat(8 * 1024), updatedBy: 'alice' });
    const file = store.pathOf('Sized');
    const onDisk = fs.statSync(file).size + fs.statSync(file + '-wal').size;
    // Another connection sees the database as a snapshot copies it.
    const other = new DatabaseSync(file, { readOnly: true });
    const pages = (other.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    const pageSize = (other.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
    other.close();
    const [summary] = store.list();
    expect(summary!.sizeBytes).toBe(pages * pageSize);
    // 40 items of 8 KiB: at least their bytes, and less than the files' sum (the WAL repeats pages).
    expect(summary!.sizeBytes).toBeGreaterThan(40 * 8 * 1024);
    expect(summary!.sizeBytes).toBeLessThan(onDisk);
  });

  it('matches names case-insensitively and refuses a duplicate in any case', () => {
    const { store } = makeStore();
    store.create('Payments');
    expect(store.resolve('payments')).toBe('Payments');
    expect(store.resolve('PAYMENTS')).toBe('Payments');
    expect(store.resolve('other')).toBeNull();
    expect(() => store.create('PAYMENTS')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(store.open('payments')).toBe(store.open('Payments'));
  });

  it('takes names in any script, stores them in NFC, and refuses a duplicate in another case or normal form', () => {
    const { store, dataDir } = makeStore();
    const names = ['Тесты входа', '日本語', 'हिन्दी परीक्षण', 'اختبارات الدفع', 'Ελληνικά', 'Café 2']; // as typed
    for (const name of names) store.create(name);
    expect(dbFiles(dataDir)).toHaveLength(names.length);
    for (const file of dbFiles(dataDir)) expect(file).toMatch(FILE_BY_ID);
    expect(
      store
        .list()
        .map((r) => r.name)
        .sort(),
    ).toEqual([...names].sort());

    const duplicates = ['ТЕСТЫ ВХОДА', 'тесты входа', 'Cafe\u0301 2', 'CAFÉ 2', 'ελληνικά', 'ΕΛΛΗΝΙΚΆ'];
    for (const name of duplicates)
      expect(() => store.create(name), name).toThrow(
        expect.objectContaining({
          code: 'ALREADY_EXISTS',
          message: expect.stringContaining('already exists'),
        }),
      );
    // "é" typed as e + combining accent (NFD, as macOS file names and some keyboards give it) is stored as NFC.
    const decomposed = store.create('Re\u0301sume\u0301');
    expect(decomposed.name).toBe('R\u00e9sum\u00e9');
    expect(store.resolve('RÉSUMÉ')).toBe('R\u00e9sum\u00e9');
    // Full-width Latin (what a Japanese input method gives) is the same name as its ASCII spelling.
    expect(() => store.create('ＣＡＦＥ 2')).not.toThrow();
    expect(() => store.create('Cafe 2')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
  });

  it.each([
    ['a/b', 'letters and digits'],
    ['a\\b', 'letters and digits'],
    ['..', 'cannot start with a dot'],
    ['../escape', 'letters and digits'],
    ['nul\u0000byte', 'letters and digits'],
    ['tab\there', 'letters and digits'],
    ['right\u202Eto-left', 'letters and digits'],
    ['emoji 🎉', 'letters and digits'],
    ['x'.repeat(65), 'at most 64'],
    ['日'.repeat(65), 'at most 64'],
    ['\u{20000}'.repeat(64), 'too long for a file name'],
    ['\u0301accent first', 'combining mark'],
    ['CON', 'reserved by Windows'],
    ['lpt1.txt', 'reserved by Windows'],
    ['', 'Enter a repository name'],
    [' leading', 'cannot start'],
    ['trailing.', 'cannot end'],
  ])('refuses the name %j with a clear message, and writes nothing', (name, message) => {
    const { store, dataDir } = makeStore();
    let error: unknown;
    try {
      store.create(name);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
    expect(fs.readdirSync(path.join(dataDir, 'repositories'))).toEqual([]);
    expect(store.list()).toEqual([]);
  });

  it('accepts names of exactly 64 characters, counted as a person counts them', () => {
    const { store } = makeStore();
    const name = 'Team A_b-c.d ' + 'x'.repeat(51);
    expect(name).toHaveLength(64);
    expect(store.create(name).name).toBe(name);
    const japanese = '日'.repeat(64);
    expect(store.create(japanese).name).toBe(japanese);
  });

  it('renames in the catalog only: no file moves, the id and items stay, and a clash is refused', () => {
    const { store, dataDir } = makeStore();
    const repo = store.create('Old');
    repo.put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    store.create('Taken');
    const filesBefore = dbFiles(dataDir);
    expect(() => store.rename('Old', 'taken')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(() => store.rename('Old', 'bad/name')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => store.rename('Missing', 'X')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));

    store.rename('old', 'Новое имя');
    expect(store.resolve('Old')).toBeNull();
    const renamed = store.open('НОВОЕ ИМЯ');
    expect(renamed.name).toBe('Новое имя');
    expect(renamed.id).toBe(repo.id);
    expect(renamed.get('a')?.content).toBe('x');
    expect(repo.isClosed).toBe(true);
    expect(dbFiles(dataDir)).toEqual(filesBefore);

    store.rename('новое имя', 'НОВОЕ ИМЯ'); // only the case changes
    expect(store.resolve('новое имя')).toBe('НОВОЕ ИМЯ');
    expect(store.open('НОВОЕ ИМЯ').id).toBe(repo.id);
    expect(dbFiles(dataDir)).toEqual(filesBefore);
  });

  it('deletes a repository and every file beside it', () => {
    const { store, dataDir } = makeStore();
    store.create('Gone').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    store.delete('gone');
    expect(store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'repositories'))).toEqual([]);
    expect(() => store.open('Gone')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => store.delete('Gone')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('installs a database file as a new repository or in place of an existing one', () => {
    const { store, dataDir } = makeStore();
    const original = store.create('Target');
    original.put({ path: 'old', kind: 'data', content: 'old', updatedBy: 't' });
    const targetFile = store.pathOf('Target');

    // A snapshot of another repository, written as restore would: a closed file in the data directory.
    const donor = store.create('Donor');
    donor.put({ path: 'fresh', kind: 'data', content: 'fresh', updatedBy: 't' });
    const snapshot = path.join(dataDir, 'snapshot.sqlite');
    donor.db.exec(`VACUUM INTO '${snapshot}'`);

    const installed = store.install('target', snapshot);
    expect(installed.name).toBe('Target');
    expect(installed.id).toBe(donor.id);
    expect(installed.get('fresh')?.content).toBe('fresh');
    expect(installed.get('old')).toBeNull();
    expect(original.isClosed).toBe(true);
    expect(fs.existsSync(snapshot)).toBe(false);
    expect(store.pathOf('Target')).toBe(targetFile);

    const second = path.join(dataDir, 'second.sqlite');
    donor.db.exec(`VACUUM INTO '${second}'`);
    expect(store.install('Brand New', second).get('fresh')?.content).toBe('fresh');
    expect(store.list().map((r) => r.name)).toEqual(['Brand New', 'Donor', 'Target']);
    expect(dbFiles(dataDir)).toHaveLength(3);
  });

  it('refuses to install a file that is not a repository database, leaving the old one untouched', () => {
    const { store, dataDir } = makeStore();
    store.create('Keep').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    const junk = path.join(dataDir, 'junk.sqlite');
    fs.writeFileSync(junk, 'this is not a database at all, just text');
    expect(() => store.install('Keep', junk)).toThrow();
    expect(() => store.install('New one', junk)).toThrow();
    expect(store.open('Keep').get('a')?.content).toBe('x');
    expect(store.list().map((r) => r.name)).toEqual(['Keep']);
  });

  it('refuses a database from a newer app version instead of touching it; the others are still listed', () => {
    const { store } = makeStore();
    store.create('Future');
    const file = store.pathOf('Future');
    store.closeAll();
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${CURRENT_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => store.open('Future')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    store.create('Fine');
    expect(store.list().map((r) => r.name)).toEqual(['Fine']);
  });

  it('says a database file is missing instead of opening an empty repository in its place', () => {
    const { store } = makeStore();
    store.create('Lost').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    const file = store.pathOf('Lost');
    store.closeAll();
    fs.rmSync(file);
    expect(() => store.open('Lost')).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('is missing') }),
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('ignores files in the folder that are not repositories', () => {
    const { store } = makeStore();
    fs.writeFileSync(path.join(store.repositoriesDir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(store.repositoriesDir, '.hidden.sqlite'), '');
    store.create('Real');
    expect(store.list().map((r) => r.name)).toEqual(['Real']);
  });

  it('lists in the same order on every machine, numbers by value', () => {
    const { store } = makeStore();
    for (const name of ['run 10', 'Run 2', 'alpha', 'Ärger', 'zebra']) store.create(name);
    expect(store.list().map((r) => r.name)).toEqual(['alpha', 'Ärger', 'Run 2', 'run 10', 'zebra']);
  });
});

describe('RepositoryStore after a crash', () => {
  const reopen = (dataDir: string) => {
    const store = new RepositoryStore({ dataDir, clock: new FakeClock(0) });
    stores.push(store);
    return store;
  };
  const catalogOf = (dataDir: string) => new DatabaseSync(path.join(dataDir, 'server.sqlite'));

  it('undoes a create that did not finish: neither the name nor a half-made file is left', () => {
    const { store, dataDir } = makeStore();
    store.create('Kept');
    const file = store.pathOf('Kept');
    store.closeAll();
    // As if the process died between claiming the name and writing the database: row, journal, a stub.
    const db = catalogOf(dataDir);
    db.prepare("INSERT INTO repositories VALUES ('half-made', 'Half', 'half', NULL)").run();
    db.prepare("INSERT INTO storage_journal VALUES ('half-made', 'create', 0)").run();
    db.close();
    fs.writeFileSync(path.join(dataDir, 'repositories', 'half-made.sqlite'), '');

    const again = reopen(dataDir);
    expect(again.list().map((r) => r.name)).toEqual(['Kept']);
    expect(dbFiles(dataDir)).toEqual([path.basename(file)]);
    expect(again.create('Half').name).toBe('Half');
  });

  it('completes a delete that did not finish, and removes our own temp files', () => {
    const { store, dataDir } = makeStore();
    store.create('Doomed').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    const file = store.pathOf('Doomed');
    const fileId = path.basename(file, '.sqlite');
    store.closeAll();
    const db = catalogOf(dataDir);
    db.prepare('DELETE FROM repositories WHERE file_id = ?').run(fileId);
    db.prepare("INSERT INTO storage_journal VALUES (?, 'delete', 0)").run(fileId);
    db.close();
    fs.writeFileSync(path.join(dataDir, 'repositories', '.installing-123.sqlite'), 'partial copy');

    reopen(dataDir);
    expect(fs.readdirSync(path.join(dataDir, 'repositories'))).toEqual([]);
  });
});

describe('RepositoryStore leases', () => {
  it('refuse rename and delete with BUSY and the purpose until released; other repositories are free', () => {
    const { store } = makeStore();
    store.create('Busy');
    store.create('Free');
    const release = store.lease('busy', 'a backup of "Busy" is running');
    expect(() => store.rename('Busy', 'Other')).toThrow(
      expect.objectContaining({
        code: 'BUSY',
        message: expect.stringContaining('a backup of "Busy" is running'),
      }),
    );
    expect(() => store.delete('BUSY')).toThrow(expect.objectContaining({ code: 'BUSY' }));
    store.rename('Free', 'Freed');
    expect(() => store.lease('Missing', 'x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    release();
    release();
    store.rename('Busy', 'Calm');
    store.delete('Calm');
    expect(store.list().map((r) => r.name)).toEqual(['Freed']);
  });
});
