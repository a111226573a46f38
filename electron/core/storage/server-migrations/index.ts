import type { Migration } from '../migrations/runner';
import { audit } from './001-audit';
import { backupHistory } from './002-backup-history';
import { repositoryCatalog } from './003-repository-catalog';
import { backupProgress } from './004-backup-progress';
import { offsiteCopies } from './005-offsite-copies';
import { historyByRepositoryKey } from './006-history-by-repository-key';

/** Every server.sqlite schema step, in order. Append one line per new migration file. */
export const serverMigrations: Migration[] = [
  audit,
  backupHistory,
  repositoryCatalog,
  backupProgress,
  offsiteCopies,
  historyByRepositoryKey,
];
