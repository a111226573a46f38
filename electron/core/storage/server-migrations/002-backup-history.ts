import type { Migration } from '../migrations/runner';

/** Every export, import, verify and backup run: what, when, which file, how it ended (ARCHITECTURE §7). */
export const backupHistory: Migration = {
  version: 2,
  name: '002-backup-history',
  up(db) {
    db.exec(`
      CREATE TABLE backup_history (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        kind        TEXT NOT NULL,            -- export, import, verify, backup
        trigger     TEXT NOT NULL,            -- manual, schedule, pre-restore, cli
        repository  TEXT,
        file        TEXT,
        started_at  INTEGER NOT NULL,         -- milliseconds since the epoch
        finished_at INTEGER,
        size_bytes  INTEGER,
        duration_ms INTEGER,
        status      TEXT NOT NULL,            -- running, ok, failed, cancelled, skipped
        error       TEXT,
        owner_pid   INTEGER                   -- the process running it, to tell a live job from a killed one
      ) STRICT;
      CREATE INDEX backup_history_by_repository ON backup_history (repository COLLATE NOCASE, id);
    `);
  },
};
