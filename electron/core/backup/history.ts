import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { HistoryEntry, JobKind, Trigger } from '../../shared/contract/archives';
import { repositoryKey } from '../../shared/repository-name';
import { toLocalIso, type Clock } from '../clock';

// The backup history in server.sqlite (migrations 002, 004, 006). This is the only module that writes its
// rows: every trigger's job, the runs that did not happen, and what a start finds of a killed process.

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

const toEntry = (r: Row): HistoryEntry => ({
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
});

/** The indexed column a repository's rows are found by (migration 006). */
const keyOf = (repository: string | null) => (repository === null ? null : repositoryKey(repository));

/** The archive a job writes, as its manifest will name it: what makes a file provably ours. */
export interface ArchiveIdentity {
  repositoryId: string;
  /** The manifest's startedAt (ISO 8601). */
  startedAt: string;
}

/** A job a process that is gone left "running". */
export interface InterruptedJob {
  id: number;
  kind: JobKind;
  file: string | null;
  phase: string | null;
  startedAt: number;
  /** When it last moved: "Took" ends here, not at the restart. */
  progressAt: number | null;
  archive: ArchiveIdentity | null;
}

/** Files a job could not remove yet (their folder did not answer), to be removed once it does. */
export interface PendingCleanup {
  id: number;
  files: string[];
  /** A final-named file is removed only if its manifest is this one (never a file we did not write). */
  archive: ArchiveIdentity | null;
  /** The file agent whose stuck call may still create one of the files; null once it is gone. */
  pid: number | null;
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const parse = <T>(json: string | null): T | null => {
  if (json === null) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
};

export class BackupHistory {
  private lastBackupQueries: { ended: StatementSync; good: StatementSync } | null = null;

  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {}

