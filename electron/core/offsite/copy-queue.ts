import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { OffsiteCopy, OffsiteCopyState } from '../../shared/contract/offsite';
import { toLocalIso, type Clock } from '../clock';
import type { CheckedBy } from './destination';

// The offsite copy queue and ledger in server.sqlite (migration 005). This is the only module that
// writes its rows. A row is queued when an archive is verified, worked through by the uploader with
// retry and backoff, and kept once copied: it is how remote retention knows which remote files are ours.

export interface CopyRow {
  id: number;
  copyId: string;
  historyId: number | null;
  repository: string;
  repositoryId: string;
  archiveStartedAt: string;
  localFile: string;
  sizeBytes: number;
  sha256: string;
  destination: string;
  remoteName: string | null;
  state: OffsiteCopyState;
  attempts: number;
  uploadedBytes: number;
  nextAttemptAt: number | null;
  firstFailedAt: number | null;
  error: string | null;
  errorCode: string | null;
  checkedBy: CheckedBy | null;
  remoteMtime: number | null;
  queuedAt: number;
  copiedAt: number | null;
}

interface Raw {
  id: number;
  copy_id: string;
  history_id: number | null;
  repository: string;
  repository_id: string;
  archive_started_at: string;
  local_file: string;
  size_bytes: number;
  sha256: string;
  destination: string;
  remote_name: string | null;
  state: OffsiteCopyState;
  attempts: number;
  uploaded_bytes: number;
  next_attempt_at: number | null;
  first_failed_at: number | null;
  error: string | null;
  error_code: string | null;
  checked_by: CheckedBy | null;
  remote_mtime: number | null;
  queued_at: number;
  copied_at: number | null;
}

const toRow = (r: Raw): CopyRow => ({
  id: r.id,
  copyId: r.copy_id,
  historyId: r.history_id,
  repository: r.repository,
  repositoryId: r.repository_id,
  archiveStartedAt: r.archive_started_at,
  localFile: r.local_file,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  destination: r.destination,
  remoteName: r.remote_name,
  state: r.state,
  attempts: r.attempts,
  uploadedBytes: r.uploaded_bytes,
  nextAttemptAt: r.next_attempt_at,
  firstFailedAt: r.first_failed_at,
  error: r.error,
  errorCode: r.error_code,
  checkedBy: r.checked_by,
  remoteMtime: r.remote_mtime,
  queuedAt: r.queued_at,
  copiedAt: r.copied_at,
});

/** The states of a copy still to be made. */
export const WAITING: OffsiteCopyState[] = ['pending', 'uploading'];

export class CopyQueue {
  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {}

