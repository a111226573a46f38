import { createHash } from 'node:crypto';
import path from 'node:path';
import type { OffsiteStatus } from '../../shared/contract/offsite';
import { formatSize } from '../../shared/format-size';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { OffsiteSettings } from '../../shared/settings-schema';
import type { AgentLauncher } from '../backup/fs-agent';
import { TargetFs } from '../backup/target-fs';
import type { Clock, TimerHandle } from '../clock';
import type { CopyQueue, CopyRow } from './copy-queue';
import type { OffsiteDestination, OffsiteSession } from './destination';
import { applyRemoteRetention } from './remote-retention';

// The uploader works through the offsite queue, one copy at a time, apart from the backups: a pending
// copy never blocks the next local backup. Each copy: upload under a temporary name (continuing what
// an interrupted attempt left), check size and SHA-256 on the server, rename to the final name, record
// it; then remote retention for its repository. A failed attempt is retried with backoff; what the
// server holds half-written never has a final name.

export interface UploaderDeps {
  queue: CopyQueue;
  clock: Clock;
  launcher: AgentLauncher;
  settings: () => OffsiteSettings;
  /** The destination of these settings (reading the key file through `io`); null when none is set. */
  destination(settings: OffsiteSettings, io: TargetFs): Promise<OffsiteDestination>;
  /** Its label, to match the queue's rows to the destination (retention looks only at its own). */
  label(settings: OffsiteSettings): string;
  onChanged: () => void;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Waits after the 1st, 2nd… failed attempt; the last repeats. */
  retryDelaysMs?: number[];
}

