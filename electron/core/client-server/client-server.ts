import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientSession, ServerStatus } from '../../shared/contract/clients';
import { RepositoryName } from '../../shared/repository-name';
import { AppFailure, type ErrorCode } from '../../shared/result';
import type { ClientsControl } from '../clients-control';
import { toLocalIso, type Clock, type TimerHandle } from '../clock';
import type { SettingsService } from '../settings';
import type { Repository, RepositoryStore } from '../storage';
import { MaintenanceGates } from './maintenance-gates';
import {
  CloseCode,
  CONNECT_PATH_PREFIX,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ServerNotice,
  type WelcomeMessage,
} from './protocol';
import { answerRequest } from './request-handler';
import { closeReason, Session } from './session';

export interface ClientServerOptions {
  store: RepositoryStore;
  settings: SettingsService;
  clock: Clock;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** A session that sends nothing for this long is closed (4008). */
  idleTimeoutMs?: number;
  /** clientsChanged is emitted at most this often; changes in between are coalesced. */
  changeThrottleMs?: number;
  /** The state, the port, or the number of sessions changed. */
  onStateChanged?(status: ServerStatus): void;
  /** `connections` is true when a session came or went (not just worked). */
  onSessionsChanged?(sessions: ClientSession[], connections: boolean): void;
}

