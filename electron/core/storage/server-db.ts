import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { repositoryKey } from '../../shared/repository-name';
import { toLocalIso, type Clock } from '../clock';
import { runMigrations } from './migrations/runner';
import { openDatabase } from './open-database';
import { serverMigrations } from './server-migrations';

export interface AuditEntry {
  id: number;
  at: string;
  action: string;
  target: string | null;
  detail: unknown;
}

/** `<dataDir>/server.sqlite`: server-level data (audit of admin actions, backup history), opened once. */
export class ServerDb {
  readonly db: DatabaseSync;
  readonly file: string;
  private readonly clock: Clock;

  constructor(opts: { dataDir: string; clock: Clock }) {
    this.file = path.join(opts.dataDir, 'server.sqlite');
    this.clock = opts.clock;
    this.db = openDatabase(this.file);
    try {
      // SQL compares repository names the way the code does (COLLATE NOCASE folds ASCII only).
      this.db.function('repository_key', { deterministic: true }, (name) =>
        typeof name === 'string' ? repositoryKey(name) : null,
      );
      runMigrations(this.db, serverMigrations, 'server database');
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  schemaVersion(): number {
    return (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  }

  audit(action: string, target: string | null, detail?: unknown): void {
    this.db
      .prepare('INSERT INTO audit (at, action, target, detail) VALUES (?, ?, ?, ?)')
      .run(this.clock.now(), action, target, detail === undefined ? null : JSON.stringify(detail));
  }

  auditLog(limit = 100): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as Array<{
      id: number;
      at: number;
      action: string;
      target: string | null;
      detail: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      at: toLocalIso(r.at),
      action: r.action,
      target: r.target,
      detail: r.detail === null ? null : JSON.parse(r.detail),
    }));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
