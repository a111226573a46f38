import { spawn, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

// The real `repo-server` as a child process (the TypeScript entry through jiti), for what only a process
// shows: signals (Ctrl-C), its command line in the process list, and running as another OS user.

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
const ENTRY = [path.join(ROOT, 'node_modules/.bin/jiti'), path.join(ROOT, 'electron/headless/index.ts')];

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** `[prefix…] node jiti index.ts args…`; `prefix` drops privileges (setpriv …). */
export function spawnCli(args: string[], options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const [command, ...rest] = [...(options.prefix ?? []), NODE, ...ENTRY, ...args];
  const spawnOptions: SpawnOptions = {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: '/tmp', TZ: process.env.TZ, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  const child = spawn(command!, rest, spawnOptions);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<ChildRun>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, done, output: () => out, errors: () => err };
}
