import path from 'node:path';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { AgentLauncher, AgentProcess, AgentRequest, AgentResponse } from '../backup/fs-agent';
import { TargetFs } from '../backup/target-fs';
import { isPlainName, type OffsiteSession, type RemoteEntry } from './destination';

// The offsite folder as a read-only file agent (ARCHITECTURE §6, "the offsite copy as a catalog"): the
// catalog, the archive reader and the browse path call a TargetFs as for any folder, and this "agent"
// answers their calls from an open offsite session — a listing, a stat, and ranged reads (`getRange`)
// of the ZIP directory and the manifest, never the whole file. Nothing is ever written or removed there:
// every other call is refused (EROFS). The names live under a local stand-in folder (`root`), which only
// this agent knows; a path that is not one plain name directly in it is refused (ENOENT), so nothing can
// climb out of the remote folder. A session that fails (the server stopped answering, closed the
// connection, a cancel) fails every pending and later call with the session's own failure, which names
// the host — never taken as a damaged file.

export interface RemoteFs {
  /** The TargetFs to hand to openCatalog, openArchive, ArchiveSnapshot.open. */
  io: TargetFs;
  /** The local stand-in folder the names live under. */
  root: string;
  /** The stand-in path of a remote file. */
  pathOf(name: string): string;
  close(): void;
}

/** Failures of the connection itself: the whole opening fails with them (never "damaged"). */
const CONNECTION_CODES = new Set([
  'NOT_RESPONDING',
  'UNREACHABLE',
  'CANCELLED',
  'AUTH_FAILED',
  'HOST_KEY_CHANGED',
  'HOST_KEY_UNCONFIRMED',
  'INTERNAL',
]);

/** A listing is read once per opening and answers every statMany of it (the names it holds). */
const LISTING_TTL_MS = 5_000;
/**
 * The end of a file is read in one request: an archive's ZIP directory and its manifest (written last,
 * after the snapshot) lie there, and yauzl's first read is the last 64 KB anyway. One round trip per
 * archive instead of four; reads before it go to the server as asked.
 */
const TAIL_BYTES = 128 * 1024;

export function remoteFs(
  session: OffsiteSession,
  options: { root: string; timeoutMs: number; signal?: AbortSignal },
): RemoteFs {
  const root = path.resolve(options.root);
  let io: TargetFs | null = null;
  const launcher: AgentLauncher = () => remoteAgent(session, root, (failure) => io?.abandon(failure));
  // One more second than the session's own deadline: the session's message (naming the host) comes first.
  io = new TargetFs({
    launcher,
    timeoutMs: options.timeoutMs + 1_000,
    signal: options.signal,
    role: 'source',
  });
  return {
    io,
    root,
    pathOf: (name) => path.join(root, name),
    close: () => io?.close(),
  };
}

const errno = (code: string, message: string) => ({ code, message });

