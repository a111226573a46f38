import { createHash } from 'node:crypto';
import net from 'node:net';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { HostKeySeen } from '../../shared/contract/offsite';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { OffsiteSettings } from '../../shared/settings-schema';
import { formatSize } from '../../shared/format-size';
import {
  isPlainName,
  type OffsiteDestination,
  type OffsiteSession,
  type PutSource,
  type RemoteDigest,
  type RemoteEntry,
} from './destination';
import { hostKeyMessages, judgeHostKey } from './host-key';

// The SFTP destination, on the `ssh2` library (no hand-written protocol). A server that stops answering
// must not hold anything: every call — the TCP connect, the key exchange, the login, each SFTP request
// and a remote `sha256sum` — runs under a deadline of *no progress* (the server answered nothing for
// `timeoutSeconds` while a call waited), after which the connection is destroyed and every pending call
// fails. Sockets never hold a thread, so destroying the connection ends the attempt at once; cancel
// does the same. Only SFTP answers count as progress once logged in — not SSH keepalives or window
// updates, which sshd keeps sending while its sftp-server is stuck on a dead disk.

export interface SftpLogin {
  settings: Pick<
    OffsiteSettings,
    'host' | 'port' | 'username' | 'auth' | 'remoteFolder' | 'knownHosts' | 'check' | 'timeoutSeconds'
  >;
  /** The private key's text (read through the file agent by the caller) for auth "key-file". */
  privateKey?: Uint8Array | null;
  /** The key passphrase or the password; never logged. */
  secret: string | null;
  /** ssh-agent's socket for auth "agent" (SSH_AUTH_SOCK; "pageant" on Windows). */
  agentSocket?: string | null;
  /** Told the host key the server presented, whether accepted or not. */
  onHostKey?: (seen: HostKeySeen) => void;
}

/** How much silence a remote `sha256sum` may keep, beyond the deadline: it prints only when done. */
const HASH_BYTES_PER_SECOND = 20 * 1024 * 1024;
/** Requests in flight while writing or reading back: loopback and long links both stay busy. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;
const LOCAL_CHUNK = 1024 * 1024;
/** A watchdog that runs this late means our own thread was busy, not that the server was silent. */
const LATE_TIMER_MS = 1_000;

// SFTP status codes (draft-ietf-secsh-filexfer-02).
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const FAILURE = 4;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Joins the remote folder and a plain name with "/" (SFTP paths are POSIX on every client). */
export function remotePath(folder: string, name: string): string {
  if (!isPlainName(name))
    throw new AppFailure('INVALID_ARGUMENT', `"${name.slice(0, 80)}" is not a plain file name.`);
  const base = folder.replace(/\/+$/, '');
  // "/" is the root; "" is the login folder itself (never the root by accident).
  if (base === '') return folder.startsWith('/') ? `/${name}` : name;
  return `${base}/${name}`;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function sftpLabel(s: Pick<OffsiteSettings, 'host' | 'port' | 'username' | 'remoteFolder'>): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  const folder = s.remoteFolder.startsWith('/') ? s.remoteFolder : `~/${s.remoteFolder}`;
  return `sftp://${s.username}@${host}:${s.port}${folder.startsWith('/') ? '' : '/'}${folder}`;
}

export class SftpDestination implements OffsiteDestination {
  readonly label: string;

  constructor(private readonly login: SftpLogin) {
    this.label = sftpLabel(login.settings);
  }

  open(signal: AbortSignal): Promise<OffsiteSession> {
    return SftpSession.connect(this.login, signal);
  }
}

/** The watchdog of one connection: pending calls, and when the server last answered. */
class Silence {
  private pending = 0;
  private lastAnswerAt = performance.now();
  /** Extra silence allowed for the calls pending now (a remote hash of a large file). */
  private allowance = 0;
  private timer: NodeJS.Timeout | null = null;
  private due = 0;

