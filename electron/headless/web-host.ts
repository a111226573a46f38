import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isMethodName, type Handlers } from '../shared/contract';
import { CONTENT_SECURITY_POLICY } from '../shared/content-security-policy';
import { JsonTooDeepError, parseBoundedJson } from '../shared/bounded-json';
import { dispatch } from '../core/dispatch';
import type { EventBus } from '../core/event-bus';
import type { AppError, ErrorCode, Result } from '../shared/result';

const MAX_BODY_BYTES = 1024 * 1024;

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_METHOD: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  BUSY: 409,
  PORT_IN_USE: 409,
  NOT_SUPPORTED: 501,
  INTERNAL: 500,
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Time a peer has to send its request headers, and its whole request (a slow-loris holds sockets). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Open sockets at once; the Control Panel needs a handful (one event stream per tab). */
const MAX_CONNECTIONS = 64;
const MAX_EVENT_STREAMS = 16;

export interface WebHostOptions {
  handlers: Handlers;
  events: EventBus;
  /**
   * The built renderer (index.html and assets); null serves the contract API alone — the desktop app's
   * endpoint for the CLI (electron/main/cli-endpoint.ts), which has its own window and no page to serve.
   */
  staticDir: string | null;
  /** What a refused request is told to do instead; by default, to open the address `serve` printed. */
  instead?: string;
  host?: string;
  port?: number;
  /** The secret that guards the API; a random one is made when not given. */
  token?: string;
  logger?: Pick<Console, 'error'>;
  /** Time a peer has to send its request headers (tests shorten it). */
  headersTimeoutMs?: number;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

function sameSecret(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, error: AppError): void {
  sendJson(res, status, { ok: false, error } satisfies Result<never>);
}

/** "Application/JSON; charset=utf-8" → "application/json". */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answer at once and discard the rest; the connection closes after the answer.
        chunks.length = 0;
        reject(new Error('too-large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The headless host's web server: the built Control Panel as static files, and the contract as
 * `POST /api/<method>` plus `GET /api/events` (SSE), guarded by a random token (as Jupyter does).
 * Binds to loopback; requests whose Host is not loopback are refused (DNS rebinding). Without a
 * `staticDir` it is the contract API alone, with every guard the same: the desktop app's CLI endpoint.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const staticRoot = options.staticDir === null ? null : path.resolve(options.staticDir);
  const instead = options.instead ?? 'open the address "repo-server serve" printed';
  const sseClients = new Set<http.ServerResponse>();

  const unsubscribe = options.events.onAny((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sseClients) res.write(frame);
  });
  const keepAlive = setInterval(() => {
    for (const res of sseClients) res.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  const tokenOf = (req: http.IncomingMessage, url: URL): string | null => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
    return url.searchParams.get('token');
  };

  const serveStatic = (res: http.ServerResponse, pathname: string, staticRoot: string) => {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      return sendError(res, 400, { code: 'INVALID_ARGUMENT', message: 'Malformed path.' });
    }
    let file = path.resolve(staticRoot, relative || 'index.html');
    if (file !== staticRoot && !file.startsWith(staticRoot + path.sep)) {
      return sendError(res, 404, { code: 'NOT_FOUND', message: 'No such file.' });
    }
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(staticRoot, 'index.html');
    if (!fs.existsSync(file)) {
      return sendError(res, 503, {
        code: 'INTERNAL',
        message: `The Control Panel is not built (${staticRoot} has no index.html). Run "npm run build".`,
      });
    }
    const ext = path.extname(file);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': ext === '.html' ? 'no-store' : 'public, max-age=3600',
    };
    if (ext === '.html') {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['referrer-policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  };

  // The names this console answers to, with its port (filled once it listens): the Host of every request
  // must be one of them, and so must the Origin when a browser sends one. A page on another name
  // (evil.example resolving to 127.0.0.1: DNS rebinding) or another origin is refused, whatever its token.
  const ownHosts = new Set<string>();
  const ownOrigins = new Set<string>();
  const refusal = (req: http.IncomingMessage, api: boolean): string | null => {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!ownHosts.has(hostHeader)) return `Host "${hostHeader.slice(0, 80)}" is not served here; ${instead}.`;
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins.has(origin.toLowerCase()))
      return `Pages from ${origin.slice(0, 80)} may not use this Control Panel.`;
    // A browser says where a request comes from; the API answers only the Control Panel's own page.
    const site = req.headers['sec-fetch-site'];
    if (api && site !== undefined && site !== 'same-origin' && site !== 'none')
      return 'Only the Control Panel’s own page may call its API.';
    return null;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, 400, { code: 'INVALID_ARGUMENT', message: 'Malformed address.' });
    }
    const refused = refusal(req, url.pathname.startsWith('/api/'));
    if (refused) return sendError(res, 403, { code: 'FORBIDDEN', message: refused });
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendError(res, 405, { code: 'INVALID_ARGUMENT', message: 'Only GET is served here.' });
      }
      if (staticRoot === null)
        return sendError(res, 404, {
          code: 'NOT_FOUND',
          message: `No page is served here (it is the contract API only); ${instead}.`,
        });
      return serveStatic(res, url.pathname, staticRoot);
    }
    if (!sameSecret(tokenOf(req, url), token)) {
      return sendError(res, 401, {
        code: 'UNAUTHORIZED',
        message: `Missing or wrong token: ${instead}.`,
      });
    }
    if (url.pathname === '/api/events') {
      if (sseClients.size >= MAX_EVENT_STREAMS)
        return sendError(res, 503, {
          code: 'BUSY',
          message: `${MAX_EVENT_STREAMS} Control Panel tabs are open already; close one and reload.`,
        });
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    const name = url.pathname.slice('/api/'.length);
    if (!isMethodName(name)) {
      return sendError(res, 404, { code: 'UNKNOWN_METHOD', message: `There is no method named "${name}".` });
    }
    if (req.method !== 'POST') {
      return sendError(res, 405, { code: 'INVALID_ARGUMENT', message: `Call ${name} with POST.` });
    }
    // A JSON content type cannot be sent cross-site without a preflight, which we never grant. The whole
    // media type must match: "application/jsonfoo" is not JSON (parameters such as charset may follow).
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return sendError(res, 415, {
        code: 'INVALID_ARGUMENT',
        message: 'Send the argument as application/json.',
      });
    }
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      res.setHeader('connection', 'close');
      return sendError(res, 413, { code: 'INVALID_ARGUMENT', message: 'The request body is over 1 MiB.' });
    }
    let args: unknown;
    try {
      args = raw.trim() === '' ? undefined : parseBoundedJson(raw);
    } catch (error) {
      return sendError(res, 400, {
        code: 'INVALID_ARGUMENT',
        message:
          error instanceof JsonTooDeepError
            ? `The request body is nested deeper than ${error.maxDepth} levels.`
            : `The request body is not valid JSON: ${(error as Error).message}`,
      });
    }
    const result = await dispatch(options.handlers, name, args, options.logger);
    sendJson(res, result.ok ? 200 : (STATUS_BY_CODE[result.error.code] ?? 422), result);
  };

  // Timeouts are checked this often (Node's default, 30 s, would let a header timeout run 40 s).
  const server = http.createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error('web host request failed', error);
      if (!res.headersSent)
        sendError(res, 500, { code: 'INTERNAL', message: 'The request failed unexpectedly.' });
      else res.end();
    });
  });

  server.headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, server.headersTimeout);
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // The names this console answers to, with its port: the Host of every request must be one of them, and
  // so must the Origin when a browser sends one. A page on another name (evil.example resolving to
  // 127.0.0.1: DNS rebinding) or another origin is refused, whatever token it has.
  for (const name of new Set(['127.0.0.1', 'localhost', '[::1]', shownHost])) {
    ownHosts.add(`${name}:${port}`);
    ownOrigins.add(`http://${name}:${port}`);
  }

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      clearInterval(keepAlive);
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
