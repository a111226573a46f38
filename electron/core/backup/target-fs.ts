import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import yauzl from 'yauzl';
import { AppFailure } from '../../shared/result';
import type { AgentErrorInfo, AgentLauncher, AgentProcess, AgentResponse } from './fs-agent';

// The server's side of the file agent (fs-agent.ts): every call on a user-chosen path, each under a
// deadline that counts time without progress, not total time. While a call is pending and the agent has
// answered nothing for `timeoutMs`, the folder is taken as not answering: the agent is killed, every
// pending call fails naming the folder, and the job moves on. A slow share that keeps answering (one
// 1 MB write at a time) is never cut off, however long the whole backup takes.

export interface TargetFsOptions {
  launcher: AgentLauncher;
  /** No answer for this long while a call waits: the folder does not answer. */
  timeoutMs: number;
  /** Cancels every pending call at once (the agent is killed: a stuck call cannot hold a cancel). */
  signal?: AbortSignal;
  /** How messages name the folder: a backup's "target folder", or the folder of an archive being read. */
  role?: 'target' | 'source';
  /** Told when an agent that was abandoned with calls in flight has finally exited. */
  onAbandonedExit?: (pid: number | undefined) => void;
}

export interface EntryInfo {
  name: string;
  type: 'file' | 'dir' | 'other';
}

export interface StatInfo {
  type: 'file' | 'dir' | 'other';
  size: number;
  mtimeMs: number;
}

interface Pending {
  op: string;
  folder: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** A watchdog timer this late means the server's thread was busy, not that the folder was silent. */
const LATE_TIMER_MS = 1_000;

/** An errno-style error, as describeFsError expects one. */
function agentError(info: AgentErrorInfo): NodeJS.ErrnoException & { blocker?: string } {
  return Object.assign(new Error(info.message), info);
}

export const isNotResponding = (error: unknown) =>
  error instanceof AppFailure && error.code === 'NOT_RESPONDING';

/** One agent's calls: each job that touches a user-chosen path has its own, so a hung one fails only it. */
export class TargetFs {
  private agent: AgentProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastAnswerAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private failure: AppFailure | null = null;
  private readonly onAbort = () =>
    this.abandon(new AppFailure('CANCELLED', 'Cancelled; no file was left behind.'));
  /** The pid of an agent killed while a call was in flight: that call may still land (a late rename). */
  stuckPid: number | undefined;
  private stuckExit: Promise<void> | null = null;
  /** Files open in the agent: one a job leaves open (it failed midway) is never handed to the next. */
  private readonly openFds = new Set<number>();

  constructor(private readonly options: TargetFsOptions) {
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Resolves once an abandoned agent is gone (its stuck call returned); at once when none is. */
  whenSettled(): Promise<void> {
    return this.stuckExit ?? Promise.resolve();
  }

  private notResponding(folder: string): AppFailure {
    const what = this.options.role === 'source' ? 'The folder' : 'The target folder';
    return new AppFailure(
      'NOT_RESPONDING',
      `${what} ${folder} did not answer for ${seconds(this.options.timeoutMs)}; check the disk or the network share.`,
    );
  }

  private start(): AgentProcess {
    const agent = this.options.launcher();
    agent.onMessage((response: AgentResponse) => {
      if (this.agent !== agent) return;
      this.lastAnswerAt = performance.now();
      const call = this.pending.get(response.id);
      if (!call) return;
      this.pending.delete(response.id);
      if (response.ok) call.resolve(response.value);
      else call.reject(agentError(response.error));
      if (this.pending.size === 0) {
        this.stopWatchdog();
        agent.setBusy(false);
      }
    });
    agent.onExit(() => {
      if (this.agent !== agent) return;
      this.agent = null;
      this.fail(new AppFailure('INTERNAL', 'The file agent stopped unexpectedly.'));
    });
    return agent;
  }

  call<T>(op: string, args: Record<string, unknown>, folder: string): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.options.signal?.aborted) {
      this.onAbort();
      return Promise.reject(this.failure!);
    }
    this.agent ??= this.start();
    const id = this.nextId++;
    // From idle to busy: the time spent idle is not the folder's fault.
    if (this.pending.size === 0) {
      this.lastAnswerAt = performance.now();
      this.agent.setBusy(true);
    }
    const promise = new Promise<T>((resolve, reject) =>
      this.pending.set(id, { op, folder, resolve: resolve as (v: unknown) => void, reject }),
    );
    this.agent.send({ id, op, ...args });
    this.armWatchdog();
    return promise;
  }

