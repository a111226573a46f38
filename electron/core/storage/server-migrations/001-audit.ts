import type { Migration } from '../migrations/runner';

/** The audit of admin actions: who created, renamed or deleted what, and when. */
export const audit: Migration = {
  version: 1,
  name: '001-audit',
  up(db) {
    db.exec(`
      CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     INTEGER NOT NULL,           -- milliseconds since the epoch
        action TEXT NOT NULL,              -- e.g. repository.create
        target TEXT,                       -- e.g. the repository's name
        detail TEXT                        -- JSON, optional
      ) STRICT;
      CREATE INDEX audit_by_time ON audit (at);
    `);
  },
};