  enqueue(entry: {
    historyId: number | null;
    repository: string;
    repositoryId: string;
    archiveStartedAt: string;
    localFile: string;
    sizeBytes: number;
    sha256: string;
    destination: string;
  }): CopyRow {
    const result = this.db
      .prepare(
        `INSERT INTO offsite_copies (copy_id, history_id, repository, repository_id, archive_started_at,
           local_file, size_bytes, sha256, destination, state, queued_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        randomUUID(),
        entry.historyId,
        entry.repository,
        entry.repositoryId,
        entry.archiveStartedAt,
        entry.localFile,
        entry.sizeBytes,
        entry.sha256,
        entry.destination,
        this.clock.now(),
        this.clock.now(),
      );
    return this.get(Number(result.lastInsertRowid))!;
  }

  get(id: number): CopyRow | null {
    const raw = this.db.prepare('SELECT * FROM offsite_copies WHERE id = ?').get(id) as Raw | undefined;
    return raw ? toRow(raw) : null;
  }

  /** Copies still to be made, oldest first. */
  waiting(): CopyRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM offsite_copies WHERE state IN ('pending', 'uploading') ORDER BY queued_at, id`,
        )
        .all() as unknown as Raw[]
    ).map(toRow);
  }

  /** Checked copies of a repository on a destination: what remote retention may consider ours. */
  copiedOf(repositoryId: string, destination: string): CopyRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM offsite_copies WHERE repository_id = ? AND destination = ? AND state = 'copied' ORDER BY id`,
        )
        .all(repositoryId, destination) as unknown as Raw[]
    ).map(toRow);
  }

  /** Every copy published to this destination (any state since), newest first: the catalog's ledger. */
  ofDestination(destination: string): CopyRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM offsite_copies WHERE destination = ? AND remote_name IS NOT NULL ORDER BY id DESC`,
        )
        .all(destination) as unknown as Raw[]
    ).map(toRow);
  }

  /** The newest checked copy of each repository name (for the status). */
  lastCopiedByRepository(): Map<string, CopyRow> {
    const rows = (
      this.db
        .prepare(
          `SELECT * FROM offsite_copies WHERE state = 'copied' OR (state = 'removed' AND copied_at IS NOT NULL)
           ORDER BY copied_at`,
        )
        .all() as unknown as Raw[]
    ).map(toRow);
    const last = new Map<string, CopyRow>();
    for (const row of rows) last.set(row.repository, row);
    return last;
  }

  list(options: { repository?: string; limit: number }): OffsiteCopy[] {
    const rows = (options.repository === undefined
      ? this.db.prepare('SELECT * FROM offsite_copies ORDER BY id DESC LIMIT ?').all(options.limit)
      : this.db
          .prepare(
            'SELECT * FROM offsite_copies WHERE repository_key(repository) = repository_key(?) ORDER BY id DESC LIMIT ?',
          )
          .all(options.repository, options.limit)) as unknown as Raw[];
    return rows.map(toRow).map((r) => ({
      id: r.id,
      repository: r.repository,
      file: r.localFile,
      remoteName: r.remoteName,
      destination: r.destination,
      state: r.state,
      sizeBytes: r.sizeBytes,
      queuedAt: toLocalIso(r.queuedAt),
      copiedAt: r.copiedAt === null ? null : toLocalIso(r.copiedAt),
      attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt === null ? null : toLocalIso(r.nextAttemptAt),
      error: r.error,
      checkedBy: r.checkedBy,
    }));
  }

  /** An attempt begins (a process killed now leaves 'uploading': `recover` makes it pending again). */
  startAttempt(id: number, destination: string): void {
    this.db
      .prepare(
        `UPDATE offsite_copies SET state = 'uploading', attempts = attempts + 1, destination = ? WHERE id = ?`,
      )
      .run(destination, id);
  }

  /** The prefix the server acknowledged: where a resumed upload continues. */
  setUploaded(id: number, bytes: number): void {
    this.db.prepare('UPDATE offsite_copies SET uploaded_bytes = ? WHERE id = ?').run(bytes, id);
  }

  /** Copied and checked on the server under `remoteName`. */
  copied(id: number, outcome: { remoteName: string; checkedBy: CheckedBy; remoteMtime: number }): void {
    const now = this.clock.now();
    this.db
      .prepare(
        `UPDATE offsite_copies SET state = 'copied', remote_name = ?, checked_by = ?, remote_mtime = ?,
           copied_at = ?, ended_at = ?, uploaded_bytes = size_bytes, error = NULL, error_code = NULL,
           next_attempt_at = NULL WHERE id = ?`,
      )
      .run(outcome.remoteName, outcome.checkedBy, outcome.remoteMtime, now, now, id);
  }

  /** This attempt failed; tried again at `nextAttemptAt`. `restart`: what the server holds is no good. */
  retryLater(
    id: number,
    failure: { code: string; message: string },
    nextAttemptAt: number,
    restart = false,
  ): void {
    this.db
      .prepare(
        `UPDATE offsite_copies SET state = 'pending', error = ?, error_code = ?, next_attempt_at = ?,
           first_failed_at = coalesce(first_failed_at, ?), uploaded_bytes = CASE WHEN ? THEN 0 ELSE uploaded_bytes END
         WHERE id = ?`,
      )
      .run(failure.message, failure.code, nextAttemptAt, this.clock.now(), restart ? 1 : 0, id);
  }

  /** Waits for the destination's next attempt without counting one of its own. */
  postpone(id: number, nextAttemptAt: number): void {
    this.db
      .prepare('UPDATE offsite_copies SET next_attempt_at = ? WHERE id = ? AND state = ?')
      .run(nextAttemptAt, id, 'pending');
  }

  /** Every pending copy waits at least until `nextAttemptAt` (the destination is failing). */
  postponeWaiting(nextAttemptAt: number): void {
    this.db
      .prepare(
        `UPDATE offsite_copies SET next_attempt_at = max(coalesce(next_attempt_at, 0), ?) WHERE state = 'pending'`,
      )
      .run(nextAttemptAt);
  }

  /** Try every waiting copy now (settings changed, the administrator asked). */
  dueNow(): void {
    this.db
      .prepare(`UPDATE offsite_copies SET next_attempt_at = ? WHERE state IN ('pending', 'uploading')`)
      .run(this.clock.now());
  }

  /** Never to be made: the local archive is gone or changed (`failed`), or a newer one took its place. */
  end(
    id: number,
    state: Extract<OffsiteCopyState, 'failed' | 'superseded'>,
    reason: string,
    code: string,
  ): void {
    this.db
      .prepare(
        `UPDATE offsite_copies SET state = ?, error = ?, error_code = ?, ended_at = ?, next_attempt_at = NULL WHERE id = ?`,
      )
      .run(state, reason, code, this.clock.now(), id);
  }

  /** Remote retention removed it, or it is no longer on the server. */
  gone(id: number, state: Extract<OffsiteCopyState, 'removed' | 'missing'>): void {
    this.db
      .prepare('UPDATE offsite_copies SET state = ?, ended_at = ? WHERE id = ?')
      .run(state, this.clock.now(), id);
  }

  /** A process killed mid-upload left rows 'uploading': they wait again, their resume point kept. */
  recover(): number {
    return Number(
      this.db.prepare(`UPDATE offsite_copies SET state = 'pending' WHERE state = 'uploading'`).run().changes,
    );
  }
}