  private armWatchdog(): void {
    if (this.watchdog) return;
    const arm = (ms: number) => {
      const due = performance.now() + ms;
      const timer = setTimeout(() => {
        // Timers run before I/O in each turn of the event loop: after the server's own thread was busy
        // for a long time, the agent's answers are still unread. Look again once they have been read,
        // and do not blame the folder for time the server itself did not look.
        const late = performance.now() - due;
        setImmediate(() => {
          if (this.watchdog === timer) check(late); // not stopped (or re-armed) meanwhile
        });
      }, ms);
      timer.unref();
      this.watchdog = timer;
    };
    const check = (late: number) => {
      this.watchdog = null;
      if (this.pending.size === 0 || this.failure) return;
      if (late > LATE_TIMER_MS) {
        this.lastAnswerAt = performance.now();
        arm(this.options.timeoutMs);
        return;
      }
      const quiet = performance.now() - this.lastAnswerAt;
      if (quiet >= this.options.timeoutMs) {
        const oldest = this.pending.values().next().value!;
        this.abandon(this.notResponding(oldest.folder));
        return;
      }
      arm(this.options.timeoutMs - quiet + 5);
    };
    arm(this.options.timeoutMs + 5);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private fail(failure: AppFailure): void {
    this.failure ??= failure;
    this.stopWatchdog();
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(this.failure);
  }

  /** Kills the agent and fails every pending call (and every later one) with `failure`. */
  abandon(failure: AppFailure): void {
    const agent = this.agent;
    const inFlight = this.pending.size > 0;
    this.agent = null;
    this.fail(failure);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!agent) return;
    if (inFlight) {
      this.stuckPid = agent.pid;
      this.stuckExit = new Promise<void>((resolve) =>
        agent.onExit(() => {
          this.options.onAbandonedExit?.(agent.pid);
          resolve();
        }),
      );
    }
    agent.kill();
  }

  /** Ends the agent; calls still pending are abandoned. */
  close(): void {
    if (this.pending.size > 0) {
      this.abandon(new AppFailure('CANCELLED', 'Closed while a call was still pending.'));
      return;
    }
    this.options.signal?.removeEventListener('abort', this.onAbort);
    // Every call answered and every file closed: the agent holds nothing, and may serve the next job.
    if (this.agent?.release && this.openFds.size === 0) this.agent.release();
    else this.agent?.kill();
    this.agent = null;
    this.failure ??= new AppFailure('INTERNAL', 'This file agent was closed.');
  }

  // The calls, each naming the folder a timeout would be blamed on.

  mkdirp(folder: string): Promise<{ created: boolean }> {
    return this.call('mkdirp', { path: folder }, folder);
  }
  /** null when nothing is there. */
  stat(file: string): Promise<StatInfo | null> {
    return this.call('stat', { path: file }, path.dirname(file));
  }
  /** lstat of several names in `folder`: links are 'other', a name gone meanwhile is 'gone'. */
  statMany(
    folder: string,
    names: string[],
  ): Promise<Array<{ name: string; type: StatInfo['type'] | 'gone' } & Omit<StatInfo, 'type'>>> {
    return this.call('statMany', { folder, names }, folder);
  }
  async freeBytes(folder: string): Promise<number> {
    return (await this.call<{ freeBytes: number }>('statfs', { path: folder }, folder)).freeBytes;
  }
  probe(folder: string, name: string): Promise<void> {
    return this.call('probe', { folder, name }, folder);
  }
  readdir(folder: string): Promise<EntryInfo[]> {
    return this.call('readdir', { path: folder }, folder);
  }
  /** true when a file was removed, false when there was none. */
  unlink(file: string): Promise<boolean> {
    return this.call('unlink', { path: file }, path.dirname(file));
  }
  link(from: string, to: string): Promise<void> {
    return this.call('link', { from, to }, path.dirname(to));
  }
  rename(from: string, to: string): Promise<void> {
    return this.call('rename', { from, to }, path.dirname(to));
  }
  syncFolder(folder: string): Promise<void> {
    return this.call('syncFolder', { path: folder }, folder);
  }

