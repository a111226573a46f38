import fs from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import type { HistoryEntry, JobKind, Trigger } from '../../shared/contract/archives';
import { toLocalIso, type Clock } from '../clock';
import { PARTIAL_SUFFIX } from './archive-writer';

type Status = HistoryEntry['status'];

interface Row {
  id: number;
  kind: JobKind;
  trigger: Trigger;
  repository: string | null;
  file: string | null;
  started_at: number;
  finished_at: number | null;
  size_bytes: number | null;
  duration_ms: number | null;
  status: Status;
  error: string | null;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The backup history in server.sqlite (table from server migration 002). */
export class BackupHistory {
  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {}

  /** Records a job as running; returns its row id for `finish`. */
  begin(entry: { kind: JobKind; trigger: Trigger; repository: string | null; file: string | null }): number {
    const result = this.db
      .prepare(
        `INSERT INTO backup_history (kind, trigger, repository, file, started_at, status, owner_pid)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(entry.kind, entry.trigger, entry.repository, entry.file, this.clock.now(), process.pid);
    return Number(result.lastInsertRowid);
  }

  /** The file becomes known (or changes) once the job picked a free name. */
  setFile(id: number, file: string): void {
    this.db.prepare('UPDATE backup_history SET file = ? WHERE id = ?').run(file, id);
  }

  finish(
    id: number,
    outcome: {
      status: Exclude<Status, 'running'>;
      sizeBytes?: number | null;
      error?: string | null;
      file?: string | null;
    },
  ): void {
    const now = this.clock.now();
    this.db
      .prepare(
        `UPDATE backup_history SET status = ?, finished_at = ?, duration_ms = max(0, ? - started_at),
           size_bytes = ?, error = ?, file = coalesce(?, file), owner_pid = NULL WHERE id = ?`,
      )
      .run(
        outcome.status,
        now,
        now,
        outcome.sizeBytes ?? null,
        outcome.error ?? null,
        outcome.file ?? null,
        id,
      );
  }

  /** A run that did not happen (a slot skipped because a run was still going, say). */
  recordSkipped(entry: {
    kind: JobKind;
    trigger: Trigger;
    repository: string | null;
    reason: string;
  }): number {
    const id = this.begin({ ...entry, file: null });
    this.finish(id, { status: 'skipped', error: entry.reason });
    return id;
  }

  list(options: { limit?: number; repository?: string } = {}): HistoryEntry[] {
    const limit = options.limit ?? 50;
    const rows = (options.repository === undefined
      ? this.db.prepare('SELECT * FROM backup_history ORDER BY id DESC LIMIT ?').all(limit)
      : this.db
          .prepare(
            'SELECT * FROM backup_history WHERE repository_key(repository) = repository_key(?) ORDER BY id DESC LIMIT ?',
          )
          .all(options.repository, limit)) as unknown as Row[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      trigger: r.trigger,
      repository: r.repository,
      file: r.file,
      startedAt: toLocalIso(r.started_at),
      finishedAt: r.finished_at === null ? null : toLocalIso(r.finished_at),
      sizeBytes: r.size_bytes,
      durationMs: r.duration_ms,
      status: r.status,
      error: r.error,
    }));
  }

  /**
   * Jobs left "running" by a process that is gone were interrupted (killed, crashed, power cut): they are
   * marked failed, and the `*.partial` each was writing (ours, by its recorded name) is removed.
   */
  recoverInterrupted(): number {
    const rows = this.db
      .prepare("SELECT id, kind, file, owner_pid FROM backup_history WHERE status = 'running'")
      .all() as Array<{ id: number; kind: JobKind; file: string | null; owner_pid: number | null }>;
    let recovered = 0;
    for (const row of rows) {
      if (row.owner_pid !== null && row.owner_pid !== process.pid && isAlive(row.owner_pid)) continue;
      if (row.owner_pid === process.pid) continue;
      const wrote = row.kind === 'export' || row.kind === 'backup';
      if (wrote && row.file) fs.rmSync(row.file + PARTIAL_SUFFIX, { force: true });
      this.finish(row.id, {
        status: 'failed',
        error: 'Interrupted: the application stopped during this job.',
      });
      recovered++;
    }
    return recovered;
  }
}
