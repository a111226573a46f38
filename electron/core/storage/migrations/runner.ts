import type { DatabaseSync } from 'node:sqlite';
import { AppFailure } from '../../../shared/result';

/** One schema step. `version` is what `PRAGMA user_version` says after it ran. */
export interface Migration {
  version: number;
  name: string;
  up(db: DatabaseSync): void;
}

export function schemaVersionOf(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/**
 * Brings a database up to the newest of `migrations`, each step in its own transaction (a failed step
 * leaves the database at the previous version). A database newer than this app is refused, not touched.
 */
export function runMigrations(db: DatabaseSync, migrations: readonly Migration[], what: string): number {
  const latest = migrations.at(-1)?.version ?? 0;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${what} migrations must be numbered 1, 2, 3…: ${m.name}`);
  });
  let current = schemaVersionOf(db);
  if (current > latest) {
    throw new AppFailure(
      'UNSUPPORTED_VERSION',
      `This ${what} has schema version ${current}; this app knows up to ${latest}. Update the app to open it.`,
    );
  }
  for (const migration of migrations.slice(current)) {
    db.exec('BEGIN IMMEDIATE');
    try {
      migration.up(db);
      db.exec(`PRAGMA user_version = ${migration.version}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    current = migration.version;
  }
  return current;
}
