import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppFailure } from '../shared/result';

// One running server per data directory. A second `serve` (or the desktop app and `serve` on the same
// folder) would hold each repository on two connections in two processes, and a restore from a CLI
// command would swap a file under a server that keeps writing to the old one: writes lost. The running
// server leaves a note in the folder; commands that must not run beside it read it and say who holds it.

export const LOCK_FILE = 'server.lock';

const LockHolder = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  host: z.enum(['electron', 'headless']),
  startedAt: z.string(),
  /**
   * Where the running server answers the contract, without its token: the Control Panel's origin
   * (headless), or the desktop app's loopback endpoint for the CLI (electron). The CLI forwards there.
   */
  controlPanel: z.string().optional(),
});
export type LockHolder = z.infer<typeof LockHolder>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who holds the data directory now, or null. A note left by a process that died (crash, kill -9) on this
 * machine does not count. A note from another machine (a shared folder) counts: we cannot check it.
 */
export function dataDirHolder(dataDir: string): LockHolder | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof LockHolder.safeParse>;
  try {
    parsed = LockHolder.safeParse(JSON.parse(text));
  } catch {
    return null; // half-written by a process that died while writing it
  }
  if (!parsed.success) return null;
  const holder = parsed.data;
  if (holder.hostname === os.hostname() && !isAlive(holder.pid)) return null;
  return holder;
}

/** "the desktop app (pid 4242, since …)" or "repo-server serve (pid 4242, since …; Control Panel …)". */
export function describeHolder(holder: LockHolder): string {
  const who = holder.host === 'electron' ? 'the Repository Server desktop app' : 'repo-server serve';
  const where = holder.hostname === os.hostname() ? '' : ` on ${holder.hostname}`;
  const panel = !holder.controlPanel
    ? ''
    : holder.host === 'electron'
      ? `; CLI endpoint ${holder.controlPanel}`
      : `; Control Panel ${holder.controlPanel}`;
  return `${who} (pid ${holder.pid}${where}, since ${holder.startedAt}${panel})`;
}

/** Refuses with BUSY when a running server holds the data directory. */
export function refuseIfServed(dataDir: string, what: string): void {
  const holder = dataDirHolder(dataDir);
  if (holder)
    throw new AppFailure(
      'BUSY',
      `${what} cannot run while ${describeHolder(holder)} serves this data directory: ` +
        `use its Control Panel, or stop it first.`,
    );
}

export interface DataDirLock {
  /** Adds where the contract is answered (the Control Panel, the desktop's CLI endpoint), once it listens. */
  setControlPanel(url: string): void;
  release(): void;
}

/**
 * Takes the data directory for this process. Refused with BUSY, naming the holder, when another running
 * server has it.
 */
export function lockDataDir(dataDir: string, holder: Omit<LockHolder, 'pid' | 'hostname'>): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, hostname: os.hostname(), ...holder };
  const ours = () => dataDirHolder(dataDir)?.pid === process.pid;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // 'wx': exactly one of two servers starting at once creates it.
      fs.writeFileSync(file, JSON.stringify(mine, null, 2), { flag: 'wx', mode: 0o600 });
      return {
        setControlPanel(url) {
          if (ours()) fs.writeFileSync(file, JSON.stringify({ ...mine, controlPanel: url }, null, 2));
        },
        release() {
          if (ours()) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const other = dataDirHolder(dataDir);
      if (other)
        throw new AppFailure(
          'BUSY',
          `This data directory is already served by ${describeHolder(other)}. Stop it first, or use --data-dir for another folder.`,
        );
      fs.rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new AppFailure('BUSY', `Could not take the data directory ${dataDir}: ${file} keeps coming back.`);
}
