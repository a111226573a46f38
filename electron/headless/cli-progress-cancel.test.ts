import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry, JobProgress } from '../shared/contract/archives';
import { openServer } from './open-server';
import { spawnCli } from './testing/cli-child';
import { jsonLines, runCommand, serveDataDir, tempDirs } from './testing/cli-harness';

// Long commands on the terminal (ARCHITECTURE §8): a progress line on a TTY, --json one object per line,
// Ctrl-C cancels the job where it runs, and each exit code is what the README says.

const temp = tempDirs();
afterEach(() => temp.removeAll());

/** A repository large enough that its export takes seconds: 48 MiB that does not compress, 'best'. */
async function bigDataDir(): Promise<string> {
  const dataDir = temp.make('cli-progress-');
  const server = await openServer(dataDir);
  const repo = server.store.create('Big');
  for (let i = 0; i < 48; i++)
    repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  server.settings.update('backup', { ...server.settings.get().backup, compression: 'best' });
  await server.stop();
  return dataDir;
}

const zips = (folder: string) => fs.readdirSync(folder).filter((f) => f.endsWith('.zip'));

describe('progress', () => {
  it('on a TTY: one line redrawn in place with phase, percent, bytes and time left, cleared before the result', async () => {
    const dataDir = await bigDataDir();
    const out = temp.make('cli-progress-out-');
    const run = await runCommand(['export', 'Big', '--to', out, '--data-dir', dataDir], {
      tty: true,
      columns: 120,
    });
    expect(run).toMatchObject({ code: 0, err: '' });
    const frames = run.out.split('\r\x1b[2K');
    const lines = frames.filter(Boolean);
    expect(
      lines.some((l) =>
        /^Export of Big: Compressing \d+ % · [\d.]+ MB of [\d.]+ MB( · (\d+ s left|almost done))?$/.test(l),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('Export of Big: Verifying'))).toBe(true);
    expect(lines.every((l) => l.length <= 119)).toBe(true);
    // The result stands alone on its line: the progress line was cleared first.
    expect(frames.at(-1)).toMatch(/^Exported "Big" to .*Big_[\d-]+\.zip \(.+\)\.\n$/);
  }, 120_000);

  it('in a pipe: only the result; with --json: progress objects, then the result, each line JSON', async () => {
    const dataDir = await bigDataDir();
    const out = temp.make('cli-progress-out-');
    const piped = await runCommand(['export', 'Big', '--to', out, '--data-dir', dataDir]);
    expect(piped.out).toMatch(/^Exported "Big" to [^\n]+\.\n$/);
    const json = await runCommand(['export', 'Big', '--to', out, '--json', '--data-dir', dataDir]);
    expect(json.code).toBe(0);
    const lines = jsonLines(json.out);
    const progress = lines.slice(0, -1) as unknown as Array<{ type: string } & JobProgress>;
    expect(progress.length).toBeGreaterThan(2);
    expect(
      progress.every((p) => p.type === 'progress' && p.kind === 'export' && p.repository === 'Big'),
    ).toBe(true);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['compressing', 'verifying']));
    expect(lines.at(-1)).toMatchObject({
      type: 'result',
      jobs: [{ repository: 'Big', status: 'done', error: null, file: expect.stringMatching(/\.zip$/) }],
    });
  }, 120_000);
});

describe('Ctrl-C and cancel', () => {
  it('SIGINT to the CLI cancels the export on the server: exit 5, no final-named file, history "cancelled"', async () => {
    const dataDir = await bigDataDir();
    const out = temp.make('cli-cancel-out-');
    const server = await serveDataDir(dataDir);
    try {
      const cli = spawnCli(['export', 'Big', '--to', out, '--json', '--data-dir', dataDir]);
      await expect.poll(cli.output, { timeout: 60_000, interval: 50 }).toContain('"phase":"compressing"');
      // Nothing another user could read in the process list carries the credential.
      const cmdline = fs.readFileSync(`/proc/${cli.child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('export');
      expect(cmdline).not.toContain(server.token);
      expect(fs.readFileSync(`/proc/${cli.child.pid}/environ`, 'utf8')).not.toContain(server.token);
      cli.child.kill('SIGINT');
      const ended = await cli.done;
      expect(ended.code).toBe(5);
      expect(ended.err).toContain('repo-server: cancelling…');
      expect(ended.err).toMatch(/repo-server: Export of "Big" failed: .*[Cc]ancel/);
      expect(jsonLines(ended.out).at(-1)).toMatchObject({ type: 'result', jobs: [{ status: 'cancelled' }] });
      expect(zips(out)).toEqual([]);
      const history = await server.api<HistoryEntry[]>('listHistory', { limit: 5 });
      expect(history[0]).toMatchObject({
        kind: 'export',
        trigger: 'cli',
        repository: 'Big',
        status: 'cancelled',
      });
      // The Control Panel saw it end as cancelled.
      expect(server.events).toContainEqual({
        name: 'jobFinished',
        payload: expect.objectContaining({ kind: 'export', status: 'cancelled' }),
      });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('a job cancelled in the Control Panel ends the CLI that waits for it with exit 5', async () => {
    const dataDir = await bigDataDir();
    const out = temp.make('cli-cancel-out-');
    const server = await serveDataDir(dataDir);
    try {
      const running = runCommand(['export', 'Big', '--to', out, '--data-dir', dataDir]);
      await expect
        .poll(
          () =>
            server.events.find(
              (e) => e.name === 'jobProgress' && (e.payload as JobProgress).phase === 'compressing',
            ),
          {
            timeout: 60_000,
            interval: 50,
          },
        )
        .toBeTruthy();
      const job = server.events.find((e) => e.name === 'jobProgress')!.payload as JobProgress;
      await server.api('cancelJob', { jobId: job.jobId });
      const ended = await running;
      expect(ended.code).toBe(5);
      expect(ended.err).toMatch(/^repo-server: Export of "Big" failed: .*\n$/);
      expect(zips(out)).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});

describe('exit 3: overdue', () => {
  it('status exits 3 when a repository has had no good backup for too long, from history and from the server', async () => {
    const dataDir = temp.make('cli-overdue-');
    expect((await runCommand(['create', 'Old', '--data-dir', dataDir])).code).toBe(0);
    const target = temp.make('cli-overdue-target-');
    expect(
      (
        await runCommand([
          'schedule',
          '--enable',
          '--repos',
          'Old',
          '--target',
          target,
          '--data-dir',
          dataDir,
        ])
      ).code,
    ).toBe(0);
    expect((await runCommand(['status', '--data-dir', dataDir])).code).toBe(0);
    // Created long ago and never backed up.
    const file = path.join(dataDir, 'repositories', fs.readdirSync(path.join(dataDir, 'repositories'))[0]!);
    execFileSync('sqlite3', [
      file,
      "UPDATE meta SET value = '2020-01-01T00:00:00.000+00:00' WHERE key = 'created_at'",
    ]);
    const alone = await runCommand(['status', '--data-dir', dataDir]);
    expect(alone.code).toBe(3);
    const server = await serveDataDir(dataDir);
    try {
      const served = await runCommand(['status', '--json', '--data-dir', dataDir]);
      expect(served.code).toBe(3);
      expect(jsonLines(served.out)[0]).toMatchObject({ perRepository: [{ name: 'Old', overdue: true }] });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});
