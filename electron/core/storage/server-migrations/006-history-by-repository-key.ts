import { repositoryKey } from '../../../shared/repository-name';
import type { Migration } from '../migrations/runner';

/**
 * The history of one repository, found through an index: each row carries its repository's
 * repositoryKey (shared/repository-name.ts), written by history.ts. The backup status reads every
 * repository's last and last good backup at each change of a run's phase, and comparing the key of
 * every row (a JavaScript function per row) made a scheduled run of 500 repositories slower with every
 * repository (a full scan of the history, 500 times, at each step). Rows from before are filled here.
 */
export const historyByRepositoryKey: Migration = {
  version: 6,
  name: '006-history-by-repository-key',
  up(db) {
    db.exec('ALTER TABLE backup_history ADD COLUMN repository_name_key TEXT');
    const fill = db.prepare('UPDATE backup_history SET repository_name_key = ? WHERE id = ?');
    const rows = db
      .prepare('SELECT id, repository FROM backup_history WHERE repository IS NOT NULL')
      .all() as Array<{ id: number; repository: string }>;
    for (const row of rows) fill.run(repositoryKey(row.repository), row.id);
    db.exec('CREATE INDEX backup_history_by_repository_key ON backup_history (repository_name_key, id)');
  },
};
