import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ClientSession, ServerStatus } from '../../shared/contract/clients';
import { AppFailure } from '../../shared/result';
import type { ClientsControl } from '../clients-control';
import { toLocalIso, type Clock } from '../clock';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage';
import { ensureAccessToken } from './access-token';
import { admit, rejectUpgrade, type Admission } from './admission';
import {
  ConnectionCounter,
  DEFAULT_CLIENT_LIMITS,
  LargeMessageSlots,
  LargeMessageTurns,
  SessionFlow,
  type ClientLimits,
} from './client-limits';
import { MaintenanceGates } from './maintenance-gates';
import {
  CloseCode,
  CONNECT_PATH_PREFIX,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type WelcomeMessage,
} from './protocol';
import { GroupCommit } from './group-commit';
import { prepareRequest, type PreparedRequest } from './request-handler';
import { closeReason, Session } from './session';
import { SessionRegistry } from './session-registry';

export interface ClientServerOptions {
  store: RepositoryStore;
  settings: SettingsService;
  clock: Clock;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** A session that sends nothing for this long is closed (4008). */
  idleTimeoutMs?: number;
  /**
   * clientsChanged is emitted at most this often while sessions only work (250 ms); changes in between
   * are coalesced. A session that comes or goes is announced within CONNECTIONS_ANNOUNCED_WITHIN_MS.
   */
  changeThrottleMs?: number;
  /** The state, the port, or the number of sessions changed. */
  onStateChanged?(status: ServerStatus): void;
  /** `connections` is true when a session came or went (not just worked). */
  onSessionsChanged?(sessions: ClientSession[], connections: boolean): void;
  /** Which peers count as this machine for the token rule: loopback by default. */
  isLocalPeer?: (address: string | undefined) => boolean;
  /** What one peer may hold (sockets, time, memory); the defaults suit a server (tests shrink them). */
  limits?: Partial<ClientLimits>;
}

type State = ServerStatus['state'];

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
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
 * The client listener (ARCHITECTURE §4): HTTP + WebSocket on host:port, protocol v1. Who may connect is
 * decided in admission.ts, the sessions are kept in session-registry.ts, the per-repository maintenance
 * gates in maintenance-gates.ts. It implements ClientsControl for backups.
 */
/**
 * A client that connects or leaves is in the Control Panel's list this soon at most (a burst of connects
 * is one announcement per window): the panel's live update goal is 50 ms, and the 250 ms of sessions'
 * work made a new client's row wait up to a quarter of a second.
 */
export const CONNECTIONS_ANNOUNCED_WITHIN_MS = 50;

export class ClientServer implements ClientsControl {
  private state: State = 'stopped';
  private listener: http.Server | null = null;
  /** Listeners left behind by a port change: they accept nothing new but keep their sessions. */
  private readonly draining = new Set<http.Server>();
  private readonly wss: WebSocketServer;
  private readonly sessions: SessionRegistry;
  private readonly gates = new MaintenanceGates();
  private startedAt: number | null = null;
  private lastError: string | null = null;
  private override: { host?: string; port?: number } = {};
  private starting: Promise<ServerStatus> | null = null;
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;
  private readonly limits: ClientLimits;
  private readonly connections: ConnectionCounter;
  private readonly slots: LargeMessageSlots;
  // A large message waits while the WAL checkpoints are behind: that bounds the WAL files, and the
  // main thread never waits for a checkpoint itself.
  private readonly turns = new LargeMessageTurns(() => this.opts.store.checkpoints.caughtUp());
  private readonly groupCommit = new GroupCommit();
  /** Sockets answered 503 by the connection counter: whatever they send is not looked at. */
  private readonly refused = new WeakSet<Duplex>();

