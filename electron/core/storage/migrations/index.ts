import type { DatabaseSync } from 'node:sqlite';
import { initial } from './001-initial';
import { timeIndexes } from './002-time-indexes';
import { listingIndex } from './003-listing-index';
import { runMigrations, type Migration } from './runner';

/** Every repository schema step, in order. Append one line per new migration file. */
export const repositoryMigrations: readonly Migration[] = [initial, timeIndexes, listingIndex];

export const CURRENT_SCHEMA_VERSION = repositoryMigrations.at(-1)!.version;

/** Brings a repository database (new, old, or a restored snapshot) to CURRENT_SCHEMA_VERSION. */
export function migrate(db: DatabaseSync): number {
  return runMigrations(db, repositoryMigrations, 'repository');
}

export { schemaVersionOf, type Migration } from './runner';
