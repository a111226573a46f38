import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { RepositoryName } from '../../shared/repository-name';
import { AppFailure, type ErrorCode } from '../../shared/result';
import type { ClientServerSettings } from '../../shared/settings-schema';
import type { Repository, RepositoryStore } from '../storage';
import { sameSecret } from './access-token';
import type { MaintenanceGates } from './maintenance-gates';
import { CloseCode, CONNECT_PATH_PREFIX } from './protocol';

// Who may open a session (ARCHITECTURE §4), decided from the upgrade request alone, in this order:
// the server accepts connections, the Origin (no web page unless allowed), the path and name, the
// token (from other machines, or from everyone), the repository exists, its gate is open, it opens.

export type Admission =
  | { ok: true; repository: string; repo: Repository; label: string; address: string }
  /** Refused with an HTTP answer before the handshake. */
  | { ok: false; status: number; code: ErrorCode; message: string }
  /**
   * Refused after the handshake with a close code and reason: a browser shows a page's script only the
   * close event, never the HTTP answer, so a web developer would not learn why otherwise.
   */
  | { ok: false; closeCode: number; message: string };

export interface AdmissionContext {
  running: boolean;
  settings: ClientServerSettings;
  store: RepositoryStore;
  gates: MaintenanceGates;
  /** Whether a peer address is this machine (loopback by default; tests stand in another machine). */
  isLocalPeer?: (address: string | undefined) => boolean;
}

const DEFAULT_LABEL = 'unnamed client';

/** Printable label: control characters removed, trimmed, at most 100 characters. */
export function cleanLabel(raw: string | null): string {
  const label = [...(raw ?? '')]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 100);
  return label || DEFAULT_LABEL;
}

/** 127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6 (a dual-stack listener reports that form). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** A name for a person to read, never the whole of what a peer sent. */
const shown = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max)}…` : text);

function tokenOf(req: http.IncomingMessage, url: URL): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
  return url.searchParams.get('token') ?? bearer;
}

export function admit(req: http.IncomingMessage, ctx: AdmissionContext): Admission {
  const refuse = (status: number, code: ErrorCode, message: string): Admission => ({
    ok: false,
    status,
    code,
    message,
  });
  if (!ctx.running)
    return refuse(503, 'BUSY', 'The server is not accepting connections right now; try again shortly.');

  const origin = req.headers.origin;
  if (origin !== undefined && !ctx.settings.allowedOrigins.includes(origin)) {
    return {
      ok: false,
      closeCode: CloseCode.forbiddenOrigin,
      message: `Web pages from ${shown(origin, 60)} may not connect. Test tools connect without an Origin; the administrator can allow an origin in the settings.`,
    };
  }

  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return refuse(400, 'INVALID_ARGUMENT', 'The address is not a valid URL.');
  }
  // The path as sent, not as URL normalises it: "/v1/repositories/.." must be refused as a name.
  const rawPath = (req.url ?? '/').split('?')[0]!;
  if (!rawPath.startsWith(CONNECT_PATH_PREFIX))
    return refuse(404, 'NOT_FOUND', 'Connect to /v1/repositories/<name>.');
  let name: string;
  try {
    name = decodeURIComponent(rawPath.slice(CONNECT_PATH_PREFIX.length));
  } catch {
    return refuse(400, 'INVALID_ARGUMENT', 'The repository name in the address is not valid URL encoding.');
  }
  const validName = RepositoryName.safeParse(name);
  if (!validName.success)
    return refuse(
      400,
      'INVALID_ARGUMENT',
      `"${shown(name)}" is not a valid repository name: ${validName.error.issues[0]!.message}`,
    );

  const { accessToken, tokenRequiredFrom } = ctx.settings;
  const needsToken =
    accessToken !== null &&
    (tokenRequiredFrom === 'every-client' || !(ctx.isLocalPeer ?? isLoopback)(req.socket.remoteAddress));
  if (needsToken) {
    const given = tokenOf(req, url);
    if (!sameSecret(given, accessToken))
      return refuse(
        401,
        'UNAUTHORIZED',
        given === null
          ? 'This server requires an access token: add ?token=… to the address or send "Authorization: Bearer …". The administrator finds it in the Control Panel (Server, Access token) or with "repo-server token".'
          : 'The access token is wrong. Ask the administrator for the current one.',
      );
  }

  const canonical = ctx.store.resolve(name);
  if (!canonical) return refuse(404, 'NOT_FOUND', `There is no repository named "${name}".`);
  const gate = ctx.gates.reasonFor(canonical);
  if (gate) return refuse(503, 'BUSY', gate);
  let repo: Repository;
  try {
    repo = ctx.store.open(canonical);
  } catch (error) {
    const code = error instanceof AppFailure ? error.code : 'INTERNAL';
    return refuse(500, code, `Repository "${canonical}" cannot be opened: ${(error as Error).message}`);
  }
  return {
    ok: true,
    repository: canonical,
    repo,
    label: cleanLabel(url.searchParams.get('client')),
    address: `${req.socket.remoteAddress ?? 'unknown'}:${req.socket.remotePort ?? 0}`,
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Answers a refused upgrade with an HTTP status and the usual JSON error body, then closes. */
export function rejectUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
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
