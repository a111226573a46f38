import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A real mount that stops answering on command (hanging-fs.py, a FUSE file system): a call into it
// waits in the kernel as a call into a dead network share does, so tests exercise the real call path,
// not a stand-in. Needs /dev/fuse, root (to mount) and Debian's python3-fuse (.ci/run installs it).

const SCRIPT = path.join(import.meta.dirname, 'hanging-fs.py');
const PYTHON = '/usr/bin/python3';

export interface HangingMount {
  /** The mount point: a folder that answers until told otherwise. */
  dir: string;
  /** Stop answering these operations ("all" for every one); a call already waiting keeps waiting. */
  hang(...ops: string[]): void;
  /** Delay every operation by `ms` (a slow share that still answers). */
  slow(ms: number): void;
  /** Answer everything again: calls that were waiting complete now. */
  release(): void;
  /** The operations that have started waiting, as "op path" lines. */
  waiting(): string[];
  /** Releases, stops the file system and unmounts. */
  unmount(): Promise<void>;
}

const isMounted = (dir: string) =>
  fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);

export async function mountHangingFs(): Promise<HangingMount> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hanging-fs-'));
  const backing = path.join(root, 'backing');
  const dir = path.join(root, 'mnt');
  const control = path.join(root, 'control');
  fs.mkdirSync(backing);
  fs.mkdirSync(dir);
  fs.writeFileSync(control, '');
  const daemon: ChildProcess = spawn(
    PYTHON,
    [SCRIPT, backing, control, dir, '-f', '-o', 'default_permissions,big_writes,max_write=131072'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  daemon.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  for (let i = 0; !isMounted(dir); i++) {
    if (daemon.exitCode !== null || i > 100) {
      daemon.kill('SIGKILL');
      throw new Error(
        `The test file system could not be mounted (needs /dev/fuse, root and python3-fuse): ${errors.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const write = (text: string) => fs.writeFileSync(control, text);
  return {
    dir,
    hang: (...ops) => write(ops.join(' ')),
    slow: (ms) => write(`slow:${ms}`),
    release: () => write(''),
    waiting: () => {
      try {
        return fs.readFileSync(`${control}.log`, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async unmount() {
      write('');
      // Calls released just now complete; then the file system goes, and with it the mount.
      await new Promise((resolve) => setTimeout(resolve, 200));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
      if (isMounted(dir)) execFileSync('umount', ['-l', dir]);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
