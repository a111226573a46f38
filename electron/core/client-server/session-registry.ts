import type { ClientSession } from '../../shared/contract/clients';
import { repositoryKey } from '../../shared/repository-name';
import { toLocalIso, type Clock, type TimerHandle } from '../clock';
import { CloseCode, type ServerNotice } from './protocol';
import { closeReason, type Session } from './session';

export interface SessionRegistryOptions {
  clock: Clock;
  /** A session that sends nothing for this long is closed (4008). */
  idleTimeoutMs: number;
  /** clientsChanged for sessions' work is emitted at most this often; changes in between are coalesced. */
  throttleMs: number;
  /**
   * The same when a session came or went: sooner, as the Control Panel should show a new client at once;
   * a burst of connects is still one announcement per window.
   */
  connectionsThrottleMs: number;
  /** `connections` is true when a session came or went (not just worked). */
  onChanged(sessions: ClientSession[], connections: boolean): void;
}

/** A peer that never answers the close handshake is cut off after this long. */
const CLOSE_HANDSHAKE_MS = 2_000;

/**
 * The connected sessions (ARCHITECTURE §4): who is connected to which repository, since when, doing
 * what. Closing, idle sweeps and the throttled "clients changed" announcements live here.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /**
   * The sessions of each repository, by repositoryKey: the repositories' summaries ask for every
   * repository's count, and comparing each of 500 names with each of 200 sessions' (NFKC twice, case
   * folded) took most of a client connect's announcement.
   */
  private readonly byRepository = new Map<string, Set<Session>>();
  private sweepTimer: TimerHandle | null = null;
  private changeTimer: TimerHandle | null = null;
  private changeDueAt = Infinity;
  private lastChangeEmit = -Infinity;
  private connectionsChanged = false;

  constructor(private readonly opts: SessionRegistryOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  add(session: Session): void {
    const key = repositoryKey(session.repository);
    const ofRepository = this.byRepository.get(key) ?? new Set<Session>();
    this.byRepository.set(key, ofRepository);
    this.sessions.set(session.id, session);
    ofRepository.add(session);
    session.socket.once('close', () => {
      this.sessions.delete(session.id);
      ofRepository.delete(session);
      if (ofRepository.size === 0 && this.byRepository.get(key) === ofRepository)
        this.byRepository.delete(key);
      this.changed(true);
    });
    this.changed(true);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  of(repository: string): Session[] {
    return [...(this.byRepository.get(repositoryKey(repository)) ?? [])];
  }

  /** How many sessions a repository has, without listing them. */
  countOf(repository: string): number {
    return this.byRepository.get(repositoryKey(repository))?.size ?? 0;
  }

  list(): ClientSession[] {
    return this.all().map((s) => s.toJSON());
  }

  /** A session worked (the Control Panel's last activity and operation counts follow). */
  worked(): void {
    this.changed(false);
  }

  send(session: Session, message: ServerNotice): void {
    // The client may have gone meanwhile; send() on a closed socket is a no-op with this callback.
    session.socket.send(JSON.stringify(message), () => undefined);
  }

  /** Sends a notice, then closes with the code and reason; resolves when the socket has closed. */
  close(session: Session, code: number, reason: string): Promise<void> {
    const socket = session.socket;
    if (socket.readyState === socket.OPEN) {
      this.send(session, {
        notice: { kind: 'disconnect', message: reason, at: toLocalIso(this.opts.clock.now()) },
      });
      socket.close(code, closeReason(reason));
      const force = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
      force.unref();
      void session.closed.then(() => clearTimeout(force));
    } else if (socket.readyState !== socket.CLOSED) {
      socket.terminate();
    }
    return session.closed;
  }

  closeAll(code: number, reason: string): Promise<void[]> {
    return Promise.all(this.all().map((s) => this.close(s, code, reason)));
  }

  /** Starts closing sessions idle for longer than the timeout; runs until stopSweeping(). */
  startSweeping(): void {
    if (this.sweepTimer) return;
    const idle = this.opts.idleTimeoutMs;
    const every = Math.max(50, Math.min(30_000, Math.floor(idle / 4)));
    const sweep = () => {
      const now = this.opts.clock.now();
      for (const session of this.sessions.values()) {
        if (now - session.lastActivity >= idle) {
          const seconds = Math.round(idle / 1000);
          void this.close(
            session,
            CloseCode.idle,
            `No request for ${seconds} s: the idle connection was closed.`,
          );
        }
      }
      this.sweepTimer = this.opts.clock.setTimeout(sweep, every);
    };
    this.sweepTimer = this.opts.clock.setTimeout(sweep, every);
  }

  stopSweeping(): void {
    if (this.sweepTimer) this.opts.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Releases every timer (the server is closing for good). */
  dispose(): void {
    this.stopSweeping();
    this.cancelChangeTimer();
  }

  private cancelChangeTimer(): void {
    if (this.changeTimer) this.opts.clock.clearTimeout(this.changeTimer);
    this.changeTimer = null;
    this.changeDueAt = Infinity;
  }

  /**
   * Coalesces registry changes into at most one announcement per window: the short one once a session
   * came or went, else the long one (a client's every request is a change, 1,000s a second).
   */
  private changed(connections: boolean): void {
    this.connectionsChanged ||= connections;
    const window = this.connectionsChanged ? this.opts.connectionsThrottleMs : this.opts.throttleMs;
    const due = this.lastChangeEmit + window;
    if (this.changeTimer && this.changeDueAt <= due) return;
    this.cancelChangeTimer();
    const wait = due - this.opts.clock.now();
    if (wait <= 0) return this.flush();
    this.changeDueAt = due;
    this.changeTimer = this.opts.clock.setTimeout(() => {
      this.changeTimer = null;
      this.changeDueAt = Infinity;
      this.flush();
    }, wait);
  }

  private flush(): void {
    this.lastChangeEmit = this.opts.clock.now();
    const connections = this.connectionsChanged;
    this.connectionsChanged = false;
    this.opts.onChanged(this.list(), connections);
  }
}
