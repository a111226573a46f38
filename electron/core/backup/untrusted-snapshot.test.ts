import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../shared/contract/archives';
import { repositoryMigrations } from '../storage/migrations';
import type { Migration } from '../storage/migrations/runner';
import { checkSnapshot, openArchive } from './archive-reader';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { backupFixture, contentsOf, fill, tempDir } from './test-support';
import { BATCH_BYTES, rebuildUntrustedSnapshot } from './untrusted-snapshot';
import { buildZip } from './zip-fixture';

// Archives whose checksums are right but whose SQLite snapshot is hostile or malformed. Each is made
// here from a real export: the snapshot is taken out, tampered with, and zipped again with a manifest
// whose sizes, SHA-256 and counts are correct, so only the snapshot's contents can give it away.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

let realSnapshot: Buffer;
let realManifest: ManifestV1;

beforeAll(async () => {
  const t = backupFixture(cleanups);
  fill(t.store.create('Alpha'));
  const result = await t.service.backupRepository({
    repository: 'Alpha',
    destination: { kind: 'folder', folder: t.out },
    compression: 'fast',
  });
  realManifest = await t.service.readManifest(result.file);
  const archive = await openArchive(result.file);
  const extracted = path.join(t.out, 'snapshot.sqlite');
  try {
    await checkSnapshot(archive, extracted);
  } finally {
    archive.close();
  }
  realSnapshot = fs.readFileSync(extracted);
  cleanups.splice(0).forEach((c) => c());
});

/** A real export's snapshot after `tamper`, zipped with a manifest that tells the truth about it. */
function hostileArchive<T>(dir: string, tamper: (db: DatabaseSync) => T): { zip: string; tampered: T } {
  const file = path.join(dir, 'snapshot.sqlite');
  fs.writeFileSync(file, realSnapshot);
  const db = new DatabaseSync(file);
  const tampered = tamper(db);
  db.close();
  const facts = new DatabaseSync(file, { readOnly: true });
  const count = (table: string) => {
    try {
      return (facts.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } catch {
      return 0;
    }
  };
  const manifest: ManifestV1 = {
    ...realManifest,
    schemaVersion: (facts.prepare('PRAGMA user_version').get() as { user_version: number }).user_version,
    itemCount: count('items'),
    revisionCount: count('revisions'),
  };
  facts.close();
  const bytes = fs.readFileSync(file);
  manifest.entries = [
    { name: SNAPSHOT_ENTRY, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
  ];
  const zip = path.join(dir, 'hostile.zip');
  fs.writeFileSync(
    zip,
    buildZip([
      { name: SNAPSHOT_ENTRY, data: bytes },
      { name: MANIFEST_ENTRY, data: Buffer.from(JSON.stringify(manifest)) },
    ]),
  );
  fs.rmSync(file);
  return { zip, tampered };
}

/** Every file under the repositories folder, with its SHA-256: what "byte for byte unchanged" compares. */
function repositoryBytes(dataDir: string): Record<string, string> {
  const dir = path.join(dataDir, 'repositories');
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(fs.readFileSync(path.join(dir, f)))
          .digest('hex'),
      ]),
  );
}

/**
 * Imports the archive over an existing "Alpha" with replace, merge and rename: each is refused with
 * `code` and exactly `problem` after the archive's name, and the existing repository keeps every byte.
 */
