import type { Migration } from '../migrations/runner';

/**
 * What a start needs to know about a job a killed process left behind (ARCHITECTURE §7): its job id, the
 * phase it reached and when it last moved (so "Took" is the time until the interruption), the identity
 * of the archive it wrote, and files still to be removed once their folder answers again (a call to a
 * share that stopped answering may still land later: a rename that was issued but never answered).
 */
export const backupProgress: Migration = {
  version: 4,
  name: '004-backup-progress',
  up(db) {
    db.exec(`
      ALTER TABLE backup_history ADD COLUMN job_id TEXT;
      ALTER TABLE backup_history ADD COLUMN phase TEXT;
      ALTER TABLE backup_history ADD COLUMN progress_at INTEGER;
      -- JSON {repositoryId, startedAt} of the archive being written: a file is ours only if its manifest says so
      ALTER TABLE backup_history ADD COLUMN archive TEXT;
      -- JSON array of files to remove once their folder answers; NULL when nothing is left to do
      ALTER TABLE backup_history ADD COLUMN cleanup TEXT;
      -- the file agent whose stuck call may still create one of them: wait until it is gone
      ALTER TABLE backup_history ADD COLUMN cleanup_pid INTEGER;
    `);
  },
};
