import { spawn } from 'node:child_process';

// Every file system call on a path the user chose (a backup target, an archive to import) runs in a
// small child process, the file agent, never in the server's own process. A call to a network share
// that stopped answering does not return: in-process it would hold one of the four threads of libuv's
// pool for good (four such calls stall every fs call of the server, SQLite's and the clients' included),
// and a process with a thread stuck in the kernel cannot even exit. An agent can be abandoned instead:
// killed, its pending calls failed, while the server goes on (ARCHITECTURE §2, "Nothing waits forever").
//
// The agent is plain JavaScript in a string, with only Node's built-ins: it then runs the same from
// sources, tests and bundles. It answers requests `{id, op, ...}` with `{id, ok, value | error}`.
// Bytes travel as Uint8Array through the IPC channel's structured clone ("advanced" serialization).

export const FS_AGENT_SOURCE = String.raw`
const fs = require('node:fs');
const path = require('node:path');

const typeOf = (s) => (s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other');
const errorOf = (e, extra) => ({
  code: (e && e.code) || 'EIO',
  message: String((e && e.message) || e),
  syscall: e && e.syscall,
  path: e && e.path,
  ...extra,
});

const notAFolder = (at) => Object.assign(new Error(at + ' is not a folder'), { code: 'ENOTDIR', blocker: at });

// mkdir -p by hand: fs.mkdir(…, {recursive: true}) loops forever on a path the kernel refuses with
// ENOENT although its parent exists (/proc/x on Node 24). Here each level is tried once.
async function mkdirp(target) {
  const missing = [];
  for (let at = path.resolve(target); ; at = path.dirname(at)) {
    let s = null;
    try {
      s = await fs.promises.stat(at);
    } catch (e) {
      // ENOTDIR: a file further up; going up finds it, so the message can name it.
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') throw e;
    }
    if (s && !s.isDirectory()) throw notAFolder(at);
    if (s) break;
    if (path.dirname(at) === at) throw Object.assign(new Error('no such folder: ' + at), { code: 'ENOENT' });
    missing.push(at);
  }
  for (const dir of missing.reverse()) {
    try {
      await fs.promises.mkdir(dir);
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (!(await fs.promises.stat(dir)).isDirectory()) throw notAFolder(dir);
    }
  }
  return { created: missing.length > 0 };
}

const ops = {
  ping: async () => 'pong',
  mkdirp: (m) => mkdirp(m.path),
  stat: async (m) => {
    try {
      const s = await fs.promises.stat(m.path);
      return { type: typeOf(s), size: s.size, mtimeMs: s.mtimeMs };
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw e;
    }
  },
  // Many names of one folder at once (a catalog's staleness check): lstat, so a link is never followed.
  statMany: async (m) =>
    Promise.all(
      m.names.map(async (name) => {
        try {
          const s = await fs.promises.lstat(path.join(m.folder, name));
          return { name, type: typeOf(s), size: s.size, mtimeMs: s.mtimeMs };
        } catch (e) {
          if (e.code === 'ENOENT') return { name, type: 'gone', size: 0, mtimeMs: 0 };
          throw e;
        }
      }),
    ),
  statfs: async (m) => {
    const s = await fs.promises.statfs(m.path);
    return { freeBytes: s.bavail * s.bsize };
  },
  // A test write: create, write, sync, remove, as the archive will be written.
  probe: async (m) => {
    const file = path.join(m.folder, m.name);
    const handle = await fs.promises.open(file, 'wx', 0o644);
    try {
      await handle.writeFile('repo-server write test\n');
      await handle.sync();
    } finally {
      await handle.close();
      await fs.promises.rm(file, { force: true });
    }
    return null;
  },
  open: async (m) => {
    const handle = await fs.promises.open(m.path, m.flags, m.mode);
    handles.set(handle.fd, handle);
    return { fd: handle.fd, size: (await handle.stat()).size };
  },
  // A short write (a disk filling up) is continued, so the next call reports the real error (ENOSPC).
  write: async (m) => {
    const h = handle(m.fd);
    let done = 0;
    while (done < m.data.length) {
      const { bytesWritten } = await h.write(m.data, done, m.data.length - done, m.position + done);
      if (bytesWritten === 0) throw Object.assign(new Error('no progress writing'), { code: 'EIO' });
      done += bytesWritten;
    }
    return done;
  },
  read: async (m) => {
    const buffer = Buffer.allocUnsafe(m.length);
    const { bytesRead } = await handle(m.fd).read(buffer, 0, m.length, m.position);
    return buffer.subarray(0, bytesRead);
  },
  datasync: async (m) => (await handle(m.fd).datasync(), null),
  fsync: async (m) => (await handle(m.fd).sync(), null),
  size: async (m) => (await handle(m.fd).stat()).size,
  close: async (m) => {
    const h = handle(m.fd);
    handles.delete(m.fd);
    await h.close();
    return null;
  },
  link: async (m) => (await fs.promises.link(m.from, m.to), null),
  rename: async (m) => (await fs.promises.rename(m.from, m.to), null),
  // true when it removed something, false when there was nothing to remove.
  unlink: async (m) => {
    try {
      await fs.promises.unlink(m.path);
      return true;
    } catch (e) {
      if (e.code === 'ENOENT') return false;
      throw e;
    }
  },
  readdir: async (m) =>
    (await fs.promises.readdir(m.path, { withFileTypes: true })).map((d) => ({
      name: d.name,
      type: d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other',
    })),
  // Makes a rename durable; some platforms cannot open a folder, which is fine.
  syncFolder: async (m) => {
    const dir = await fs.promises.open(m.path, 'r').catch(() => null);
    if (dir) {
      await dir.sync().catch(() => {});
      await dir.close().catch(() => {});
    }
    return null;
  },
};

const handles = new Map();
function handle(fd) {
  const h = handles.get(fd);
  if (!h) throw Object.assign(new Error('not an open file'), { code: 'EBADF' });
  return h;
}

port.onMessage((m) => {
  const op = ops[m.op];
  if (!op) return port.send({ id: m.id, ok: false, error: { code: 'EINVAL', message: 'unknown op ' + m.op } });
  Promise.resolve()
    .then(() => op(m))
    .then(
      (value) => port.send({ id: m.id, ok: true, value }),
      (e) => port.send({ id: m.id, ok: false, error: errorOf(e, e && e.blocker ? { blocker: e.blocker } : {}) }),
    );
});
`;