function remoteAgent(
  session: OffsiteSession,
  root: string,
  failed: (failure: AppFailure) => void,
): AgentProcess {
  let listener: ((response: AgentResponse) => void) | null = null;
  const exitListeners: Array<() => void> = [];
  let killed = false;
  const open = new Map<number, { name: string; size: number; tail?: Promise<Uint8Array> }>();
  let nextFd = 3;
  let listing: { at: number; entries: Promise<Map<string, RemoteEntry>> } | null = null;

  /** The plain name a stand-in path stands for; null for the folder itself. */
  const nameOf = (p: string): string | null | undefined => {
    const resolved = path.resolve(p);
    if (resolved === root) return null;
    if (path.dirname(resolved) !== root) return undefined;
    const name = path.basename(resolved);
    return isPlainName(name) ? name : undefined;
  };
  const list = () => {
    if (!listing || performance.now() - listing.at > LISTING_TTL_MS) {
      const entries = session.list().then((l) => new Map(l.map((e) => [e.name, e])));
      listing = { at: performance.now(), entries };
      entries.catch(() => (listing = null));
    }
    return listing.entries;
  };
  const file = (p: unknown): string => {
    const name = nameOf(String(p));
    if (typeof name !== 'string')
      throw Object.assign(new Error(`${String(p)}: not in the offsite folder`), { code: 'ENOENT' });
    return name;
  };

  const ops: Record<string, (m: AgentRequest) => Promise<unknown>> = {
    stat: async (m) => {
      const name = nameOf(String(m.path));
      if (name === null) return { type: 'dir', size: 0, mtimeMs: 0 };
      if (name === undefined) return null;
      const entry = await session.stat(name);
      return entry ? { type: entry.type, size: entry.size, mtimeMs: entry.mtimeMs } : null;
    },
    readdir: async (m) => {
      if (nameOf(String(m.path)) !== null)
        throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      return [...(await list()).values()].map((e) => ({ name: e.name, type: e.type }));
    },
    statMany: async (m) => {
      if (nameOf(String(m.folder)) !== null)
        throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      const entries = await list();
      return (m.names as string[]).map((name) => {
        const e = entries.get(name);
        return e
          ? { name, type: e.type, size: e.size, mtimeMs: e.mtimeMs }
          : { name, type: 'gone', size: 0, mtimeMs: 0 };
      });
    },
    open: async (m) => {
      if (m.flags !== 'r')
        throw Object.assign(new Error('the offsite copy is read-only here'), { code: 'EROFS' });
      const name = file(m.path);
      const listed = listing ? (await listing.entries).get(name) : undefined;
      const entry = listed ?? (await session.stat(name));
      if (!entry) throw Object.assign(new Error(`${name}: no such file`), { code: 'ENOENT' });
      if (entry.type !== 'file') throw Object.assign(new Error(`${name}: not a file`), { code: 'EISDIR' });
      const fd = nextFd++;
      open.set(fd, { name, size: entry.size });
      return { fd, size: entry.size };
    },
    read: async (m) => {
      const handle = open.get(Number(m.fd));
      if (!handle) throw Object.assign(new Error('bad file descriptor'), { code: 'EBADF' });
      const position = Number(m.position);
      const length = Math.min(Number(m.length), Math.max(0, handle.size - position));
      if (length <= 0) return new Uint8Array(0);
      const tailStart = Math.max(0, handle.size - TAIL_BYTES);
      if (position < tailStart) return session.getRange(handle.name, position, length);
      handle.tail ??= session.getRange(handle.name, tailStart, handle.size - tailStart);
      const tail = await handle.tail;
      if (tail.length !== handle.size - tailStart)
        throw Object.assign(new Error(`${handle.name}: shorter than listed`), { code: 'EIO' });
      return tail.subarray(position - tailStart, position - tailStart + length);
    },
    size: async (m) => {
      const handle = open.get(Number(m.fd));
      if (!handle) throw Object.assign(new Error('bad file descriptor'), { code: 'EBADF' });
      return handle.size;
    },
    close: async (m) => {
      open.delete(Number(m.fd));
      return null;
    },
  };

  const answer = (response: AgentResponse) => {
    if (!killed) listener?.(response);
  };

  return {
    pid: undefined,
    send(request) {
      const op = ops[request.op];
      if (!op) {
        queueMicrotask(() =>
          answer({
            id: request.id,
            ok: false,
            error: errno('EROFS', `The offsite copy is only read here (${request.op} is not allowed).`),
          }),
        );
        return;
      }
      op(request).then(
        (value) => answer({ id: request.id, ok: true, value }),
        (error: unknown) => {
          if (isAppFailure(error) && CONNECTION_CODES.has(error.code)) {
            failed(error);
            return;
          }
          const e = error as { code?: unknown; message?: string };
          const code = isAppFailure(error)
            ? error.code === 'NOT_FOUND'
              ? 'ENOENT'
              : 'EIO'
            : typeof e.code === 'string'
              ? e.code
              : 'EIO';
          answer({ id: request.id, ok: false, error: errno(code, e.message ?? String(error)) });
        },
      );
    },
    onMessage(l) {
      listener = l;
    },
    onExit(l) {
      if (killed) l();
      else exitListeners.push(l);
    },
    kill() {
      if (killed) return;
      killed = true;
      open.clear();
      for (const l of exitListeners.splice(0)) l();
    },
    setBusy() {},
  };
}

/** Refuses a file name a catalog of the offsite folder would never have given. */
export function offsiteName(name: string): string {
  if (!isPlainName(name))
    throw new AppFailure('INVALID_ARGUMENT', `"${name.slice(0, 80)}" is not a file of the offsite folder.`);
  return name;
}