  constructor(private readonly opts: ClientServerOptions) {
    this.logger = opts.logger ?? console;
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...opts.limits };
    this.connections = new ConnectionCounter(() => this.limits);
    this.slots = new LargeMessageSlots(() => this.limits.largeMessageSlots);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.sessions = new SessionRegistry({
      clock: opts.clock,
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      throttleMs: opts.changeThrottleMs ?? 250,
      connectionsThrottleMs: Math.min(opts.changeThrottleMs ?? 250, CONNECTIONS_ANNOUNCED_WITHIN_MS),
      onChanged: (sessions, connections) => {
        this.opts.onSessionsChanged?.(sessions, connections);
        // The status carries the session count, so whoever shows it (the server panel, the tray) hears of it.
        if (connections) this.opts.onStateChanged?.(this.status());
      },
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
      accessTokenRequiredFrom: this.opts.settings.get().clientServer.tokenRequiredFrom,
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
        // Before the first client can connect: clients on other machines need it from the start.
        ensureAccessToken(this.opts.settings);
        this.listener = await this.listen(host, port);
        this.startedAt = this.opts.clock.now();
        this.lastError = null;
        this.sessions.startSweeping();
        this.setState('running');
        return this.status();
      } catch (error) {
        const failure =
          error instanceof AppFailure ? error : listenError(error as NodeJS.ErrnoException, host, port);
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
    await this.sessions.closeAll(CloseCode.goingAway, 'The server is stopping.');
    for (const s of servers) s.closeAllConnections();
    await Promise.all(closing);
    this.sessions.stopSweeping();
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
    const server = http.createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.headersTimeoutMs + 5_000,
        // Timeouts are checked this often (Node's default, 30 s, would let a slow handshake live 40 s).
        connectionsCheckingInterval: 1_000,
      },
      (req, res) => {
        if (this.refused.has(req.socket)) return void res.destroy();
        this.onHttpRequest(req, res);
      },
    );
    // Before http's own listener: a socket over the limits is answered and closed before it is parsed.
    server.prependListener('connection', (socket: Socket) => {
      if (!this.connections.admit(socket)) this.refused.add(socket);
    });
    server.on('upgrade', (req, socket, head) => {
      if (this.refused.has(socket)) return void socket.destroy();
      this.onUpgrade(req, socket, head);
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // A burst of connections (hundreds of tools starting at once, or an attack) must not overflow the
      // kernel's queue while a large put holds the thread: a dropped SYN costs the peer 1–3 s.
      server.listen({ port, host, backlog: 2048 }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error('Client listener error', error));
        resolve(server);
      });
    });
  }

  private onHttpRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') {
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
    if (path.startsWith(CONNECT_PATH_PREFIX)) {
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
    let admission: Admission;
    try {
      admission = admit(req, {
        running: this.state === 'running',
        settings: this.opts.settings.get().clientServer,
        store: this.opts.store,
        gates: this.gates,
        isLocalPeer: this.opts.isLocalPeer,
      });
    } catch (error) {
      this.logger.error('Client admission failed', error);
      return rejectUpgrade(socket, 500, 'INTERNAL', 'The server could not check this connection.');
    }
    if (admission.ok) {
      const { repository, repo, label, address } = admission;
      this.wss.handleUpgrade(req, socket as Socket, head, (ws) =>
        this.accept(
          new Session(randomUUID(), label, address, repository, repo, ws, this.opts.clock.now()),
          socket as Socket,
        ),
      );
    } else if ('closeCode' in admission) {
      // The handshake completes only to carry the reason: no session, no message handler (whatever the
      // page sends is dropped unread), and the socket closes at once.
      this.wss.handleUpgrade(req, socket as Socket, head, (ws) => {
        ws.on('error', () => undefined);
        ws.close(admission.closeCode, closeReason(admission.message));
        setTimeout(() => ws.terminate(), 2_000).unref();
      });
    } else {
      rejectUpgrade(socket, admission.status, admission.code, admission.message);
    }
  }

  private accept(session: Session, socket: Socket): void {
    const ws = session.socket;
    ws.on('error', (error) =>
      this.logger.warn(`Client ${session.label} (${session.address}): ${error.message}`),
    );
    // A gate closed or the server stopped while the handshake completed: refuse, with the reason.
    const gate = this.gates.reasonFor(session.repository);
    if (gate || this.state !== 'running') {
      ws.close(CloseCode.disconnected, closeReason(gate ?? 'The server is stopping.'));
      return;
    }
    this.sessions.add(session);
    const flow = new SessionFlow({
      ws,
      socket,
      clock: this.opts.clock,
      limits: () => this.limits,
      slots: this.slots,
      onTooSlow: (reason) => void this.sessions.close(session, CloseCode.tooSlow, reason),
    });
    const control = () => {
      session.lastActivity = this.opts.clock.now();
      flow.control();
    };
    ws.on('ping', control);
    ws.on('pong', control);
    ws.on('message', (data, isBinary) => {
      const bytes = (data as Buffer).length;
      flow.handle(
        bytes,
        () => this.onMessage(session, flow, data as Buffer, isBinary, bytes > this.limits.largeMessageBytes),
        this.turns,
      );
    });
    const welcome: WelcomeMessage = {
      welcome: {
        protocol: PROTOCOL_VERSION,
        repository: session.repository,
        sessionId: session.id,
        label: session.label,
      },
    };
    ws.send(JSON.stringify(welcome));
  }

  /**
   * A message of a session: parsed and validated now, run at the end of the turn with the other requests
   * of its repository in one transaction (group-commit.ts), answered after that COMMIT. A large message
   * is parsed in its own turn (SessionFlow) and run in the next of its turns, alone, after what its
   * repository had queued.
   */
  private onMessage(
    session: Session,
    flow: SessionFlow,
    data: Buffer,
    isBinary: boolean,
    large: boolean,
  ): (() => void) | void {
    session.lastActivity = this.opts.clock.now();
    session.operations++;
    let prepared: PreparedRequest;
    try {
      prepared = isBinary
        ? {
            kind: 'answer',
            response: {
              id: null,
              ok: false,
              error: {
                code: 'INVALID_ARGUMENT',
                message: 'Send requests as JSON text messages, not binary.',
              },
            },
          }
        : prepareRequest(data.toString('utf8'), session.label);
    } catch (error) {
      // prepareRequest answers every problem it knows of; anything else is a bug, and must not stop the server.
      this.logger.error(`Request of ${session.label} (${session.address}) failed`, error);
      prepared = {
        kind: 'answer',
        response: {
          id: null,
          ok: false,
          error: { code: 'INTERNAL', message: 'The server could not answer this request; it keeps serving.' },
        },
      };
    }
    const request = {
      repo: session.repo,
      prepared,
      live: () => session.socket.readyState === session.socket.OPEN,
      answer: (response: unknown) => {
        session.socket.send(JSON.stringify(response), () => undefined);
        flow.answered();
        this.sessions.worked();
      },
    };
    flow.awaitAnswer();
    // A large message's write runs in the next of its turns (SessionFlow): its parsing and its write,
    // each some tens of ms for 15 MiB, are then two pauses of the event loop, not one.
    if (large) return () => this.groupCommit.runNow(request);
    this.groupCommit.enqueue(request);
  }

  listSessions(): ClientSession[] {
    return this.sessions.list();
  }

  /** Closes one session (admin "disconnect"), with code 4001 and a reason. */
  async disconnect(id: string, reason = 'Disconnected by the administrator.'): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) throw new AppFailure('NOT_FOUND', 'That client is no longer connected.');
    await this.sessions.close(session, CloseCode.disconnected, reason);
  }

  // ClientsControl ---------------------------------------------------------------------------------

  connectedCount(repository: string): number {
    return this.sessions.countOf(repository);
  }

  notify(repository: string, notice: { kind: string; message: string }): void {
    const at = toLocalIso(this.opts.clock.now());
    for (const session of this.sessions.of(repository))
      this.sessions.send(session, { notice: { ...notice, at } });
  }

  hold(repository: string, reason: string): () => void {
    return this.gates.hold(repository, reason);
  }

  async disconnectAll(repository: string, reason: string): Promise<number> {
    const sessions = this.sessions.of(repository);
    await Promise.all(sessions.map((s) => this.sessions.close(s, CloseCode.disconnected, reason)));
    return sessions.length;
  }

  /** Stops listening and releases every timer, for the core's stop(). */
  async close(): Promise<void> {
    await this.stop();
    this.groupCommit.dispose();
    this.sessions.dispose();
    // The WebSocketServer (noServer, no tracking) holds no handle; leaving it open lets start() work again.
  }
}
