import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { repositoryKey } from '../../shared/repository-name';

export interface CatalogEntry {
  /** Names the database file: `repositories/<fileId>.sqlite`. Never changes. */
  fileId: string;
  name: string;
  /** An old data directory's `<name>.sqlite`, until it has been renamed to `<fileId>.sqlite`. */
  legacyFile: string | null;
}

export type JournalAction = 'create' | 'install' | 'delete';

interface Row {
  file_id: string;
  name: string;
  legacy_file: string | null;
}

const toEntry = (r: Row): CatalogEntry => ({ fileId: r.file_id, name: r.name, legacyFile: r.legacy_file });

/** The repositories table of server.sqlite (server migration 003): names, file ids, unfinished work. */
export class RepositoryCatalog {
  private readonly statements = new Map<string, StatementSync>();

  constructor(private readonly db: DatabaseSync) {}

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  all(): CatalogEntry[] {
    return (this.sql('SELECT * FROM repositories').all() as unknown as Row[]).map(toEntry);
  }

  /** The repository this name means (any case, any normal form), or null. */
  find(name: string): CatalogEntry | null {
    const row = this.sql('SELECT * FROM repositories WHERE name_key = ?').get(repositoryKey(name)) as
      Row | undefined;
    return row ? toEntry(row) : null;
  }

  insert(entry: { fileId: string; name: string; legacyFile?: string | null }): void {
    this.sql('INSERT INTO repositories (file_id, name, name_key, legacy_file) VALUES (?, ?, ?, ?)').run(
      entry.fileId,
      entry.name,
      repositoryKey(entry.name),
      entry.legacyFile ?? null,
    );
  }

  rename(fileId: string, name: string): void {
    this.sql('UPDATE repositories SET name = ?, name_key = ? WHERE file_id = ?').run(
      name,
      repositoryKey(name),
      fileId,
    );
  }

  remove(fileId: string): void {
    this.sql('DELETE FROM repositories WHERE file_id = ?').run(fileId);
  }

  legacyRenamed(fileId: string): void {
    this.sql('UPDATE repositories SET legacy_file = NULL WHERE file_id = ?').run(fileId);
  }

  /** Records that work on this file id has begun; `settled` once it is complete. */
  journal(fileId: string, action: JournalAction, at: number): void {
    this.sql('INSERT OR REPLACE INTO storage_journal (file_id, action, at) VALUES (?, ?, ?)').run(
      fileId,
      action,
      at,
    );
  }

  settled(fileId: string): void {
    this.sql('DELETE FROM storage_journal WHERE file_id = ?').run(fileId);
  }

  unfinished(): Array<{ fileId: string; action: JournalAction }> {
    return (
      this.sql('SELECT file_id, action FROM storage_journal').all() as Array<{
        file_id: string;
        action: JournalAction;
      }>
    ).map((r) => ({ fileId: r.file_id, action: r.action }));
  }

  state(key: string): string | null {
    const row = this.sql('SELECT value FROM storage_state WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  setState(key: string, value: string): void {
    this.sql('INSERT OR REPLACE INTO storage_state (key, value) VALUES (?, ?)').run(key, value);
  }

  /** One transaction: the catalog and the journal change together or not at all. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