  constructor(
    private readonly timeoutMs: number,
    /** What silence does: fail the connect, then (once logged in) the session's calls. */
    public onSilent: () => void,
  ) {}

  begin(allowanceMs = 0): () => void {
    if (this.pending === 0) this.lastAnswerAt = performance.now();
    this.pending++;
    this.allowance = Math.max(this.allowance, allowanceMs);
    this.arm();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.answered();
      this.pending--;
      if (this.pending === 0) {
        this.allowance = 0;
        this.stop();
      }
    };
  }

  answered(): void {
    this.lastAnswerAt = performance.now();
  }

  private arm(): void {
    if (this.timer) return;
    const ms = Math.max(50, Math.min(1_000, this.timeoutMs / 4));
    this.due = performance.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      const late = performance.now() - this.due;
      // Answers that arrived while our thread was busy are read after timers: look once they are.
      setImmediate(() => {
        if (this.pending === 0) return;
        if (late > LATE_TIMER_MS) this.lastAnswerAt = performance.now();
        if (performance.now() - this.lastAnswerAt >= this.timeoutMs + this.allowance) {
          this.stop();
          this.onSilent();
          return;
        }
        this.arm();
      });
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

class SftpSession implements OffsiteSession {
  private failure: AppFailure | null = null;
  private readonly rejecters = new Set<(error: AppFailure) => void>();
  private canExec: boolean;

  private constructor(
    private readonly login: SftpLogin,
    private readonly conn: Client,
    private readonly sftp: SFTPWrapper,
    private readonly silence: Silence,
    private readonly where: string,
  ) {
    this.canExec = login.settings.check === 'auto';
  }

  private get folder(): string {
    return this.login.settings.remoteFolder;
  }

  static connect(login: SftpLogin, signal: AbortSignal): Promise<OffsiteSession> {
    const { host, port, username, auth, timeoutSeconds } = login.settings;
    const where = `${host}:${port}`;
    const timeoutMs = timeoutSeconds * 1000;
    return new Promise<OffsiteSession>((resolve, reject) => {
      if (signal.aborted) return reject(new AppFailure('CANCELLED', 'Cancelled.'));
      const conn = new Client();
      let seen: HostKeySeen | null = null;
      let settled = false;
      let handshaking = true;
      const finish = (error: AppFailure | null, session?: SftpSession) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) {
          silence.stop();
          conn.destroy();
          sock.destroy();
          reject(error);
        } else resolve(session!);
      };
      const silence = new Silence(timeoutMs, () =>
        finish(
          new AppFailure(
            'NOT_RESPONDING',
            `The offsite server ${where} did not answer for ${seconds(timeoutMs)} while connecting; check the server and the network.`,
          ),
        ),
      );
      const onAbort = () => finish(new AppFailure('CANCELLED', 'Cancelled.'));
      signal.addEventListener('abort', onAbort, { once: true });
      const connecting = silence.begin();
      const sock = net.connect({ host, port });
      sock.setNoDelay(true);
      // While connecting every byte is progress; once logged in only SFTP answers are (see above).
      sock.on('data', () => {
        if (handshaking) silence.answered();
      });
      sock.on('error', () => {
        // ssh2 reports it through the client's 'error'.
      });
      const config: ConnectConfig = {
        sock,
        username,
        // Our deadline is the one that counts; ssh2's would fire on a slow but live server.
        readyTimeout: 0,
        keepaliveInterval: 0,
        hostVerifier: (key: Buffer) => {
          seen = judgeHostKey(login.settings, host, port, key);
          login.onHostKey?.(seen);
          return seen.state === 'pinned';
        },
        // Ciphers Node's own crypto runs (the optional native binding of ssh2 is not built).
        algorithms: {
          cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes256-ctr'],
        },
      };
      if (auth === 'key-file') {
        if (!login.privateKey)
          return finish(new AppFailure('AUTH_FAILED', 'No private key file was read; choose the key file.'));
        config.privateKey = Buffer.from(login.privateKey);
        if (login.secret) config.passphrase = login.secret;
      } else if (auth === 'password') {
        if (!login.secret)
          return finish(
            new AppFailure('AUTH_FAILED', 'No password is stored for the offsite server; enter it.'),
          );
        config.password = login.secret;
      } else {
        const agent =
          login.agentSocket ?? (process.platform === 'win32' ? 'pageant' : process.env.SSH_AUTH_SOCK);
        if (!agent)
          return finish(
            new AppFailure(
              'AUTH_FAILED',
              'No ssh-agent is running for this server (SSH_AUTH_SOCK is not set).',
            ),
          );
        config.agent = agent;
      }
      conn.on('error', (error: Error & { level?: string; code?: string }) =>
        finish(classifyConnectError(error, where, seen, username)),
      );
      conn.on('close', () =>
        finish(
          new AppFailure(
            'UNREACHABLE',
            `The offsite server ${where} closed the connection while connecting.`,
          ),
        ),
      );
      conn.on('ready', () => {
        handshaking = false;
        silence.answered();
        conn.sftp((error, sftp) => {
          if (error) {
            finish(
              new AppFailure(
                'NOT_SUPPORTED',
                `The offsite server ${where} does not offer SFTP: ${message(error)}`,
              ),
            );
            return;
          }
          connecting();
          const session = new SftpSession(login, conn, sftp, silence, where);
          // From now on a silent server, a closed connection and a cancel fail the session's calls.
          silence.onSilent = () =>
            session.fail(
              new AppFailure(
                'NOT_RESPONDING',
                `The offsite server ${where} did not answer for ${seconds(timeoutMs)}; the copy will be tried again.`,
              ),
            );
          conn.removeAllListeners('close');
          conn.removeAllListeners('error');
          conn.on('error', (e: Error) =>
            session.fail(new AppFailure('UNREACHABLE', `The connection to ${where} failed: ${message(e)}`)),
          );
          conn.on('close', () =>
            session.fail(new AppFailure('UNREACHABLE', `The offsite server ${where} closed the connection.`)),
          );
          signal.addEventListener('abort', () => session.fail(new AppFailure('CANCELLED', 'Cancelled.')), {
            once: true,
          });
          session
            .ensureFolder()
            .then(() => finish(null, session))
            .catch((e: unknown) => {
              session.close();
              finish(isAppFailure(e) ? e : new AppFailure('INTERNAL', message(e)));
            });
        });
      });
      try {
        conn.connect(config);
      } catch (error) {
        // A key ssh2 cannot parse (or decrypt) throws here.
        finish(classifyConnectError(error as Error, where, seen, username));
      }
    });
  }

  fail(failure: AppFailure): void {
    if (this.failure) return;
    this.failure = failure;
    this.silence.stop();
    this.conn.destroy();
    for (const reject of [...this.rejecters]) reject(failure);
    this.rejecters.clear();
  }

  close(): void {
    if (this.failure) return;
    this.failure = new AppFailure('INTERNAL', 'This offsite connection was closed.');
    this.silence.stop();
    this.conn.end();
    // A server that does not answer our goodbye must not keep the socket.
    setTimeout(() => this.conn.destroy(), 1_000).unref();
    for (const reject of [...this.rejecters]) reject(this.failure);
    this.rejecters.clear();
  }

  /** One SFTP request under the deadline; `fn` calls its callback exactly once. */
  private call<T>(
    what: string,
    fn: (done: (error: unknown, value?: T) => void) => void,
    allowanceMs = 0,
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const end = this.silence.begin(allowanceMs);
      const rejecter = (error: AppFailure) => {
        end();
        reject(error);
      };
      this.rejecters.add(rejecter);
      const done = (error: unknown, value?: T) => {
        if (!this.rejecters.delete(rejecter)) return; // the session failed first
        end();
        if (error) reject(this.describe(error, what));
        else resolve(value as T);
      };
      try {
        fn(done);
      } catch (error) {
        // ssh2 throws for an extension the server lacks, or a closed channel.
        done(error);
      }
    });
  }

  private describe(error: unknown, what: string): AppFailure {
    if (isAppFailure(error)) return error;
    const e = error as { code?: unknown; message?: string };
    const text = `${what} on ${this.where} failed: ${e.message ?? String(error)}`;
    if (e.code === NO_SUCH_FILE) return new AppFailure('NOT_FOUND', text);
    if (e.code === PERMISSION_DENIED)
      return new AppFailure(
        'NOT_WRITABLE',
        `The offsite folder ${this.folder} on ${this.where} is not writable for ${this.login.settings.username} (permission denied).`,
      );
    return new AppFailure(e.code === FAILURE ? 'NOT_WRITABLE' : 'INTERNAL', text);
  }

  private path(name: string): string {
    return remotePath(this.folder, name);
  }

  /** Creates the remote folder level by level when missing; a file in its place is refused. */
  async ensureFolder(): Promise<void> {
    const parts = this.folder.split('/').filter((p) => p !== '' && p !== '.');
    const absolute = this.folder.startsWith('/');
    let at = absolute ? '' : '.';
    for (const part of parts) {
      at = at === '' ? `/${part}` : `${at}/${part}`;
      const here = at;
      const stats = await this.call<{ isDirectory(): boolean } | null>('Looking at the folder', (done) =>
        this.sftp.stat(here, (error, s) => {
          if (error && (error as { code?: unknown }).code === NO_SUCH_FILE) done(null, null);
          else done(error, s);
        }),
      );
      if (stats && !stats.isDirectory())
        throw new AppFailure(
          'NOT_WRITABLE',
          `${here} on ${this.where} is a file, not a folder; choose another remote folder.`,
        );
      if (!stats)
        await this.call<void>('Creating the folder', (done) => this.sftp.mkdir(here, (error) => done(error)));
    }
  }

  async list(): Promise<RemoteEntry[]> {
    const entries = await this.call<
      Array<{ filename: string; attrs: { size: number; mtime: number; mode: number } }>
    >('Listing the folder', (done) =>
      this.sftp.readdir(this.folder || '.', (error, list) => done(error, list)),
    );
    return entries
      .filter((e) => isPlainName(e.filename))
      .map((e) => ({
        name: e.filename,
        type: kindOf(e.attrs.mode),
        size: e.attrs.size,
        mtimeMs: e.attrs.mtime * 1000,
      }));
  }

  async stat(name: string): Promise<RemoteEntry | null> {
    const file = this.path(name);
    return this.call<RemoteEntry | null>('Looking at a file', (done) =>
      this.sftp.stat(file, (error, s) => {
        if (error && (error as { code?: unknown }).code === NO_SUCH_FILE) return done(null, null);
        if (error) return done(error);
        done(null, { name, type: kindOf(s.mode), size: s.size, mtimeMs: s.mtime * 1000 });
      }),
    );
  }

  async put(
    tempName: string,
    source: PutSource,
    offset: number,
    onProgress: (p: { bytesDone: number; bytesTotal: number; acknowledged: number }) => void,
  ): Promise<void> {
    const file = this.path(tempName);
    const total = source.size;
    if (offset < 0 || offset > total) offset = 0;
    // 'w' truncates a fresh start; 'r+' keeps what an earlier attempt wrote (resume).
    const handle = await this.call<Buffer>('Opening the copy', (done) =>
      this.sftp.open(file, offset > 0 ? 'r+' : 'w', { mode: 0o600 }, (error, h) => done(error, h)),
    );
    const piece = Math.max(
      4096,
      Math.min(256 * 1024, (this.sftp as unknown as { _maxWriteLen?: number })._maxWriteLen ?? 32768),
    );
    // Acknowledged ranges, to know the contiguous prefix the server holds (the resume point).
    const acked = new Map<number, number>();
    let contiguous = offset;
    let inFlight = 0;
    let waiter: (() => void) | null = null;
    let writeError: unknown = null;
    const wake = () => {
      const w = waiter;
      waiter = null;
      w?.();
    };
    try {
      for (let position = offset; position < total;) {
        const length = Math.min(LOCAL_CHUNK, total - position);
        const chunk = Buffer.from(await source.read(position, length));
        if (chunk.length !== length)
          throw new AppFailure(
            'INVALID_ARCHIVE',
            'The local archive is shorter than when it was queued; it changed.',
          );
        for (let at = 0; at < chunk.length; at += piece) {
          while (inFlight >= MAX_IN_FLIGHT_BYTES && !writeError) await new Promise<void>((r) => (waiter = r));
          if (writeError) throw writeError;
          const len = Math.min(piece, chunk.length - at);
          const start = position + at;
          inFlight += len;
          this.call<void>('Writing the copy', (done) =>
            this.sftp.write(handle, chunk, at, len, start, (e) => done(e)),
          )
            .then(() => {
              inFlight -= len;
              acked.set(start, len);
              while (acked.has(contiguous)) {
                const n = acked.get(contiguous)!;
                acked.delete(contiguous);
                contiguous += n;
              }
              onProgress({ bytesDone: contiguous, bytesTotal: total, acknowledged: contiguous });
              wake();
            })
            .catch((e: unknown) => {
              inFlight -= len;
              writeError ??= e;
              wake();
            });
        }
        position += length;
      }
      while (inFlight > 0 && !writeError) await new Promise<void>((r) => (waiter = r));
      if (writeError) throw writeError;
      // Durable on the server's disk before it is checked and published (where the server can).
      if (this.hasExtension('fsync@openssh.com'))
        await this.call<void>('Flushing the copy', (done) =>
          this.sftp.ext_openssh_fsync(handle, (e) => done(e)),
        );
    } catch (error) {
      throw await this.explainWriteFailure(error, total - contiguous);
    } finally {
      if (!this.failure)
        await this.call<void>('Closing the copy', (done) => this.sftp.close(handle, (e) => done(e))).catch(
          () => {},
        );
    }
  }

  /** A write the server refused with a bare "Failure" is most often a full disk: say so when it is. */
  private async explainWriteFailure(error: unknown, remaining: number): Promise<unknown> {
    if (!isAppFailure(error) || error.code !== 'NOT_WRITABLE' || this.failure) return error;
    const free = await this.freeBytes().catch(() => null);
    if (free !== null && free < Math.max(remaining, 1) + 64 * 1024)
      return new AppFailure(
        'NO_SPACE',
        `The offsite folder ${this.folder} on ${this.where} is full (${formatSize(free)} free); the copy was not made. Free space on the server or lower the copies kept there.`,
      );
    return error;
  }

  private hasExtension(name: string): boolean {
    const extensions = (this.sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
    return name in extensions;
  }

  async publish(tempName: string, finalName: string): Promise<void> {
    const from = this.path(tempName);
    const to = this.path(finalName);
    if (await this.stat(finalName))
      throw new AppFailure('CONFLICT', `${finalName} already exists in the offsite folder on ${this.where}.`);
    // SSH_FXP_RENAME does not replace an existing file (OpenSSH links, then unlinks): never a clobber.
    await this.call<void>('Renaming the copy', (done) => this.sftp.rename(from, to, (e) => done(e)));
  }

  async getRange(name: string, start: number, length: number): Promise<Uint8Array> {
    const file = this.path(name);
    const handle = await this.call<Buffer>('Opening a copy', (done) =>
      this.sftp.open(file, 'r', (e, h) => done(e, h)),
    );
    try {
      return await this.readRange(handle, start, length);
    } finally {
      if (!this.failure)
        await this.call<void>('Closing a copy', (done) => this.sftp.close(handle, (e) => done(e))).catch(
          () => {},
        );
    }
  }

  /** Reads [start, start + length) with many requests in flight; bytes come back in order. */
  private async readRange(
    handle: Buffer,
    start: number,
    length: number,
    onChunk?: (bytes: Buffer) => void,
  ): Promise<Buffer> {
    const piece = Math.max(
      4096,
      Math.min(256 * 1024, (this.sftp as unknown as { _maxReadLen?: number })._maxReadLen ?? 32768),
    );
    const keep = !onChunk;
    const parts: Buffer[] = [];
    const ready = new Map<number, Buffer>();
    let next = start;
    let emitted = start;
    const end = start + length;
    let inFlight = 0;
    let error: unknown = null;
    let waiter: (() => void) | null = null;
    const wake = () => {
      const w = waiter;
      waiter = null;
      w?.();
    };
    const flush = () => {
      while (ready.has(emitted)) {
        const bytes = ready.get(emitted)!;
        ready.delete(emitted);
        emitted += bytes.length;
        if (keep) parts.push(bytes);
        else onChunk!(bytes);
      }
    };
    const request = (at: number, len: number): void => {
      inFlight++;
      const buffer = Buffer.allocUnsafe(len);
      this.call<number>('Reading a copy', (done) =>
        this.sftp.read(handle, buffer, 0, len, at, (e, bytesRead) => {
          // End of file reads as an error with code 1 (EOF) in ssh2.
          if (e && (e as { code?: unknown }).code === 1) return done(null, 0);
          done(e, bytesRead);
        }),
      )
        .then((n) => {
          inFlight--;
          if (n === 0) {
            error ??= new AppFailure(
              'INVALID_ARCHIVE',
              `The copy on ${this.where} is shorter than expected.`,
            );
          } else if (n < len) {
            // A short read: ask for the rest of this piece.
            ready.set(at, buffer.subarray(0, n));
            flush();
            request(at + n, len - n);
            return;
          } else {
            ready.set(at, buffer);
            flush();
          }
          wake();
        })
        .catch((e: unknown) => {
          inFlight--;
          error ??= e;
          wake();
        });
    };
    while (emitted < end) {
      while (next < end && next - emitted < MAX_IN_FLIGHT_BYTES && !error) {
        const len = Math.min(piece, end - next);
        request(next, len);
        next += len;
      }
      if (error) throw error;
      if (emitted >= end) break;
      await new Promise<void>((r) => (waiter = r));
      if (error) throw error;
      flush();
    }
    while (inFlight > 0) await new Promise<void>((r) => (waiter = r));
    return keep ? Buffer.concat(parts) : Buffer.alloc(0);
  }

  async digest(name: string, onBytes?: (done: number) => void): Promise<RemoteDigest> {
    const entry = await this.stat(name);
    if (!entry || entry.type !== 'file')
      throw new AppFailure('NOT_FOUND', `${name} is not on ${this.where}.`);
    if (this.canExec) {
      const remote = await this.remoteSha256(name, entry.size).catch((error: unknown) => {
        if (isAppFailure(error) && error.code !== 'INTERNAL') throw error;
        return null;
      });
      if (remote) return { size: entry.size, sha256: remote, by: 'remote-command' };
      // Commands are not allowed (an SFTP-only account, a chroot): read it back from now on.
      this.canExec = false;
    }
    const file = this.path(name);
    const handle = await this.call<Buffer>('Opening the copy', (done) =>
      this.sftp.open(file, 'r', (e, h) => done(e, h)),
    );
    try {
      const hash = createHash('sha256');
      let done = 0;
      await this.readRange(handle, 0, entry.size, (bytes) => {
        hash.update(bytes);
        done += bytes.length;
        onBytes?.(done);
      });
      return { size: entry.size, sha256: hash.digest('hex'), by: 'read-back' };
    } finally {
      if (!this.failure)
        await this.call<void>('Closing the copy', (d) => this.sftp.close(handle, (e) => d(e))).catch(
          () => {},
        );
    }
  }

  /** `sha256sum` on the server; null-like INTERNAL failures mean commands are not available. */
  private remoteSha256(name: string, size: number): Promise<string> {
    const command = `sha256sum -b -- ${shellQuote(this.path(name))}`;
    const allowance = (size / HASH_BYTES_PER_SECOND) * 1000;
    return this.call<string>(
      'Checking the copy',
      (done) =>
        this.conn.exec(command, (error: Error | undefined, channel: ClientChannel) => {
          if (error) return done(new AppFailure('INTERNAL', `commands are not allowed: ${error.message}`));
          let out = '';
          channel.on('data', (data: Buffer) => {
            this.silence.answered();
            if (out.length < 4096) out += data.toString('latin1');
          });
          channel.stderr.on('data', () => this.silence.answered());
          channel.on('close', (code: number | null) => {
            const match = /^([0-9a-f]{64}) /.exec(out);
            if (code === 0 && match) done(null, match[1]);
            else done(new AppFailure('INTERNAL', `sha256sum is not available (exit ${code ?? 'none'}).`));
          });
          // An SFTP-only account runs its sftp-server for any command: end its input so it exits.
          channel.end();
        }),
      allowance,
    );
  }

  async remove(name: string): Promise<boolean> {
    const file = this.path(name);
    return this.call<boolean>('Removing a copy', (done) =>
      this.sftp.unlink(file, (error) => {
        if (error && (error as { code?: unknown }).code === NO_SUCH_FILE) return done(null, false);
        done(error, true);
      }),
    );
  }

  async freeBytes(): Promise<number | null> {
    if (!this.hasExtension('statvfs@openssh.com')) return null;
    const folder = this.folder || '.';
    const stats = await this.call<{ f_bavail: number; f_frsize: number }>('Reading the free space', (done) =>
      this.sftp.ext_openssh_statvfs(folder, (e, s) => done(e, s)),
    );
    return Number(stats.f_bavail) * Number(stats.f_frsize);
  }
}