  async open(file: string, flags: 'wx' | 'r', mode = 0o644): Promise<TargetFile> {
    const folder = path.dirname(file);
    const { fd, size } = await this.call<{ fd: number; size: number }>(
      'open',
      { path: file, flags, mode },
      folder,
    );
    this.openFds.add(fd);
    return new TargetFile(this, fd, file, size);
  }

  /** A file's close was answered: its agent holds it no longer. */
  closed(fd: number): void {
    this.openFds.delete(fd);
  }
}

/** A file open in the agent. */
export class TargetFile {
  private closed = false;
  private readonly folder: string;

  constructor(
    private readonly io: TargetFs,
    readonly fd: number,
    readonly file: string,
    /** The size when it was opened. */
    readonly size: number,
  ) {
    this.folder = path.dirname(file);
  }

  write(data: Uint8Array, position: number): Promise<number> {
    return this.io.call('write', { fd: this.fd, data, position }, this.folder);
  }
  read(position: number, length: number): Promise<Uint8Array> {
    return this.io.call('read', { fd: this.fd, position, length }, this.folder);
  }
  datasync(): Promise<void> {
    return this.io.call('datasync', { fd: this.fd }, this.folder);
  }
  fsync(): Promise<void> {
    return this.io.call('fsync', { fd: this.fd }, this.folder);
  }
  currentSize(): Promise<number> {
    return this.io.call('size', { fd: this.fd }, this.folder);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.io.call('close', { fd: this.fd }, this.folder);
    this.io.closed(this.fd);
  }
}

/** Bytes in flight to the agent before a writer waits: enough to keep a disk busy, little memory. */
const WRITE_WINDOW = 8 * 1024 * 1024;
/** Synced as the file grows rather than all at the end (one large final sync saturates the disk). */
const SYNC_EVERY = 8 * 1024 * 1024;

/**
 * A Writable into a file open in the agent: positional writes, a bounded window of bytes in flight,
 * a datasync every 8 MB, and a full fsync when it ends, so the file is durable before it is published.
 */
export function fileWriter(file: TargetFile): Writable & { bytesWritten(): number } {
  let position = 0;
  let inFlight = 0;
  let unsynced = 0;
  let failed: Error | null = null;
  const writes = new Set<Promise<unknown>>();
  let waiting: (() => void) | null = null;
  const track = (p: Promise<unknown>) => {
    const tracked = p.then(
      () => {},
      (error: Error) => {
        failed ??= error;
      },
    );
    writes.add(tracked);
    void tracked.finally(() => {
      writes.delete(tracked);
      const go = waiting;
      waiting = null;
      go?.();
    });
  };
  const writer = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      if (failed) return callback(failed);
      const at = position;
      position += chunk.length;
      inFlight += chunk.length;
      unsynced += chunk.length;
      track(file.write(chunk, at).finally(() => (inFlight -= chunk.length)));
      if (unsynced >= SYNC_EVERY) {
        unsynced = 0;
        track(file.datasync());
      }
      if (inFlight < WRITE_WINDOW) return callback();
      const resume = () => {
        if (failed) return callback(failed);
        if (inFlight < WRITE_WINDOW) return callback();
        waiting = resume;
      };
      waiting = resume;
    },
    final(callback) {
      void Promise.all(writes)
        .then(() => {
          if (failed) throw failed;
          return file.fsync();
        })
        .then(() => callback(), callback);
    },
  });
  return Object.assign(writer, { bytesWritten: () => position });
}

const READ_CHUNK = 1 << 20;

/** yauzl reads an archive through this: random access ranges, each read a call to the agent. */
export class AgentReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: TargetFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    let position = start;
    const file = this.file;
    return new Readable({
      highWaterMark: READ_CHUNK,
      read() {
        if (position >= end) {
          this.push(null);
          return;
        }
        const length = Math.min(READ_CHUNK, end - position);
        file.read(position, length).then(
          (bytes) => {
            if (bytes.length === 0) {
              this.destroy(new Error(`unexpected end of file at ${position} (of ${end})`));
              return;
            }
            position += bytes.length;
            this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
          },
          (error: Error) => this.destroy(error),
        );
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    this.file.close().then(
      () => callback(null),
      // Closing a file of an abandoned agent: the agent is gone, and so is the descriptor.
      () => callback(null),
    );
  }
}
