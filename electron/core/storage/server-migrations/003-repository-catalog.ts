import type { Migration } from '../migrations/runner';

/**
 * Which repositories exist and what they are called (ARCHITECTURE §3). Each repository's database is
 * `repositories/<file_id>.sqlite`, named by an id that never changes, so a rename touches no file and no
 * name can collide or be refused by a file system (case, NFC/NFD, Windows' rules). `name_key` is
 * `repositoryKey(name)`: one repository per key.
 *
 * `storage_journal` lists the file ids of work that is not finished (a create, an install, a delete):
 * at start, each is undone or completed so that a crash never leaves a half-made repository listed, nor a
 * deleted one's file behind. `legacy_file` is set while an old data directory's `<name>.sqlite` is being
 * renamed to its id.
 */
export const repositoryCatalog: Migration = {
  version: 3,
  name: '003-repository-catalog',
  up(db) {
    db.exec(`
      CREATE TABLE repositories (
        file_id     TEXT PRIMARY KEY,
        name        TEXT NOT NULL,             -- NFC, as the administrator wrote it
        name_key    TEXT NOT NULL UNIQUE,      -- repositoryKey(name)
        legacy_file TEXT                       -- the old <name>.sqlite until it is renamed to <file_id>.sqlite
      ) STRICT;
      CREATE TABLE storage_journal (
        file_id TEXT PRIMARY KEY,
        action  TEXT NOT NULL,                 -- create, install, delete
        at      INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE storage_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
