import { DatabaseSync } from 'node:sqlite';

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a SQLite file the way every database of the server is opened: WAL (readers never block the
 * writer, and backups read a consistent snapshot), a busy timeout, foreign keys on.
 */
export function openDatabase(file: string, opts: { readOnly?: boolean } = {}): DatabaseSync {
  const db = new DatabaseSync(file, { readOnly: opts.readOnly ?? false, timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readOnly) {
      db.exec('PRAGMA journal_mode = WAL');
      // NORMAL is durable in WAL mode except for the last transactions on power loss; a fair trade here.
      db.exec('PRAGMA synchronous = NORMAL');
    }
    db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
