import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirHolder, LOCK_FILE, lockDataDir, refuseIfServed } from './data-dir-lock';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('one server per data directory', () => {
  it('a second server is refused with the first one named; after release it may start', () => {
    const dir = temp();
    const first = lockDataDir(dir, { host: 'headless', startedAt: '2026-11-23T10:00:00Z' });
    first.setControlPanel('http://127.0.0.1:53480');
    expect(() => lockDataDir(dir, { host: 'electron', startedAt: 'now' })).toThrow(
      `This data directory is already served by repo-server serve (pid ${process.pid}, since 2026-11-23T10:00:00Z; Control Panel http://127.0.0.1:53480). Stop it first, or use --data-dir for another folder.`,
    );
    expect(() => refuseIfServed(dir, 'A restore')).toThrow(
      /^A restore cannot run while repo-server serve \(pid \d+.*\) serves this data directory: use its Control Panel, or stop it first\.$/,
    );
    first.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(() => refuseIfServed(dir, 'A restore')).not.toThrow();
    lockDataDir(dir, { host: 'electron', startedAt: 'now' }).release();
  });

  it('a note left by a process that died (kill -9, crash) does not count', () => {
    const dir = temp();
    const file = path.join(dir, LOCK_FILE);
    const stale = { pid: deadPid(), hostname: os.hostname(), host: 'headless', startedAt: 'yesterday' };
    fs.writeFileSync(file, JSON.stringify(stale));
    expect(dataDirHolder(dir)).toBeNull();
    const lock = lockDataDir(dir, { host: 'headless', startedAt: 'now' });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('a half-written or foreign note does not count; one from another machine does', () => {
    const dir = temp();
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, '{"pid": 12');
    expect(dataDirHolder(dir)).toBeNull();
    fs.writeFileSync(file, JSON.stringify({ hello: 'world' }));
    expect(dataDirHolder(dir)).toBeNull();
    fs.writeFileSync(
      file,
      JSON.stringify({ pid: deadPid(), hostname: 'build-server-7', host: 'headless', startedAt: 'now' }),
    );
    expect(() => refuseIfServed(dir, 'A restore')).toThrow(/on build-server-7/);
  });

  it('release leaves alone a note that another server wrote after ours was taken over', () => {
    const dir = temp();
    const lock = lockDataDir(dir, { host: 'headless', startedAt: 'now' });
    const other = { pid: process.ppid, hostname: os.hostname(), host: 'electron', startedAt: 'later' };
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(other));
    lock.release();
    expect(dataDirHolder(dir)).toMatchObject({ pid: process.ppid });
  });
});
