import { randomUUID } from 'node:crypto';
import type { Migration } from './runner';

/** Items, their history (revisions), and the repository's identity (a UUID that survives renames). */
export const initial: Migration = {
  version: 1,
  name: '001-initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE items (
        path       TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        content    ANY NOT NULL,              -- TEXT for text, BLOB for bytes; see encoding
        encoding   TEXT NOT NULL CHECK (encoding IN ('utf8', 'binary')),
        version    INTEGER NOT NULL CHECK (version >= 1),
        updated_at INTEGER NOT NULL,          -- milliseconds since the epoch
        updated_by TEXT NOT NULL
      ) STRICT;
      CREATE TABLE revisions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        path        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        content     ANY NOT NULL,
        encoding    TEXT NOT NULL CHECK (encoding IN ('utf8', 'binary')),
        version     INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        updated_by  TEXT NOT NULL,
        replaced_at INTEGER NOT NULL,         -- when this version was overwritten or deleted
        deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
      ) STRICT;
      CREATE INDEX revisions_by_path ON revisions (path, version);
    `);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('id', ?)").run(randomUUID());
  },
};
