import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../electron/core/data-dir-lock';
import { mountHangingFs, type HangingMount } from '../electron/core/testing/hanging-fs';

// `repo-server serve` as a real process, stopped with SIGTERM while its export waits on a target that
// never answers (a FUSE mount holding the call in the kernel): it exits within its bound although the
// target's deadline is minutes away, releases the data-dir lock, and a new serve starts on the folder.

const ROOT = path.resolve(import.meta.dirname, '..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The CLI from its sources (jiti), as `repo-server` runs once built. */
function cli(args: string[]): ChildProcess {
  return spawn(
    path.join(ROOT, 'node_modules/.bin/node'),
    [path.join(ROOT, 'node_modules/.bin/jiti'), path.join(ROOT, 'electron/headless/index.ts'), ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function runCli(args: string[]): Promise<string> {
  const child = cli(args);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`repo-server ${args.join(' ')} exited with ${code}: ${out}`);
  return out;
}

async function serve(dataDir: string) {
  const child = cli(['serve', '--data-dir', dataDir, '--port', '0', '--console-port', '0']);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  for (let i = 0; !/Clients connect to: |Client server not running/.test(output); i++) {
    if (child.exitCode !== null || i > 400) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = new URL(/Control Panel: (\S+)/.exec(output)![1]!);
  const call = async (method: string, args: unknown) => {
    const response = await fetch(`${url.origin}/api/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${url.searchParams.get('token')}`,
      },
      body: JSON.stringify(args),
    });
    return (await response.json()) as { ok: boolean; value: unknown };
  };
  return { child, exited, call, output: () => output };
}

describe('repo-server serve, stopped while a target never answers', () => {
  it('exits within its bound, releases the lock, and a new serve starts on the same data dir', async () => {
    const mount: HangingMount = await mountHangingFs();
    cleanups.push(() => mount.unmount());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-stop-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    await runCli(['create', 'Alpha', '--data-dir', dataDir]);
    // The target's deadline is far away: a stop that waited for it would not end within this test.
    await runCli(['schedule', '--timeout', '600', '--data-dir', dataDir]);

    const first = await serve(dataDir);
    mount.hang('all');
    const started = await first.call('startExport', {
      repositories: ['Alpha'],
      destination: { kind: 'folder', folder: path.join(mount.dir, 'backups') },
    });
    expect(started.ok).toBe(true);
    for (let i = 0; i < 200 && mount.waiting().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(mount.waiting().length).toBeGreaterThan(0);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Stopping…');
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);

    // The target still does not answer; a new server starts all the same, and says what became of the job.
    const second = await serve(dataDir);
    const history = (await second.call('listHistory', {})) as {
      value: Array<{ kind: string; status: string; error: string | null }>;
    };
    expect(history.value[0]).toMatchObject({ kind: 'export', status: 'cancelled' });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 60_000);
});
