import WebSocket from 'ws';
import type { ErrorCode } from '../../shared/result';
import type { ClientResponse, ServerNotice, WelcomeMessage, WireItem } from '../client-server/protocol';
import type { ItemSummary } from '../storage';

// A small client for protocol v1: what a test tool speaks, used by our tests and benchmarks.

export class RepoClientError extends Error {
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    /** The HTTP status when the connection itself was refused. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RepoClientError';
  }
}

export interface ConnectOptions {
  /** ws://HOST:PORT */
  server: string;
  repository: string;
  /** Shown in the Control Panel's list of clients. */
  label?: string;
  token?: string;
  /** Where the token goes; the header keeps it out of logs of the URL. */
  tokenIn?: 'header' | 'query';
  /** Give up connecting after this long. */
  timeoutMs?: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

type Pending = { resolve(response: ClientResponse): void };

export class RepoClient {
  private nextId = 1;
  private readonly pending = new Map<string | number, Pending>();
  /** Waiters for answers the server could not tie to an id (malformed requests). */
  private readonly unmatched: Pending[] = [];
  private readonly noticeListeners = new Set<(notice: ServerNotice['notice']) => void>();
  readonly notices: ServerNotice['notice'][] = [];
  /** Resolves with the close code and reason, however the connection ended. */
  readonly closed: Promise<CloseInfo>;

  private constructor(
    readonly socket: WebSocket,
    readonly welcome: WelcomeMessage['welcome'],
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        const failure: ClientResponse = {
          id: null,
          ok: false,
          error: { code: 'CANCELLED', message: `The connection closed (${code}) before the answer came.` },
        };
        for (const p of [...this.pending.values(), ...this.unmatched.splice(0)]) p.resolve(failure);
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    socket.on('message', (data) => this.onMessage(data.toString()));
  }

  static connect(options: ConnectOptions): Promise<RepoClient> {
    const url = new URL(`/v1/repositories/${encodeURIComponent(options.repository)}`, options.server);
    if (options.label !== undefined) url.searchParams.set('client', options.label);
    const headers: Record<string, string> = {};
    if (options.token !== undefined) {
      if (options.tokenIn === 'query') url.searchParams.set('token', options.token);
      else headers.authorization = `Bearer ${options.token}`;
    }
    const socket = new WebSocket(url, {
      headers,
      handshakeTimeout: options.timeoutMs ?? 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        reject(error);
      };
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          let error = {
            code: 'INTERNAL',
            message: `The server refused the connection (HTTP ${res.statusCode}).`,
          };
          try {
            error = (JSON.parse(body) as { error: typeof error }).error ?? error;
          } catch {
            // Not one of our answers: keep the generic message.
          }
          socket.terminate();
          fail(new RepoClientError(error.code, error.message, res.statusCode));
        });
      });
      socket.once('error', (error) =>
        fail(new RepoClientError('INTERNAL', `Cannot connect to ${options.server}: ${error.message}`)),
      );
      socket.once('close', (code, reason) =>
        fail(
          new RepoClientError(
            'CANCELLED',
            `The server closed the connection (${code}): ${reason.toString()}`,
          ),
        ),
      );
      socket.once('message', (data) => {
        const message = JSON.parse(data.toString()) as Partial<WelcomeMessage>;
        socket.removeAllListeners();
        if (!message.welcome)
          return fail(new RepoClientError('INTERNAL', 'The server did not greet with a welcome.'));
        socket.on('error', () => undefined);
        resolve(new RepoClient(socket, message.welcome));
      });
    });
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as ClientResponse | ServerNotice;
    if ('notice' in message) {
      this.notices.push(message.notice);
      for (const listener of this.noticeListeners) listener(message.notice);
      return;
    }
    const waiter = message.id !== null ? this.pending.get(message.id) : undefined;
    if (waiter) {
      this.pending.delete(message.id!);
      waiter.resolve(message);
    } else {
      this.unmatched.shift()?.resolve(message);
    }
  }

  onNotice(listener: (notice: ServerNotice['notice']) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Sends a request object as is (an id is added when missing) and returns the raw response. */
  request(message: Record<string, unknown>): Promise<ClientResponse> {
    const id = (message.id as string | number | undefined) ?? this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** Sends any text (or bytes) and returns the answer the server gives without a usable id. */
  sendRaw(data: string | Buffer, opts: { binary?: boolean } = {}): Promise<ClientResponse> {
    return new Promise((resolve) => {
      this.unmatched.push({ resolve });
      this.socket.send(data, { binary: opts.binary ?? false });
    });
  }

  private async call<T>(message: Record<string, unknown>): Promise<T> {
    const response = await this.request(message);
    if (!response.ok) throw new RepoClientError(response.error.code, response.error.message);
    return response.result as T;
  }

  async list(prefix?: string): Promise<Omit<ItemSummary, never>[]> {
    const result = await this.call<{ items: ItemSummary[] }>({
      op: 'list',
      ...(prefix === undefined ? {} : { prefix }),
    });
    return result.items;
  }

  get(path: string): Promise<WireItem> {
    return this.call({ op: 'get', path });
  }

  /** Text goes as is; bytes go as base64. */
  put(input: { path: string; kind: string; content: string | Uint8Array; ifVersion?: number }): Promise<{
    path: string;
    version: number;
    updatedAt: string;
  }> {
    const binary = typeof input.content !== 'string';
    return this.call({
      op: 'put',
      path: input.path,
      kind: input.kind,
      content: binary ? Buffer.from(input.content as Uint8Array).toString('base64') : input.content,
      encoding: binary ? 'base64' : 'utf8',
      ...(input.ifVersion === undefined ? {} : { ifVersion: input.ifVersion }),
    });
  }

  async delete(path: string, opts: { ifVersion?: number } = {}): Promise<void> {
    await this.call({ op: 'delete', path, ...opts });
  }

  async close(): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000, 'bye');
    return this.closed;
  }
}
