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

describe('RepositoryStore', () => {
  it('creates a repository as its own SQLite file in WAL mode and lists it', () => {
    const { store, dataDir } = makeStore();
    const repo = store.create('Login Tests');
    expect(fs.existsSync(path.join(dataDir, 'repositories', 'Login Tests.sqlite'))).toBe(true);
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

  it('matches names case-insensitively and refuses a duplicate in any case', () => {
    const { store } = makeStore();
    store.create('Payments');
    expect(store.resolve('payments')).toBe('Payments');
    expect(store.resolve('PAYMENTS')).toBe('Payments');
    expect(store.resolve('other')).toBeNull();
    expect(() => store.create('PAYMENTS')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(store.open('payments')).toBe(store.open('Payments'));
  });

  it.each([
    ['a/b', 'letters, digits'],
    ['a\\b', 'letters, digits'],
    ['..', 'cannot start with a dot'],
    ['../escape', 'letters, digits'],
    ['nul\u0000byte', 'letters, digits'],
    ['x'.repeat(65), 'at most 64'],
    ['CON', 'reserved by Windows'],
    ['lpt1.txt', 'reserved by Windows'],
    ['', 'Enter a repository name'],
    [' leading', 'cannot start'],
  ])('refuses the name %j with a clear message', (name, message) => {
    const { store, dataDir } = makeStore();
    let error: unknown;
    try {
      store.create(name);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
    expect(fs.readdirSync(path.join(dataDir, 'repositories'))).toEqual([]);
    expect(fs.readdirSync(dataDir)).toEqual(['repositories']);
  });

  it('accepts a name of exactly 64 characters with spaces, dots, dashes and underscores', () => {
    const { store } = makeStore();
    const name = 'Team A_b-c.d ' + 'x'.repeat(51);
    expect(name).toHaveLength(64);
    expect(store.create(name).name).toBe(name);
  });

  it('renames a repository, keeping its id and items, and refuses a clash', () => {
    const { store, dataDir } = makeStore();
    const repo = store.create('Old');
    repo.put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    store.create('Taken');
    expect(() => store.rename('Old', 'taken')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(() => store.rename('Old', 'bad/name')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => store.rename('Missing', 'X')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));

    store.rename('old', 'New');
    expect(store.resolve('Old')).toBeNull();
    const renamed = store.open('New');
    expect(renamed.id).toBe(repo.id);
    expect(renamed.get('a')?.content).toBe('x');
    expect(repo.isClosed).toBe(true);
    expect(
      fs
        .readdirSync(path.join(dataDir, 'repositories'))
        .filter((f) => f.endsWith('.sqlite'))
        .sort(),
    ).toEqual(['New.sqlite', 'Taken.sqlite']);

    store.rename('new', 'NEW'); // only the case changes
    expect(store.resolve('new')).toBe('NEW');
    expect(store.open('NEW').id).toBe(repo.id);
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

    const second = path.join(dataDir, 'second.sqlite');
    donor.db.exec(`VACUUM INTO '${second}'`);
    expect(store.install('Brand New', second).get('fresh')?.content).toBe('fresh');
    expect(store.list().map((r) => r.name)).toEqual(['Brand New', 'Donor', 'Target']);
  });

  it('refuses to install a file that is not a repository database, leaving the old one untouched', () => {
    const { store, dataDir } = makeStore();
    store.create('Keep').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 't' });
    const junk = path.join(dataDir, 'junk.sqlite');
    fs.writeFileSync(junk, 'this is not a database at all, just text');
    expect(() => store.install('Keep', junk)).toThrow();
    expect(store.open('Keep').get('a')?.content).toBe('x');
  });

  it('refuses a database from a newer app version instead of touching it', () => {
    const { store } = makeStore();
    const file = store.pathOf('Future');
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${CURRENT_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => store.open('Future')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    // The other repositories are still listed.
    store.create('Fine');
    expect(store.list().map((r) => r.name)).toEqual(['Fine']);
  });

  it('ignores files in the folder that are not repositories', () => {
    const { store } = makeStore();
    fs.writeFileSync(path.join(store.repositoriesDir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(store.repositoriesDir, '.hidden.sqlite'), '');
    store.create('Real');
    expect(store.list().map((r) => r.name)).toEqual(['Real']);
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