async function expectRefused<T>(
  tamper: (db: DatabaseSync) => T,
  code: string,
  problem: string | ((tampered: T) => string),
) {
  const t = backupFixture(cleanups);
  const repo = t.store.create('Alpha');
  repo.put({ path: 'mine', kind: 'data', content: 'keep me', updatedBy: 'x' });
  const before = contentsOf(repo);
  t.store.closeAll(); // every byte on disk, nothing left in a WAL
  const bytesBefore = repositoryBytes(t.dataDir);
  const { zip: file, tampered } = hostileArchive(tempDir('hostile-snapshot'), tamper);
  cleanups.push(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
  const first = typeof problem === 'function' ? problem(tampered) : problem;
  const expected =
    code === 'UNSUPPORTED_VERSION'
      ? `${file}: ${first}`
      : `${file}: the snapshot is not a repository this server can serve: ${first}.`;

  // Its checksums are right: verification alone does not catch it.
  for (const onConflict of ['replace', 'merge', 'rename'] as const) {
    const result = await t.service.startImportJob({ file, onConflict, includeHistory: true }).done;
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({ code, message: expected });
  }
  expect(repositoryBytes(t.dataDir)).toEqual(bytesBefore);
  expect(t.store.list().map((r) => r.name)).toEqual(['Alpha']);
  expect(contentsOf(t.store.open('Alpha'))).toEqual(before);
  const tmp = path.join(t.dataDir, 'tmp');
  expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
}

const insertItem = (db: DatabaseSync, itemPath: string, over: Record<string, unknown> = {}) =>
  Number(
    db
      .prepare(
        'INSERT INTO items (path, kind, content, encoding, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        itemPath,
        (over.kind ?? 'module') as string,
        (over.content ?? 'evil') as string,
        (over.encoding ?? 'utf8') as string,
        (over.version ?? 1) as number,
        (over.updated_at ?? 1_700_000_000_000) as number,
        (over.updated_by ?? 'attacker') as string,
      ).lastInsertRowid,
  );

describe('a hostile snapshot is refused, naming its first problem, and the existing repository is unchanged', () => {
  it('the expected table names with the wrong columns', async () => {
    await expectRefused(
      (db) => db.exec('DROP TABLE items; CREATE TABLE items (path TEXT PRIMARY KEY, body TEXT)'),
      'INVALID_ARCHIVE',
      'its table "items" has the columns (path, body) where a repository at schema 3 has (path, kind, content, encoding, version, updated_at, updated_by)',
    );
  });

  it('an item path the protocol would refuse (../../../../etc/evil_item)', async () => {
    await expectRefused(
      (db) => insertItem(db, '../../../../etc/evil_item'),
      'INVALID_ARCHIVE',
      (n) =>
        `item ${n}: path '../../../../etc/evil_item' is not a valid item path (path must be relative, like "modules/login", with no empty, "." or ".." segments)`,
    );
  });

  it('an item path with a control character, shown escaped', async () => {
    await expectRefused(
      (db) => insertItem(db, 'modules/bell\u0007name'),
      'INVALID_ARCHIVE',
      (n) =>
        `item ${n}: path 'modules/bell\\u0007name' is not a valid item path (path must not contain control characters or "\\")`,
    );
  });

  it('metadata carrying SQL-looking text', async () => {
    await expectRefused(
      (db) =>
        db.prepare("UPDATE meta SET value = ? WHERE key = 'created_at'").run("2026'); DROP TABLE items; --"),
      'INVALID_ARCHIVE',
      "meta created_at: '2026'); DROP TABLE items; --' is not a date and time (ISO 8601)",
    );
    await expectRefused(
      (db) => db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run("x'; DELETE FROM items; --", '1'),
      'INVALID_ARCHIVE',
      "meta 'x'; DELETE FROM items; --' is not a key a repository has",
    );
  });

  it('a trigger that raises on every write', async () => {
    await expectRefused(
      (db) =>
        db.exec(
          "CREATE TRIGGER no_writes BEFORE INSERT ON items BEGIN SELECT RAISE(ABORT, 'read only'); END",
        ),
      'INVALID_ARCHIVE',
      'it has a trigger "no_writes" on items; a repository has none, and a trigger could change or swallow what clients write',
    );
  });

  it('a trigger that swallows writes (every put acknowledged, none stored)', async () => {
    await expectRefused(
      (db) =>
        db.exec(`CREATE TRIGGER swallow_insert BEFORE INSERT ON items BEGIN SELECT RAISE(IGNORE); END;
                 CREATE TRIGGER swallow_update BEFORE UPDATE ON items BEGIN SELECT RAISE(IGNORE); END;`),
      'INVALID_ARCHIVE',
      'it has a trigger "swallow_insert" on items; a repository has none, and a trigger could change or swallow what clients write',
    );
  });

  it('user_version 99: made by a newer version', async () => {
    await expectRefused(
      (db) => db.exec('PRAGMA user_version = 99'),
      'UNSUPPORTED_VERSION',
      'the snapshot was made by a newer version of Repository Server (schema version 99; this one reads up to 3). Update the application to restore it.',
    );
  });

  it('a view, an extra table and a missing index', async () => {
    await expectRefused(
      (db) => db.exec('CREATE VIEW everything AS SELECT * FROM items'),
      'INVALID_ARCHIVE',
      'it has a view "everything"; a repository has none',
    );
    await expectRefused(
      (db) => db.exec('CREATE TABLE extra (x)'),
      'INVALID_ARCHIVE',
      'it has a table "extra" that a repository does not have',
    );
    await expectRefused(
      (db) => db.exec('DROP INDEX revisions_by_path'),
      'INVALID_ARCHIVE',
      'it lacks the index "revisions_by_path"',
    );
  });

  it('rows that break the rules of a put: kind, encoding, version, size', async () => {
    await expectRefused(
      (db) => insertItem(db, 'modules/odd', { kind: 'Not A Kind' }),
      'INVALID_ARCHIVE',
      (n) =>
        `item ${n} (modules/odd): kind 'Not A Kind' is not a valid kind (kind must be 1–32 lowercase letters, digits, "-" or "_", such as "module")`,
    );
    await expectRefused(
      (db) => insertItem(db, 'modules/odd', { encoding: 'binary' }),
      'INVALID_ARCHIVE',
      (n) => `item ${n} (modules/odd): its content is text but its encoding says binary`,
    );
    await expectRefused(
      (db) => {
        // The schema's CHECK (version >= 1) holds only for writers that keep it on.
        db.exec('PRAGMA ignore_check_constraints = ON');
        return insertItem(db, 'modules/odd', { version: 0 });
      },
      'INVALID_ARCHIVE',
      (n) => `item ${n} (modules/odd): version 0 is not a whole number of 1 or more`,
    );
    await expectRefused(
      (db) => insertItem(db, 'modules/huge', { content: 'x'.repeat(16 * 1024 * 1024 + 1) }),
      'INVALID_ARCHIVE',
      (n) => `item ${n} (modules/huge): its content is 16777217 bytes; an item holds at most 16777216`,
    );
  });

  it('a revision row is checked as strictly as an item', async () => {
    await expectRefused(
      (db) =>
        Number(
          db
            .prepare(
              `INSERT INTO revisions (path, kind, content, encoding, version, updated_at, updated_by, replaced_at, deleted)
               VALUES ('/etc/passwd', 'module', 'x', 'utf8', 1, 1, 'a', 2, 0)`,
            )
            .run().lastInsertRowid,
        ),
      'INVALID_ARCHIVE',
      (n) =>
        `revision ${n}: path '/etc/passwd' is not a valid item path (path must be relative, like "modules/login", with no empty, "." or ".." segments)`,
    );
  });
});

describe('a sound snapshot', () => {
  it('is rebuilt row for row into a database of our own schema, without history when asked', async () => {
    const dir = tempDir('rebuild');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'source.sqlite');
    fs.writeFileSync(source, realSnapshot);
    const withHistory = await rebuildUntrustedSnapshot(source, path.join(dir, 'a.sqlite'), {
      includeHistory: true,
      label: 'x.zip',
    });
    expect(withHistory).toEqual({
      schemaVersion: 3,
      sourceSchemaVersion: 3,
      items: realManifest.itemCount,
      revisions: realManifest.revisionCount,
    });
    const rows = (file: string, sql: string) => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return db.prepare(sql).all();
      } finally {
        db.close();
      }
    };
    for (const sql of [
      'SELECT * FROM items ORDER BY path',
      'SELECT * FROM revisions ORDER BY id',
      'SELECT * FROM meta ORDER BY key',
    ])
      expect(rows(path.join(dir, 'a.sqlite'), sql)).toEqual(rows(source, sql));
    const without = await rebuildUntrustedSnapshot(source, path.join(dir, 'b.sqlite'), {
      includeHistory: false,
      label: 'x.zip',
    });
    expect(without.revisions).toBe(0);
    expect(rows(path.join(dir, 'b.sqlite'), 'SELECT count(*) AS n FROM revisions')).toEqual([{ n: 0 }]);
    // Read as an immutable file: nothing was written beside the source.
    expect(fs.readdirSync(dir).sort()).toEqual(['a.sqlite', 'b.sqlite', 'source.sqlite']);
  });

  it('gets the id uniqueId gives it for its own, and keeps every other meta value', async () => {
    const dir = tempDir('rebuild-id');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'source.sqlite');
    fs.writeFileSync(source, realSnapshot);
    const asked: string[] = [];
    await rebuildUntrustedSnapshot(source, path.join(dir, 'copy.sqlite'), {
      includeHistory: false,
      label: 'x.zip',
      uniqueId: (id) => (asked.push(id), '00000000-0000-4000-8000-000000000042'),
    });
    const meta = (file: string) => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return Object.fromEntries(
          (db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map(
            (r) => [r.key, r.value],
          ),
        );
      } finally {
        db.close();
      }
    };
    expect(asked).toEqual([realManifest.repository.id]);
    expect(meta(path.join(dir, 'copy.sqlite'))).toEqual({
      ...meta(source),
      id: '00000000-0000-4000-8000-000000000042',
    });
  });

  it('larger than a batch, is copied in steps with the event loop turning between them', async () => {
    // Each batch is one synchronous pause of the main thread, where other repositories' clients wait.
    const dir = tempDir('rebuild-steps');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'source.sqlite');
    fs.writeFileSync(source, realSnapshot);
    const db = new DatabaseSync(source);
    db.exec('DELETE FROM items; DELETE FROM revisions');
    const big = 'x'.repeat(BATCH_BYTES / 4);
    for (let i = 0; i < 24; i++) insertItem(db, `big/${i}`, { content: big + i });
    db.close();
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: Array<{ done: number; turns: number }> = [];
    const target = path.join(dir, 'rebuilt.sqlite');
    try {
      await rebuildUntrustedSnapshot(source, target, {
        includeHistory: true,
        label: 'x.zip',
        onRows: (done) => seen.push({ done, turns }),
      });
    } finally {
      ticking = false;
    }
    // 24 rows, 6 MB: far fewer rows than a batch may hold, but at least 4 steps by size, each after a
    // turn of the event loop.
    expect(seen.at(-1)!.done).toBe(24);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.turns).toBeGreaterThan(seen[i - 1]!.turns);
    const rows = (file: string) => {
      const d = new DatabaseSync(file, { readOnly: true });
      try {
        return d.prepare('SELECT * FROM items ORDER BY path').all();
      } finally {
        d.close();
      }
    };
    expect(rows(target)).toEqual(rows(source));
  });

  it('with one path stored twice (its index mended to hide it) is refused, and no file is left', async () => {
    // A crafted file: the table holds the same path twice, which a sound one cannot. The batch fails as
    // a whole; each row is then copied alone, in the batch's savepoint, so the message names the row.
    const dir = tempDir('rebuild-duplicate');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'source.sqlite');
    fs.writeFileSync(source, realSnapshot);
    const db = new DatabaseSync(source);
    insertItem(db, 'twice/AAAAAAAAAAAAAAAA-1');
    const second = insertItem(db, 'twice/AAAAAAAAAAAAAAAA-2');
    db.close();
    const bytes = fs.readFileSync(source);
    const from = Buffer.from('twice/AAAAAAAAAAAAAAAA-2');
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1))
      Buffer.from('twice/AAAAAAAAAAAAAAAA-1').copy(bytes, at);
    fs.writeFileSync(source, bytes);
    const target = path.join(dir, 'rebuilt.sqlite');
    await expect(
      rebuildUntrustedSnapshot(source, target, { includeHistory: true, label: 'x.zip' }),
    ).rejects.toThrow(
      `x.zip: the snapshot is not a repository this server can serve: item ${second}: path 'twice/AAAAAAAAAAAAAAAA-1' appears twice.`,
    );
    expect(fs.readdirSync(dir)).toEqual(['source.sqlite']);
  });

  it('from an older schema is migrated on our copy, by the same migrations', async () => {
    const dir = tempDir('rebuild-old');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'source.sqlite');
    fs.writeFileSync(source, realSnapshot);
    const addTags: Migration = {
      version: 4,
      name: '004-tags',
      up: (db) => db.exec("ALTER TABLE items ADD COLUMN tags TEXT NOT NULL DEFAULT ''"),
    };
    const target = path.join(dir, 'rebuilt.sqlite');
    const rebuilt = await rebuildUntrustedSnapshot(source, target, {
      includeHistory: true,
      label: 'x.zip',
      migrations: [...repositoryMigrations, addTags],
    });
    expect(rebuilt).toMatchObject({
      schemaVersion: 4,
      sourceSchemaVersion: 3,
      items: realManifest.itemCount,
    });
    const db = new DatabaseSync(target, { readOnly: true });
    expect(db.prepare('SELECT DISTINCT tags FROM items').all()).toEqual([{ tags: '' }]);
    db.close();

    // A real schema-1 repository (before 002-time-indexes) is migrated by our own migrations.
    const v1 = path.join(dir, 'v1.sqlite');
    fs.writeFileSync(v1, realSnapshot);
    const old = new DatabaseSync(v1);
    old.exec(
      'DROP INDEX items_listing; DROP INDEX items_by_updated_at; DROP INDEX revisions_by_replaced_at; PRAGMA user_version = 1',
    );
    old.close();
    const fromV1 = path.join(dir, 'from-v1.sqlite');
    expect(
      await rebuildUntrustedSnapshot(v1, fromV1, { includeHistory: true, label: 'x.zip' }),
    ).toMatchObject({ schemaVersion: 3, sourceSchemaVersion: 1, items: realManifest.itemCount });
    const migrated = new DatabaseSync(fromV1, { readOnly: true });
    expect(
      migrated
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all(),
    ).toEqual([
      { name: 'items_by_updated_at' },
      { name: 'items_listing' },
      { name: 'revisions_by_path' },
      { name: 'revisions_by_replaced_at' },
    ]);
    migrated.close();
  });
});
