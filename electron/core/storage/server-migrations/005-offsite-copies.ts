import type { Migration } from '../migrations/runner';

/**
 * The offsite copy queue and ledger (ARCHITECTURE §7, "Offsite copies"): one row per verified archive
 * to copy, kept after it is copied — remote retention deletes only files this ledger says we wrote and
 * checked. A pending copy survives a restart; `uploaded_bytes` is the prefix the server acknowledged,
 * where an interrupted upload resumes.
 */
export const offsiteCopies: Migration = {
  version: 5,
  name: '005-offsite-copies',
  up(db) {
    db.exec(`
      CREATE TABLE offsite_copies (
        id INTEGER PRIMARY KEY,
        -- names the remote temporary file, so a resume never continues another copy's
        copy_id TEXT NOT NULL UNIQUE,
        history_id INTEGER,
        repository TEXT NOT NULL,
        repository_id TEXT NOT NULL,
        -- the manifest's startedAt (ISO 8601): orders copies as retention orders archives
        archive_started_at TEXT NOT NULL,
        local_file TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        -- of the verified archive, read when it was queued: the remote copy must have exactly these bytes
        sha256 TEXT NOT NULL,
        -- sftp://user@host:port/folder the copy is for; retention looks only at its own destination
        destination TEXT NOT NULL,
        remote_name TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'copied', 'failed', 'superseded', 'removed', 'missing')),
        attempts INTEGER NOT NULL DEFAULT 0,
        uploaded_bytes INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        first_failed_at INTEGER,
        error TEXT,
        error_code TEXT,
        checked_by TEXT,
        -- the remote file's mtime when it was checked: retention re-checks a file that changed since
        remote_mtime INTEGER,
        queued_at INTEGER NOT NULL,
        copied_at INTEGER,
        ended_at INTEGER
      );
      CREATE INDEX offsite_copies_state ON offsite_copies (state, next_attempt_at);
      CREATE INDEX offsite_copies_repository ON offsite_copies (repository_id, destination, state);
    `);
  },
};