  /** Records a job as running; returns its row id for `finish`. */
  begin(entry: {
    kind: JobKind;
    trigger: Trigger;
    repository: string | null;
    file: string | null;
    jobId?: string | null;
  }): number {
    const now = this.clock.now();
    const result = this.db
      .prepare(
        `INSERT INTO backup_history (kind, trigger, repository, repository_name_key, file, started_at, status,
           owner_pid, job_id, progress_at)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
      )
      .run(
        entry.kind,
        entry.trigger,
        entry.repository,
        keyOf(entry.repository),
        entry.file,
        now,
        process.pid,
        entry.jobId ?? null,
        now,
      );
    return Number(result.lastInsertRowid);
  }

  /** The file becomes known (or changes) once the job picked a free name. */
  setFile(id: number, file: string): void {
    this.db.prepare('UPDATE backup_history SET file = ? WHERE id = ?').run(file, id);
  }

  /** The repository becomes known late for imports (after a rename policy) and verifies (from the manifest). */
  setRepository(id: number, repository: string): void {
    this.db
      .prepare('UPDATE backup_history SET repository = ?, repository_name_key = ? WHERE id = ?')
      .run(repository, keyOf(repository), id);
  }

  setArchive(id: number, archive: ArchiveIdentity): void {
    this.db.prepare('UPDATE backup_history SET archive = ? WHERE id = ?').run(JSON.stringify(archive), id);
  }

  /** The job reached a phase (or just moved on): what a start reads if this process is killed. */
  progress(id: number, phase?: string): void {
    if (phase === undefined) {
      this.db.prepare('UPDATE backup_history SET progress_at = ? WHERE id = ?').run(this.clock.now(), id);
    } else {
      this.db
        .prepare('UPDATE backup_history SET phase = ?, progress_at = ? WHERE id = ?')
        .run(phase, this.clock.now(), id);
    }
  }

  finish(
    id: number,
    outcome: {
      status: Exclude<Status, 'running'>;
      sizeBytes?: number | null;
      error?: string | null;
      file?: string | null;
      /** When it ended, if not now (a job a killed process left: when it last moved). */
      endedAt?: number;
    },
  ): void {
    const at = outcome.endedAt ?? this.clock.now();
    this.db
      .prepare(
        `UPDATE backup_history SET status = ?, finished_at = ?, duration_ms = max(0, ? - started_at),
           size_bytes = ?, error = ?, file = coalesce(?, file), owner_pid = NULL WHERE id = ?`,
      )
      .run(
        outcome.status,
        at,
        at,
        outcome.sizeBytes ?? null,
        outcome.error ?? null,
        outcome.file ?? null,
        id,
      );
  }

  /**
   * A backup made before this history began, as its archive's manifest says: one a recovered server
   * was restored from (its predecessor's, under the id it took). Verified in full by that restore, so
   * "last backup", overdue and the catalog's "verified" count it, instead of "never".
   */
  recordPastBackup(entry: {
    trigger: Trigger;
    repository: string;
    file: string;
    startedAt: number;
    finishedAt: number;
    sizeBytes: number;
    archive: ArchiveIdentity;
  }): number {
    const finishedAt = Number.isFinite(entry.finishedAt) ? entry.finishedAt : entry.startedAt;
    const result = this.db
      .prepare(
        `INSERT INTO backup_history (kind, trigger, repository, repository_name_key, file, started_at,
           finished_at, duration_ms, status, size_bytes, archive, progress_at)
         VALUES ('backup', ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?)`,
      )
      .run(
        entry.trigger,
        entry.repository,
        keyOf(entry.repository),
        entry.file,
        entry.startedAt,
        finishedAt,
        Math.max(0, finishedAt - entry.startedAt),
        entry.sizeBytes,
        JSON.stringify(entry.archive),
        finishedAt,
      );
    return Number(result.lastInsertRowid);
  }

  /** A run that did not happen, and why: a slot skipped, a repository left out of a cancelled run. */
  recordNotRun(entry: {
    kind: JobKind;
    trigger: Trigger;
    repository: string | null;
    status: 'skipped' | 'failed' | 'cancelled';
    reason: string;
  }): number {
    const id = this.begin({ ...entry, file: null });
    this.finish(id, { status: entry.status, error: entry.reason });
    return id;
  }

  /** A slot that did not run because a run was still going, say. */
  recordSkipped(entry: {
    kind: JobKind;
    trigger: Trigger;
    repository: string | null;
    reason: string;
  }): number {
    return this.recordNotRun({ ...entry, status: 'skipped' });
  }

  list(options: { limit?: number; repository?: string } = {}): HistoryEntry[] {
    const limit = options.limit ?? 50;
    const rows = (options.repository === undefined
      ? this.db.prepare('SELECT * FROM backup_history ORDER BY id DESC LIMIT ?').all(limit)
      : this.db
          .prepare('SELECT * FROM backup_history WHERE repository_name_key = ? ORDER BY id DESC LIMIT ?')
          .all(repositoryKey(options.repository), limit)) as unknown as Row[];
    return rows.map(toEntry);
  }

  /**
   * A repository's newest backup that ended (ok, failed or skipped) and its newest good one, newest
   * first (one row when they are the same): all the backup status needs of its history, read through
   * the index at every step of a run.
   */
  lastBackups(repository: string): HistoryEntry[] {
    const key = repositoryKey(repository);
    // Prepared once: preparing took more time than running these two lookups, 1,000 times per status.
    this.lastBackupQueries ??= {
      ended: this.db.prepare(
        `SELECT * FROM backup_history WHERE repository_name_key = ? AND kind = 'backup'
           AND status NOT IN ('running', 'cancelled') ORDER BY id DESC LIMIT 1`,
      ),
      good: this.db.prepare(
        `SELECT * FROM backup_history WHERE repository_name_key = ? AND kind = 'backup' AND status = 'ok'
           ORDER BY id DESC LIMIT 1`,
      ),
    };
    const queries = this.lastBackupQueries;
    const last = queries.ended.get(key) as Row | undefined;
    const good = last?.status === 'ok' ? last : (queries.good.get(key) as Row | undefined);
    return [last, good !== last ? good : undefined].filter((r) => r !== undefined).map(toEntry);
  }

  /**
   * The archives in `folder` this server checked in full, each with the size it had then: a backup or
   * export that ended ok was verified before it was published, a verify that ended ok checked it. The
   * newest row of each file counts. Read by the catalog (catalog/open-catalog.ts) and by retention.
   */
  verifiedArchives(folder: string): Map<string, { sizeBytes: number; at: string; atMs: number }> {
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
    const rows = this.db
      .prepare(
        `SELECT file, size_bytes, finished_at FROM backup_history
         WHERE status = 'ok' AND kind IN ('backup', 'export', 'verify') AND size_bytes IS NOT NULL
           AND substr(file, 1, length(?)) = ? ORDER BY id`,
      )
      .all(prefix, prefix) as Array<{ file: string; size_bytes: number; finished_at: number }>;
    const out = new Map<string, { sizeBytes: number; at: string; atMs: number }>();
    for (const r of rows)
      out.set(r.file, { sizeBytes: r.size_bytes, at: toLocalIso(r.finished_at), atMs: r.finished_at });
    return out;
  }

  /** Jobs left "running" by a process that is gone (killed, crashed, power cut). */
  interrupted(): InterruptedJob[] {
    const rows = this.db
      .prepare(
        `SELECT id, kind, file, phase, started_at, progress_at, archive, owner_pid
         FROM backup_history WHERE status = 'running' ORDER BY id`,
      )
      .all() as Array<{
      id: number;
      kind: JobKind;
      file: string | null;
      phase: string | null;
      started_at: number;
      progress_at: number | null;
      archive: string | null;
      owner_pid: number | null;
    }>;
    return rows
      .filter((r) => r.owner_pid === null || (r.owner_pid !== process.pid && !isAlive(r.owner_pid)))
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        file: r.file,
        phase: r.phase,
        startedAt: r.started_at,
        progressAt: r.progress_at,
        archive: parse<ArchiveIdentity>(r.archive),
      }));
  }

  /** Files of this job still to be removed once their folder answers (and `pid` is gone). */
  addCleanup(id: number, files: string[], pid: number | null): void {
    const current = this.cleanupOf(id)?.files ?? [];
    const all = [...new Set([...current, ...files])];
    this.db
      .prepare('UPDATE backup_history SET cleanup = ?, cleanup_pid = ? WHERE id = ?')
      .run(JSON.stringify(all), pid, id);
  }

  /** What is left of this job's cleanup after some files were dealt with. */
  setCleanup(id: number, files: string[]): void {
    this.db
      .prepare(
        'UPDATE backup_history SET cleanup = ?, cleanup_pid = CASE WHEN ? THEN cleanup_pid END WHERE id = ?',
      )
      .run(files.length ? JSON.stringify(files) : null, files.length ? 1 : 0, id);
  }

  private cleanupOf(id: number): PendingCleanup | null {
    return this.pendingCleanups().find((c) => c.id === id) ?? null;
  }

  pendingCleanups(): PendingCleanup[] {
    const rows = this.db
      .prepare(
        'SELECT id, cleanup, cleanup_pid, archive FROM backup_history WHERE cleanup IS NOT NULL ORDER BY id',
      )
      .all() as Array<{ id: number; cleanup: string; cleanup_pid: number | null; archive: string | null }>;
    return rows.map((r) => ({
      id: r.id,
      files: parse<string[]>(r.cleanup) ?? [],
      archive: parse<ArchiveIdentity>(r.archive),
      pid: r.cleanup_pid,
    }));
  }
}