export const RETRY_DELAYS_MS = [30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
/** Failures of the destination itself: every other copy would fail the same way now. */
const DESTINATION_FAILURES = new Set([
  'UNREACHABLE',
  'NOT_RESPONDING',
  'AUTH_FAILED',
  'HOST_KEY_UNCONFIRMED',
  'HOST_KEY_CHANGED',
  'NOT_WRITABLE',
  'NO_SPACE',
  'NOT_SUPPORTED',
]);
/** The acknowledged prefix is written to the queue this often (a kill resumes from there). */
const SAVE_RESUME_EVERY = 8 * 1024 * 1024;
const SPACE_MARGIN = 1024 * 1024;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const failureOf = (e: unknown) =>
  isAppFailure(e) ? e : new AppFailure('INTERNAL', `The offsite copy failed unexpectedly: ${message(e)}`);

/** `<name>_stamp.zip` → `<name>_stamp-2.zip`, `-3`…: a free final name that retention still knows. */
export function alternativeName(name: string, n: number): string {
  const match = /^(.*_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:-\d+)?\.zip$/.exec(name);
  return match ? `${match[1]}-${n}.zip` : name.replace(/\.zip$/, `-${n}.zip`);
}

/** The temporary name of a copy on the server: never an archive name, and its own per copy. */
export const tempNameOf = (row: Pick<CopyRow, 'localFile' | 'copyId'>) =>
  `${path.basename(row.localFile)}.${row.copyId.replace(/-/g, '').slice(0, 12)}.partial`;

type CopyPhase = NonNullable<OffsiteStatus['current']>['phase'];

export class OffsiteUploader {
  private timer: TimerHandle | null = null;
  private working: Promise<void> | null = null;
  private again = false;
  private controller: AbortController | null = null;
  private stopped = true;
  private failures = 0;
  /** While the destination fails: its next attempt, which every copy queued meanwhile waits for. */
  private backoffUntil: number | null = null;
  current: OffsiteStatus['current'] = null;
  failingSince: number | null = null;
  lastError: { code: string; message: string } | null = null;
  private lastAnnounced = 0;

  constructor(private readonly deps: UploaderDeps) {}

  /** The copy going on now, as the status shows it (bytes only while uploading). */
  private showCurrent(row: CopyRow, phase: CopyPhase, bytesDone = 0, bytesTotal = 0): void {
    this.current = { repository: row.repository, phase, bytesDone, bytesTotal };
  }

  private get delays(): number[] {
    return this.deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  }

  start(): void {
    this.stopped = false;
    const recovered = this.deps.queue.recover();
    if (recovered) this.deps.logger?.info(`Offsite: ${recovered} interrupted copy(ies) will be resumed.`);
    this.kick();
  }

  /**
   * A copy was queued: tried now, unless the destination is failing — then it waits for the next
   * attempt with the others (every copy would fail the same way now, and each failure backs off more).
   */
  queued(): void {
    if (this.backoffUntil !== null && this.backoffUntil > this.deps.clock.now() && !this.working) {
      this.deps.queue.postponeWaiting(this.backoffUntil);
      return;
    }
    this.kick();
  }

  /** Work through what is due now (a copy was queued, the settings changed, someone asked). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.working) {
      this.again = true;
      return;
    }
    this.working = this.work()
      .catch((error: unknown) => this.deps.logger?.error(`Offsite uploader: ${message(error)}`))
      .finally(() => {
        this.working = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        } else this.scheduleNext();
      });
  }

  /** Every waiting copy is tried now. */
  retryNow(): void {
    this.deps.queue.dueNow();
    this.failures = 0;
    this.backoffUntil = null;
    this.kick();
  }

  /** Ends the attempt going on (its connection is destroyed at once); resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    await this.working;
  }

  /** Resolves when no attempt is going on (tests). */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const next = this.deps.queue
      .waiting()
      .map((r) => r.nextAttemptAt ?? 0)
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return;
    const wait = Math.max(0, next - this.deps.clock.now());
    // Timers longer than ~24.8 days overflow; nothing waits that long anyway.
    this.timer = this.deps.clock.setTimeout(
      () => {
        this.timer = null;
        this.kick();
      },
      Math.min(wait, 3_600_000),
    );
  }

  private announce(force = false): void {
    const now = this.deps.clock.now();
    if (!force && now - this.lastAnnounced < 1_000) return;
    this.lastAnnounced = now;
    this.deps.onChanged();
  }

  private async work(): Promise<void> {
    const settings = this.deps.settings();
    if (!settings.enabled) return;
    const now = this.deps.clock.now();
    const due = this.deps.queue.waiting().filter((r) => (r.nextAttemptAt ?? 0) <= now);
    if (due.length === 0) return;
    const controller = new AbortController();
    this.controller = controller;
    const io = new TargetFs({
      launcher: this.deps.launcher,
      timeoutMs: settings.timeoutSeconds * 1000,
      signal: controller.signal,
      role: 'source',
    });
    const label = this.deps.label(settings);
    let session: OffsiteSession | null = null;
    try {
      this.showCurrent(due[0]!, 'connecting');
      // An attempt begins with the connection: a server that refuses it has been tried.
      this.deps.queue.startAttempt(due[0]!.id, label);
      this.announce(true);
      try {
        const destination = await this.deps.destination(settings, io);
        session = await destination.open(controller.signal);
      } catch (error) {
        this.destinationFailed(due, failureOf(error));
        return;
      }
      for (const [index, row] of due.entries()) {
        if (controller.signal.aborted || this.stopped) break;
        const fresh = this.deps.queue.get(row.id);
        if (!fresh || (fresh.state !== 'pending' && fresh.state !== 'uploading')) continue;
        if (index > 0) this.deps.queue.startAttempt(row.id, label);
        try {
          await this.copyOne(session, io, { ...fresh, destination: label }, settings);
          this.failures = 0;
          this.backoffUntil = null;
          this.failingSince = null;
          this.lastError = null;
        } catch (error) {
          const failure = controller.signal.aborted
            ? new AppFailure(
                'CANCELLED',
                'The server stopped during the copy; it is resumed at the next start.',
              )
            : failureOf(error);
          if (DESTINATION_FAILURES.has(failure.code) || failure.code === 'CANCELLED') {
            this.destinationFailed(
              [row, ...due.filter((r) => r.id !== row.id)],
              failure,
              failure.code === 'CANCELLED',
            );
            return;
          }
          // This copy only (the local archive changed, a check failed): the others go on.
          this.copyFailed(row, failure);
        }
      }
    } finally {
      session?.close();
      io.close();
      this.controller = null;
      this.current = null;
      this.announce(true);
    }
  }

  private nextDelay(): number {
    return this.delays[Math.min(this.failures, this.delays.length - 1)]!;
  }

  /** The destination failed: this attempt counts for the first copy, the others wait with it. */
  private destinationFailed(rows: CopyRow[], failure: AppFailure, stopping = false): void {
    const now = this.deps.clock.now();
    if (stopping) {
      // Not the server's fault: no backoff, resumed at the next start.
      for (const row of rows) this.deps.queue.postpone(row.id, now);
      this.deps.queue.recover();
      return;
    }
    const next = now + this.nextDelay();
    this.failures++;
    this.failingSince ??= now;
    this.lastError = { code: failure.code, message: failure.message };
    const [first, ...rest] = rows;
    if (first) this.deps.queue.retryLater(first.id, failure, next);
    for (const row of rest) this.deps.queue.postpone(row.id, next);
    // Copies queued since this attempt began wait too (queued() holds the ones queued from now on).
    this.deps.queue.postponeWaiting(next);
    this.backoffUntil = next;
    this.deps.logger?.warn(`Offsite copy not made: ${failure.message}`);
  }

  private copyFailed(row: CopyRow, failure: AppFailure): void {
    const next = this.deps.clock.now() + this.delays[Math.min(row.attempts, this.delays.length - 1)]!;
    this.deps.queue.retryLater(row.id, failure, next, failure.code === 'INVALID_ARCHIVE');
    this.lastError = { code: failure.code, message: failure.message };
    this.deps.logger?.warn(`Offsite copy of ${path.basename(row.localFile)} failed: ${failure.message}`);
  }

  private async copyOne(session: OffsiteSession, io: TargetFs, row: CopyRow, settings: OffsiteSettings) {
    const { queue } = this.deps;
    const finalName = path.basename(row.localFile);
    const tempName = tempNameOf(row);
    const progress = (phase: CopyPhase, bytesDone: number) => {
      this.showCurrent(row, phase, bytesDone, row.sizeBytes);
      this.announce();
    };
    progress('uploading', 0);

    const local = await io.stat(row.localFile);
    if (!local) {
      const newer = queue.waiting().some((r) => r.repositoryId === row.repositoryId && r.id > row.id);
      if (newer) {
        queue.end(
          row.id,
          'superseded',
          'Removed locally by retention before it could be copied; a newer backup is copied instead.',
          'NOT_FOUND',
        );
      } else {
        queue.end(
          row.id,
          'failed',
          `The local backup ${row.localFile} is gone; it cannot be copied.`,
          'NOT_FOUND',
        );
      }
      await session.remove(tempName).catch(() => false);
      return;
    }
    if (local.size !== row.sizeBytes) {
      queue.end(
        row.id,
        'failed',
        `The local backup ${row.localFile} changed after it was verified; it was not copied.`,
        'INVALID_ARCHIVE',
      );
      await session.remove(tempName).catch(() => false);
      return;
    }

    // A copy already published by an attempt that was killed before it could record so.
    const published = await this.adoptPublished(session, row, finalName);
    if (published) {
      queue.copied(row.id, published);
      await this.retention(session, row, settings);
      return;
    }

    const partial = await session.stat(tempName);
    const offset = partial && partial.type === 'file' ? Math.min(row.uploadedBytes, partial.size) : 0;
    const free = await session.freeBytes();
    if (free !== null && free + (partial?.size ?? 0) < row.sizeBytes + SPACE_MARGIN) {
      if (partial && offset === 0) await session.remove(tempName).catch(() => false);
      throw new AppFailure(
        'NO_SPACE',
        `The offsite folder ${settings.remoteFolder} on ${settings.host}:${settings.port} has ${formatSize(free)} free; the copy of ${finalName} needs ${formatSize(row.sizeBytes - offset)}. The local backup is kept; free space on the server.`,
      );
    }

    if (offset > 0)
      this.deps.logger?.info(
        `Offsite: resuming the copy of ${finalName} at ${formatSize(offset)} of ${formatSize(row.sizeBytes)}.`,
      );
    const file = await io.open(row.localFile, 'r');
    try {
      let saved = offset;
      await session.put(
        tempName,
        { size: row.sizeBytes, read: (position, length) => file.read(position, length) },
        offset,
        ({ bytesDone, acknowledged }) => {
          if (acknowledged - saved >= SAVE_RESUME_EVERY) {
            saved = acknowledged;
            queue.setUploaded(row.id, acknowledged);
          }
          progress('uploading', bytesDone);
        },
      );
      queue.setUploaded(row.id, row.sizeBytes);
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === 'NO_SPACE') await session.remove(tempName).catch(() => false);
      throw failure;
    } finally {
      await file.close().catch(() => {});
    }
    progress('checking', 0);
    const digest = await session.digest(tempName, (done) => progress('checking', done));
    if (digest.size !== row.sizeBytes || digest.sha256 !== row.sha256) {
      await session.remove(tempName).catch(() => false);
      // Which side changed? The local archive must still be the one that was verified.
      if ((await this.localSha256(io, row)) !== row.sha256) {
        queue.end(
          row.id,
          'failed',
          `The local backup ${row.localFile} changed after it was verified; it was not copied.`,
          'INVALID_ARCHIVE',
        );
        return;
      }
      throw new AppFailure(
        'INVALID_ARCHIVE',
        `The copy of ${finalName} on ${settings.host}:${settings.port} did not match the local backup (size ${digest.size} of ${row.sizeBytes}, SHA-256 ${digest.sha256.slice(0, 12)}…); it was removed and will be sent again.`,
      );
    }

    let name = finalName;
    for (let n = 2; await session.stat(name); n++) {
      if (n > 50) throw new AppFailure('CONFLICT', `No free name for ${finalName} in the offsite folder.`);
      name = alternativeName(finalName, n);
    }
    await session.publish(tempName, name);
    const entry = await session.stat(name);
    if (!entry || entry.size !== row.sizeBytes)
      throw new AppFailure(
        'INVALID_ARCHIVE',
        `The copy ${name} is not on ${settings.host} after it was renamed.`,
      );
    queue.copied(row.id, { remoteName: name, checkedBy: digest.by, remoteMtime: entry.mtimeMs });
    this.deps.logger?.info(
      `Offsite copy of ${finalName} made and checked (${digest.by}) on ${settings.host}.`,
    );
    await this.retention(session, row, settings);
  }

  /** A final-named copy of exactly these bytes is there already (an attempt killed after the rename). */
  private async adoptPublished(session: OffsiteSession, row: CopyRow, finalName: string) {
    for (let n = 1; n <= 50; n++) {
      const name = n === 1 ? finalName : alternativeName(finalName, n);
      const entry = await session.stat(name);
      if (!entry) return null;
      if (entry.size !== row.sizeBytes) continue;
      const digest = await session.digest(name);
      if (digest.sha256 === row.sha256)
        return { remoteName: name, checkedBy: digest.by, remoteMtime: entry.mtimeMs };
    }
    return null;
  }

  private async retention(session: OffsiteSession, row: CopyRow, settings: OffsiteSettings): Promise<void> {
    this.showCurrent(row, 'retention');
    this.announce(true);
    try {
      const result = await applyRemoteRetention({
        session,
        queue: this.deps.queue,
        destination: row.destination,
        repository: { name: row.repository, id: row.repositoryId },
        keepLast: settings.keepLast,
      });
      if (result.deleted.length)
        this.deps.logger?.info(
          `Offsite retention removed ${result.deleted.length} older copy(ies) of ${row.repository}.`,
        );
      if (result.missing.length)
        this.deps.logger?.warn(`Offsite: ${result.missing.join(', ')} are no longer on the server.`);
    } catch (error) {
      // The copy is made; retention tries again after the next one.
      this.deps.logger?.warn(`Offsite retention for ${row.repository} not done: ${message(error)}`);
    }
  }

  private async localSha256(io: TargetFs, row: CopyRow): Promise<string | null> {
    try {
      return await sha256OfFile(io, row.localFile);
    } catch {
      return null;
    }
  }
}

/** SHA-256 of a local file, read through the file agent (the folder may be a share that hangs). */
export async function sha256OfFile(
  io: TargetFs,
  file: string,
  onBytes?: (done: number, total: number) => void,
): Promise<string> {
  const handle = await io.open(file, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = 4 * 1024 * 1024;
    let next = handle.read(0, chunk);
    for (let position = 0; position < handle.size;) {
      const bytes = await next;
      if (bytes.length === 0) break;
      position += bytes.length;
      // Read ahead while hashing.
      next = position < handle.size ? handle.read(position, chunk) : Promise.resolve(new Uint8Array(0));
      hash.update(bytes);
      onBytes?.(position, handle.size);
    }
    await next;
    return hash.digest('hex');
  } finally {
    await handle.close().catch(() => {});
  }
}