function kindOf(mode: number): RemoteEntry['type'] {
  const type = mode & 0o170000;
  return type === 0o100000 ? 'file' : type === 0o040000 ? 'dir' : 'other';
}

/** A failed connect, in words a person can act on. */
export function classifyConnectError(
  error: Error & { level?: string; code?: string },
  where: string,
  seen: HostKeySeen | null,
  username: string,
): AppFailure {
  if (isAppFailure(error)) return error;
  if (seen?.state === 'new') return new AppFailure('HOST_KEY_UNCONFIRMED', hostKeyMessages.unconfirmed(seen));
  if (seen?.state === 'changed') return new AppFailure('HOST_KEY_CHANGED', hostKeyMessages.changed(seen));
  const text = error.message ?? String(error);
  if (/no passphrase given/i.test(text))
    return new AppFailure(
      'AUTH_FAILED',
      'The private key is protected by a passphrase: enter it in the offsite settings.',
    );
  if (/passphrase|privateKey|private key|Unsupported key format|Malformed/i.test(text))
    return new AppFailure(
      'AUTH_FAILED',
      `The private key could not be used: ${text}. Check the key file and its passphrase.`,
    );
  if (error.level === 'client-authentication')
    return new AppFailure(
      'AUTH_FAILED',
      `The offsite server ${where} refused the login of ${username} (key, passphrase or password not accepted).`,
    );
  if (error.level === 'agent')
    return new AppFailure('AUTH_FAILED', `The ssh-agent could not be used: ${text}.`);
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AppFailure(
        'UNREACHABLE',
        `The offsite server's name ${where.replace(/:\d+$/, '')} is not known (${error.code}).`,
      );
    case 'ECONNREFUSED':
      return new AppFailure(
        'UNREACHABLE',
        `The offsite server ${where} refused the connection (nothing listens there).`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new AppFailure('UNREACHABLE', `The offsite server ${where} cannot be reached (${error.code}).`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new AppFailure(
        'UNREACHABLE',
        `The offsite server ${where} dropped the connection (${error.code}).`,
      );
  }
  return new AppFailure('UNREACHABLE', `Could not connect to the offsite server ${where}: ${text}`);
}
