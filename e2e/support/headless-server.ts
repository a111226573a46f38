import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningServer {
  /** The URL printed at start, with the token. */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** The server's process id (its memory is read from /proc/<pid>/status). */
  pid: number;
  /** Where test clients connect, e.g. `ws://127.0.0.1:40123` (the client server's own free port). */
  clientsOrigin: string;
  output: () => string;
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a power cut would end it: no goodbye to the open Control Panel. */
  kill(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Starts the built `repo-server serve` on a temp data dir and free ports, as a user would. */
export async function startHeadlessServer(
  extraArgs: string[] = [],
  dataDir?: string,
): Promise<RunningServer> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'repo-server-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/repo-server.mjs'),
      'serve',
      '--data-dir',
      dir,
      // A restart on the same data dir passes its old console port, so an open tab can come back to it.
      ...(extraArgs.includes('--console-port') ? [] : ['--console-port', '0']),
      // The default client port (53400) would clash between parallel workers: take a free one.
      ...(extraArgs.includes('--port') ? [] : ['--port', '0']),
      ...extraArgs,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`repo-server serve printed no URL:\n${output}`)), 20_000);
    const check = () => {
      const match = /Control Panel: (http:\/\/\S+)/.exec(output);
      if (match && /Clients connect to: |Client server not running/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`repo-server serve exited with ${code}:\n${output}`));
    });
  });
  const parsed = new URL(url);
  const clients = /Clients connect to: (ws:\/\/[^/\s]+)/.exec(output);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    dataDir: dir,
    pid: child.pid!,
    clientsOrigin: clients?.[1] ?? '',
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      // A data dir made here is ours to remove; one passed in belongs to the caller.
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