/** One request to the agent; every op's arguments beside `op`. */
export type AgentRequest = { id: number; op: string } & Record<string, unknown>;

export interface AgentErrorInfo {
  code: string;
  message: string;
  syscall?: string;
  path?: string;
  /** mkdirp: the file that stands where a folder of the path should be. */
  blocker?: string;
}

export type AgentResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: AgentErrorInfo };

/** A running agent process, as the server sees it. */
export interface AgentProcess {
  readonly pid: number | undefined;
  send(request: AgentRequest): void;
  onMessage(listener: (response: AgentResponse) => void): void;
  /** The process is gone (it exited, or was killed and its stuck call returned). */
  onExit(listener: () => void): void;
  /** SIGKILL; never waits (a process stuck in the kernel dies only when its call returns). */
  kill(): void;
  /** Whether the agent keeps the server's process alive: while a call waits, yes; idle, no. */
  setBusy(busy: boolean): void;
  /**
   * Done with it, every call answered and every file closed: it may serve another job (agent-pool.ts),
   * or it is ended. Never after a call that did not answer: that agent is killed.
   */
  release?(): void;
}

/** Starts an agent. Headless: a Node child process; the desktop app passes one built on utilityProcess. */
export type AgentLauncher = () => AgentProcess;

/** Wraps the source for a plain Node child whose IPC channel is process.send / 'message'. */
const NODE_BOOT = `
const port = {
  send: (m) => process.connected && process.send(m),
  onMessage: (listener) => process.on('message', listener),
};
// The server is gone (killed, crashed): so is the reason to run.
process.on('disconnect', () => process.exit(0));
`;

/**
 * A Node child process running the agent. The source goes in on stdin (`node -`), so the process list
 * shows a short command line. Not for Electron: its executable is the app itself, and the packaged app
 * cannot run as Node (the runAsNode fuse is off); the desktop shell injects a utilityProcess launcher.
 */
export const nodeAgentLauncher: AgentLauncher = () => {
  if (process.versions.electron) {
    throw new Error(
      'In Electron, pass an agent launcher built on utilityProcess (electron/main/fs-agent-launcher.ts).',
    );
  }
  const child = spawn(process.execPath, ['-'], {
    stdio: ['pipe', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  child.stdin!.end(NODE_BOOT + FS_AGENT_SOURCE);
  // The server must be free to exit while an idle or abandoned agent is still there (stuck in the
  // kernel, say); while a call waits, a one-shot CLI command must not exit under it.
  let exited = false;
  const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
  const setBusy = (busy: boolean) => {
    if (busy && !exited) {
      child.ref();
      channel?.ref?.();
    } else {
      child.unref();
      channel?.unref?.();
    }
  };
  setBusy(false);
  const exitListeners: Array<() => void> = [];
  child.once('exit', () => {
    exited = true;
    for (const listener of exitListeners.splice(0)) listener();
  });
  // Spawning can fail (EAGAIN, ENOMEM): the agent is then simply gone.
  child.once('error', () => {
    if (!exited) child.emit('exit', null, null);
  });
  return {
    pid: child.pid,
    send: (request) => {
      if (child.connected) child.send(request);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as AgentResponse)),
    onExit: (listener) => (exited ? listener() : exitListeners.push(listener)),
    kill: () => {
      setBusy(false);
      if (!exited) child.kill('SIGKILL');
      if (child.connected) child.disconnect();
    },
    setBusy,
  };
};