type State = ServerStatus['state'];

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_LABEL = 'unnamed client';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Compares secrets in constant time: both sides are hashed first, so their lengths leak nothing. */
function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function rejectUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ ok: false, error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      (status === 401 ? 'WWW-Authenticate: Bearer realm="repo-server"\r\n' : '') +
      `\r\n${body}`,
  );
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Printable label: control characters removed, trimmed, at most 100 characters. */
function cleanLabel(raw: string | null): string {
  const label = [...(raw ?? '')]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 100);
  return label || DEFAULT_LABEL;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): AppFailure {
  switch (error.code) {
    case 'EADDRINUSE':
      return new AppFailure(
        'PORT_IN_USE',
        `Port ${port} on ${host} is already in use by another program. Choose another port.`,
      );
    case 'EACCES':
      return new AppFailure(
        'FORBIDDEN',
        `Not allowed to listen on port ${port} (ports below 1024 need administrator rights). Choose a port from 1024 to 65535.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new AppFailure(
        'INVALID_ARGUMENT',
        `${host} is not an address of this machine. Use 127.0.0.1, 0.0.0.0 or one of its addresses.`,
      );
    default:
      return new AppFailure('INTERNAL', `Could not listen on ${host}:${port}: ${error.message}`);
  }
}

/**
 * The client listener (ARCHITECTURE §4): HTTP + WebSocket on host:port, protocol v1, the registry of
 * sessions, and the per-repository maintenance gates. It implements ClientsControl for backups.
 */
export class ClientServer implements ClientsControl {
  private state: State = 'stopped';
  private listener: http.Server | null = null;
  /** Listeners left behind by a port change: they accept nothing new but keep their sessions. */
  private readonly draining = new Set<http.Server>();
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private readonly gates = new MaintenanceGates();
  private startedAt: number | null = null;
  private lastError: string | null = null;
  private override: { host?: string; port?: number } = {};
  private starting: Promise<ServerStatus> | null = null;
  private sweepTimer: TimerHandle | null = null;
  private changeTimer: TimerHandle | null = null;
  private lastChangeEmit = -Infinity;
  private connectionsChanged = false;
  private readonly idleTimeoutMs: number;
  private readonly throttleMs: number;
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;

  constructor(private readonly opts: ClientServerOptions) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.throttleMs = opts.changeThrottleMs ?? 250;
    this.logger = opts.logger ?? console;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** Host and port for this run only (e.g. `serve --host --port`); the settings stay as they are. */
  overrideAddress(address: { host?: string; port?: number }): void {
    this.override = { ...this.override, ...address };
  }

  private configured(): { host: string; port: number } {
    const settings = this.opts.settings.get().clientServer;
    return { host: this.override.host ?? settings.host, port: this.override.port ?? settings.port };
  }

  private boundPort(): number | null {
    const address = this.listener?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : null;
  }

  status(): ServerStatus {
    const { host, port: configuredPort } = this.configured();
    const port = this.boundPort() ?? configuredPort;
    return {
      state: this.state,
      host,
      port,
      addresses: this.state === 'running' ? this.addresses(host, port) : [],
      startedAt: this.startedAt === null ? null : toLocalIso(this.startedAt),
      sessionCount: this.sessions.size,
      accessTokenRequired: this.opts.settings.get().clientServer.accessToken !== null,
      lastError: this.lastError,
    };
  }

  /** Where clients connect, one URL per address a client can reach. */
  private addresses(host: string, port: number): string[] {
    const url = (h: string) => `ws://${h.includes(':') ? `[${h}]` : h}:${port}${CONNECT_PATH_PREFIX}<name>`;
    if (host !== '0.0.0.0' && host !== '::') return [url(host)];
    const hosts = ['127.0.0.1'];
    for (const list of Object.values(os.networkInterfaces()))
      for (const info of list ?? []) if (!info.internal && info.family === 'IPv4') hosts.push(info.address);
    return hosts.map(url);
  }

  private setState(state: State): void {
    this.state = state;
    this.opts.onStateChanged?.(this.status());
  }

  async start(): Promise<ServerStatus> {
    if (this.state === 'running') return this.status();
    if (this.starting) return this.starting;
    this.starting = (async () => {
      const { host, port } = this.configured();
      this.setState('starting');
      try {
        this.listener = await this.listen(host, port);
        this.startedAt = this.opts.clock.now();
        this.lastError = null;
        this.scheduleSweep();
        this.setState('running');
        return this.status();
      } catch (error) {
        const failure = listenError(error as NodeJS.ErrnoException, host, port);
        this.lastError = failure.message;
        this.setState('stopped');
        throw failure;
      } finally {
        this.starting = null;
      }
    })();
    return this.starting;
  }

  async stop(): Promise<ServerStatus> {
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.state === 'stopped') return this.status();
    this.setState('stopping');
    const servers = [this.listener, ...this.draining].filter((s): s is http.Server => s !== null);
    this.listener = null;
    this.draining.clear();
    const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    await Promise.all(
      [...this.sessions.values()].map((s) =>
        this.closeSession(s, CloseCode.goingAway, 'The server is stopping.'),
      ),
    );
    for (const s of servers) s.closeAllConnections();
    await Promise.all(closing);
    if (this.sweepTimer) this.opts.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    this.startedAt = null;
    this.setState('stopped');
    return this.status();
  }

  /**
   * Moves the listener to another port: the new port listens first, so a port in use changes nothing.
   * Sessions on the old port stay connected. The port is saved in the settings on success.
   */
  async changePort(port: number): Promise<ServerStatus> {
    if (this.starting) await this.starting.catch(() => undefined);
    const { host } = this.configured();
    const persist = () => {
      const current = this.opts.settings.get().clientServer;
      if (current.port !== port) this.opts.settings.update('clientServer', { ...current, port });
      this.override = { ...this.override, port: undefined };
    };
    if (this.state !== 'running' || !this.listener) {
      persist();
      this.opts.onStateChanged?.(this.status());
      return this.status();
    }
    if (this.boundPort() === port) {
      persist();
      return this.status();
    }
    let next: http.Server;
    try {
      next = await this.listen(host, port);
    } catch (error) {
      const failure = listenError(error as NodeJS.ErrnoException, host, port);
      const failureText = `${failure.message} The server keeps serving on port ${this.boundPort()}.`;
      this.lastError = failureText;
      this.opts.onStateChanged?.(this.status());
      throw new AppFailure(failure.code, failureText);
    }
    const old = this.listener;
    this.listener = next;
    this.draining.add(old);
    old.close(() => this.draining.delete(old));
    this.lastError = null;
    persist();
    this.opts.onStateChanged?.(this.status());
    return this.status();
  }

  private listen(host: string, port: number): Promise<http.Server> {
    const server = http.createServer((req, res) => this.onHttpRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on('clientError', (_error, socket) => socket.destroy());
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error('Client listener error', error));
        resolve(server);
      });
    });
  }

  private onHttpRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') {
      sendJson(res, 200, {
        state: this.state,
        protocol: PROTOCOL_VERSION,
        sessions: this.sessions.size,
        startedAt: this.startedAt === null ? null : toLocalIso(this.startedAt),
        uptimeSeconds:
          this.startedAt === null ? 0 : Math.round((this.opts.clock.now() - this.startedAt) / 1000),
      });
      return;
    }
    if (url.pathname.startsWith(CONNECT_PATH_PREFIX)) {
      sendJson(res, 426, {
        ok: false,
        error: {
          code: 'INVALID_ARGUMENT',
          message: 'Connect with a WebSocket to ws://HOST:PORT/v1/repositories/<name>.',
        },
      });
      return;
    }
    sendJson(res, 404, {
      ok: false,
      error: {
        code: 'NOT_FOUND',
        message: 'Nothing here. Clients connect to /v1/repositories/<name>; /health answers the state.',
      },
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.state !== 'running')
      return rejectUpgrade(
        socket,
        503,
        'BUSY',
        'The server is not accepting connections right now; try again shortly.',
      );
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The path as sent, not as URL normalises it: "/v1/repositories/.." must be refused as a name.
    const rawPath = (req.url ?? '/').split('?')[0]!;
    if (!rawPath.startsWith(CONNECT_PATH_PREFIX))
      return rejectUpgrade(socket, 404, 'NOT_FOUND', 'Connect to /v1/repositories/<name>.');
    let name: string;
    try {
      name = decodeURIComponent(rawPath.slice(CONNECT_PATH_PREFIX.length));
    } catch {
      return rejectUpgrade(
        socket,
        400,
        'INVALID_ARGUMENT',
        'The repository name in the address is not valid URL encoding.',
      );
    }
    const validName = RepositoryName.safeParse(name);
    if (!validName.success)
      return rejectUpgrade(
        socket,
        400,
        'INVALID_ARGUMENT',
        `"${name.slice(0, 80)}" is not a valid repository name: ${validName.error.issues[0]!.message}`,
      );
    const token = this.opts.settings.get().clientServer.accessToken;
    if (token !== null) {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
      const given = url.searchParams.get('token') ?? bearer;
      if (!sameSecret(given, token))
        return rejectUpgrade(
          socket,
          401,
          'UNAUTHORIZED',
          given === null
            ? 'This server requires an access token: add ?token=… to the address or send "Authorization: Bearer …".'
            : 'The access token is wrong. Ask the administrator for the current one.',
        );
    }
    const canonical = this.opts.store.resolve(name);
    if (!canonical) return rejectUpgrade(socket, 404, 'NOT_FOUND', `There is no repository named "${name}".`);
    const gate = this.gates.reasonFor(canonical);
    if (gate) return rejectUpgrade(socket, 503, 'BUSY', gate);
    let repo: Repository;
    try {
      repo = this.opts.store.open(canonical);
    } catch (error) {
      const code = error instanceof AppFailure ? error.code : 'INTERNAL';
      return rejectUpgrade(
        socket,
        500,
        code,
        `Repository "${canonical}" cannot be opened: ${(error as Error).message}`,
      );
    }
    const label = cleanLabel(url.searchParams.get('client'));
    const address = `${req.socket.remoteAddress ?? 'unknown'}:${req.socket.remotePort ?? 0}`;
    this.wss.handleUpgrade(req, socket as Socket, head, (ws) =>
      this.accept(ws, canonical, repo, label, address),
    );
  }

  private accept(ws: WebSocket, repository: string, repo: Repository, label: string, address: string): void {
    const session = new Session(randomUUID(), label, address, repository, repo, ws, this.opts.clock.now());
    ws.on('error', (error) => this.logger.warn(`Client ${label} (${address}): ${error.message}`));
    // A gate closed or the server stopped while the handshake completed: refuse, with the reason.
    const gate = this.gates.reasonFor(repository);
    if (gate || this.state !== 'running') {
      ws.close(CloseCode.disconnected, closeReason(gate ?? 'The server is stopping.'));
      return;
    }
    this.sessions.set(session.id, session);
    ws.on('close', () => {
      this.sessions.delete(session.id);
      this.changed(true);
    });
    ws.on('ping', () => (session.lastActivity = this.opts.clock.now()));
    ws.on('message', (data, isBinary) => this.onMessage(session, data as Buffer, isBinary));
    const welcome: WelcomeMessage = {
      welcome: { protocol: PROTOCOL_VERSION, repository, sessionId: session.id, label },
    };
    ws.send(JSON.stringify(welcome));
    this.changed(true);
  }

  private onMessage(session: Session, data: Buffer, isBinary: boolean): void {
    session.lastActivity = this.opts.clock.now();
    session.operations++;
    const response = isBinary
      ? {
          id: null,
          ok: false,
          error: { code: 'INVALID_ARGUMENT', message: 'Send requests as JSON text messages, not binary.' },
        }
      : answerRequest(session.repo, data.toString('utf8'), session.label);
    // The client may have gone while we worked; send() on a closed socket is a no-op with this callback.
    session.socket.send(JSON.stringify(response), () => undefined);
    this.changed(false);
  }

  /** Coalesces registry changes into at most one clientsChanged per throttle window. */
  private changed(connections: boolean): void {
    this.connectionsChanged ||= connections;
    if (this.changeTimer) return;
    const wait = this.lastChangeEmit + this.throttleMs - this.opts.clock.now();
    if (wait <= 0) return this.flushChanges();
    this.changeTimer = this.opts.clock.setTimeout(() => {
      this.changeTimer = null;
      this.flushChanges();
    }, wait);
  }

  private flushChanges(): void {
    this.lastChangeEmit = this.opts.clock.now();
    const connections = this.connectionsChanged;
    this.connectionsChanged = false;
    this.opts.onSessionsChanged?.(this.listSessions(), connections);
    // The status carries the session count, so whoever shows it (the server panel, the tray) hears of it.
    if (connections) this.opts.onStateChanged?.(this.status());
  }

  private scheduleSweep(): void {
    const every = Math.max(50, Math.min(30_000, Math.floor(this.idleTimeoutMs / 4)));
    this.sweepTimer = this.opts.clock.setTimeout(() => {
      const now = this.opts.clock.now();
      for (const session of this.sessions.values()) {
        if (now - session.lastActivity >= this.idleTimeoutMs) {
          const seconds = Math.round(this.idleTimeoutMs / 1000);
          void this.closeSession(
            session,
            CloseCode.idle,
            `No request for ${seconds} s: the idle connection was closed.`,
          );
        }
      }
      if (this.state === 'running' || this.state === 'starting') this.scheduleSweep();
    }, every);
  }

  /** Sends a notice, then closes with the code and reason; resolves when the socket has closed. */
  private closeSession(session: Session, code: number, reason: string): Promise<void> {
    const socket = session.socket;
    if (socket.readyState === socket.OPEN) {
      this.send(session, {
        notice: { kind: 'disconnect', message: reason, at: toLocalIso(this.opts.clock.now()) },
      });
      socket.close(code, closeReason(reason));
      // A peer that never answers the close handshake is cut off.
      const force = setTimeout(() => socket.terminate(), 2_000);
      force.unref();
      void session.closed.then(() => clearTimeout(force));
    } else if (socket.readyState !== socket.CLOSED) {
      socket.terminate();
    }
    return session.closed;
  }

  private send(session: Session, message: ServerNotice): void {
    session.socket.send(JSON.stringify(message), () => undefined);
  }

  listSessions(): ClientSession[] {
    return [...this.sessions.values()].map((s) => s.toJSON());
  }

  /** Closes one session (admin "disconnect"), with code 4001 and a reason. */
  async disconnect(id: string, reason = 'Disconnected by the administrator.'): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) throw new AppFailure('NOT_FOUND', 'That client is no longer connected.');
    await this.closeSession(session, CloseCode.disconnected, reason);
  }

  // ClientsControl ---------------------------------------------------------------------------------

  private sessionsOf(repository: string): Session[] {
    const key = repository.toLowerCase();
    return [...this.sessions.values()].filter((s) => s.repository.toLowerCase() === key);
  }

  connectedCount(repository: string): number {
    return this.sessionsOf(repository).length;
  }

  notify(repository: string, notice: { kind: string; message: string }): void {
    const at = toLocalIso(this.opts.clock.now());
    for (const session of this.sessionsOf(repository)) this.send(session, { notice: { ...notice, at } });
  }

  hold(repository: string, reason: string): () => void {
    return this.gates.hold(repository, reason);
  }

  async disconnectAll(repository: string, reason: string): Promise<number> {
    const sessions = this.sessionsOf(repository);
    await Promise.all(sessions.map((s) => this.closeSession(s, CloseCode.disconnected, reason)));
    return sessions.length;
  }

  /** Stops listening and releases every timer, for the core's stop(). */
  async close(): Promise<void> {
    await this.stop();
    if (this.changeTimer) this.opts.clock.clearTimeout(this.changeTimer);
    this.changeTimer = null;
    // The WebSocketServer (noServer, no tracking) holds no handle; leaving it open lets start() work again.
  }
}
