import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../core/backup/verify-archive';
import { runCli } from '../cli';

// The auto-backup commands as a headless administrator uses them, in-process with a real data directory.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    untilStopped: new Promise<void>(() => {}),
  });
  return { code, out: out.join(''), err: err.join('') };
}

async function dataDirWith(...repositories: string[]) {
  const dir = tempDir('cli-schedule-');
  for (const name of repositories) expect((await run(['create', name, '--data-dir', dir])).code).toBe(0);
  return dir;
}

describe('repo-server schedule', () => {
  it('shows the settings, then changes and saves them', async () => {
    const dir = await dataDirWith('Alpha', 'Beta');
    const shown = await run(['schedule', '--data-dir', dir]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/Automatic backup: +off/);
    const target = path.join(tempDir('cli-target-'), 'nightly');
    const saved = await run([
      'schedule',
      '--enable',
      '--repos',
      'Alpha,Beta',
      '--days',
      'mon,tue,wed,thu,fri',
      '--times',
      '22:00,12:30',
      '--target',
      target,
      '--policy',
      'disconnect',
      '--grace',
      '5',
      '--keep',
      '3',
      '--data-dir',
      dir,
    ]);
    expect(saved).toMatchObject({ code: 0, err: '' });
    expect(saved.out).toContain('Saved.');
    expect(saved.out).toMatch(/Automatic backup: +on/);
    expect(saved.out).toMatch(/Schedule: +Mon–Fri at 12:30 and 22:00/);
    expect(saved.out).toMatch(/Clients: +disconnect while the snapshot is taken \(notice 5 minutes ahead\)/);
    expect(saved.out).toMatch(/Keep: +the last 3 verified backups per repository/);
    const json = JSON.parse((await run(['schedule', '--json', '--data-dir', dir])).out);
    expect(json.settings).toMatchObject({
      enabled: true,
      repositories: ['Alpha', 'Beta'],
      times: ['12:30', '22:00'],
      targetFolder: target,
      keepLast: 3,
    });
    expect(json.description).toBe('Mon–Fri at 12:30 and 22:00');
    expect(Date.parse(json.nextRun)).toBeGreaterThan(Date.now());
    // --disable keeps everything else.
    await run(['schedule', '--disable', '--data-dir', dir]);
    const off = JSON.parse((await run(['schedule', '--json', '--data-dir', dir])).out);
    expect(off.settings).toMatchObject({ enabled: false, repositories: ['Alpha', 'Beta'], keepLast: 3 });
  });

  it.each([
    [['--times', '25:00'], /times\.0: Use a 24-hour time/],
    [['--days', ''], /days: Choose at least one day/],
    [['--target', 'relative/dir'], /targetFolder: Enter a full path/],
    [['--keep', '0'], /keepLast: Keep at least 1/],
    [['--repos', 'Alpha,Nope'], /repositories: There is no repository named "Nope"/],
  ])('refuses %j with one line naming the field, and saves nothing', async (flags, message) => {
    const dir = await dataDirWith('Alpha');
    const target = tempDir('cli-target-');
    const args = [
      'schedule',
      '--enable',
      '--repos',
      'Alpha',
      '--target',
      target,
      ...flags,
      '--data-dir',
      dir,
    ];
    const refused = await run(args);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(message);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse((await run(['schedule', '--json', '--data-dir', dir])).out).settings.enabled).toBe(
      false,
    );
  });

  it('refuses flags it cannot read, with exit code 2', async () => {
    const dir = await dataDirWith('Alpha');
    for (const flags of [
      ['--days', 'funday'],
      ['--keep', 'many'],
      ['--policy', 'sometimes'],
      ['--enable', '--disable'],
    ]) {
      const answer = await run(['schedule', ...flags, '--data-dir', dir]);
      expect(answer.code, flags.join(' ')).toBe(2);
      expect(answer.err).toMatch(/^repo-server: /);
    }
  });
});

describe('repo-server backup and status', () => {
  it('backs up the configured repositories, verifies them, and status shows the results', async () => {
    const dir = await dataDirWith('Alpha', 'Beta');
    const target = path.join(tempDir('cli-target-'), 'b');
    expect(
      (await run(['schedule', '--enable', '--repos', 'Alpha,Beta', '--target', target, '--data-dir', dir]))
        .code,
    ).toBe(0);
    const backup = await run(['backup', '--data-dir', dir]);
    expect(backup).toMatchObject({ code: 0, err: '' });
    expect(backup.out).toMatch(/Backed up "Alpha" to .*Alpha_.*\.zip \(.*verified\)/);
    expect(backup.out).toMatch(/Backed up "Beta" to /);
    // The repositories' archives (beside them: the server's configuration, config-backup.test.ts).
    const archives = fs.readdirSync(target).filter((n) => n.endsWith('.zip') && !n.startsWith('@'));
    expect(archives).toHaveLength(2);
    for (const file of archives) {
      const { manifest } = await verifyArchive(path.join(target, file), { dataDir: dir });
      expect(manifest.trigger).toBe('cli');
    }
    const status = await run(['status', '--data-dir', dir]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Automatic backup: +on/);
    expect(status.out).toMatch(/^Alpha +ok /m);
    expect(status.out).toMatch(/^Beta +ok /m);
    // Nothing runs the schedule now: status says so rather than let anyone assume it will.
    expect(status.out).toContain(
      'No server is running on this data directory: scheduled backups run only while "repo-server serve" or the desktop app runs.',
    );
    const json = JSON.parse((await run(['status', '--json', '--data-dir', dir])).out);
    expect(json.perRepository.map((r: { lastResult: { status: string } }) => r.lastResult.status)).toEqual([
      'ok',
      'ok',
    ]);
  });

  it('drill tests each newest backup; a damaged one fails it, and status says so and exits 7', async () => {
    const dir = await dataDirWith('Alpha', 'Beta');
    const target = tempDir('cli-target-');
    await run([
      'schedule',
      '--enable',
      '--repos',
      'Alpha,Beta',
      '--target',
      target,
      '--drill-every',
      '7',
      '--data-dir',
      dir,
    ]);
    expect((await run(['schedule', '--data-dir', dir])).out).toMatch(
      /Restore tests: +the newest backup of each repository, every 7 days/,
    );
    expect((await run(['backup', '--data-dir', dir])).code).toBe(0);
    const good = await run(['drill', '--data-dir', dir]);
    expect(good).toMatchObject({ code: 0, err: '' });
    expect(good.out).toMatch(/Restore test of "Alpha" OK: .*Alpha_.*\.zip/);
    expect((await run(['status', '--data-dir', dir])).out).toMatch(/Restore test: +all 2 repositories OK \(/);

    const beta = fs.readdirSync(target).find((f) => f.startsWith('Beta_'))!;
    fs.truncateSync(path.join(target, beta), 300);
    const bad = await run(['drill', '--data-dir', dir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^repo-server: Restore test of "Beta" failed: .*Beta_/);
    const status = await run(['status', '--data-dir', dir]);
    expect(status.code).toBe(7);
    expect(status.out).toMatch(/Restore test: +Beta failed \(.*\); 1 OK/);
    const refused = await run(['schedule', '--drill-every', '0', '--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Test-restore at most once a day (1 day or more).');
  });

  it('backs up only the repositories named, and fails with the reason for one that is gone', async () => {
    const dir = await dataDirWith('Alpha', 'Beta');
    const target = tempDir('cli-target-');
    await run(['schedule', '--enable', '--repos', 'Alpha,Beta', '--target', target, '--data-dir', dir]);
    const one = await run(['backup', 'beta', '--json', '--data-dir', dir]);
    expect(one.code).toBe(0);
    // --json: a progress object per line, then the result.
    const lines = one.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.slice(0, -1).every((l) => l.type === 'progress')).toBe(true);
    const result = lines.at(-1) as unknown as { type: string; outcomes: Array<{ repository: string }> };
    expect(result.type).toBe('result');
    expect(result.outcomes.map((o) => o.repository)).toEqual(['Beta']);
    const missing = await run(['backup', 'Gamma', '--data-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('repo-server: There is no repository named "Gamma".\n');
  });

  it('a backup without a target folder says what to set', async () => {
    const dir = await dataDirWith('Alpha');
    const answer = await run(['backup', 'Alpha', '--data-dir', dir]);
    expect(answer.code).toBe(2);
    expect(answer.err).toMatch(/Choose the folder backups are written to first/);
  });

  it('a failed backup exits non-zero with one line, and status shows the failure', async () => {
    const dir = await dataDirWith('Alpha');
    // A file appears where the saved target's parent folder should be (saving refuses one already there).
    const blocker = path.join(tempDir('cli-blocked-'), 'file');
    await run([
      'schedule',
      '--enable',
      '--repos',
      'Alpha',
      '--target',
      path.join(blocker, 'x'),
      '--data-dir',
      dir,
    ]);
    fs.writeFileSync(blocker, '');
    const failed = await run(['backup', '--data-dir', dir]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^repo-server: Backup of "Alpha" failed: .*is a file, not a folder.*\n$/);
    const status = await run(['status', '--data-dir', dir]);
    expect(status.out).toMatch(/^Alpha +failed /m);
    expect(status.out).toMatch(/Alpha: .*is a file, not a folder/);
    expect(status.out).toMatch(/Last error: +Alpha: .*is a file, not a folder/);
  });
});

describe('repo-server schedule while serve runs', () => {
  it('a running serve applies the change within seconds', async () => {
    const dir = await dataDirWith('Alpha');
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const out: string[] = [];
    const serving = runCli(['serve', '--data-dir', dir, '--port', '0', '--console-port', '0'], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => {} },
      env: {},
      untilStopped: stopped,
    });
    try {
      await expect.poll(() => out.join(''), { timeout: 10_000 }).toContain('Control Panel: http://');
      const url = new URL(/Control Panel: (\S+)/.exec(out.join(''))![1]!);
      const status = async () => {
        const answer = await fetch(new URL('/api/getBackupStatus', url), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${url.searchParams.get('token')}`,
          },
          body: '{}',
        });
        return ((await answer.json()) as { value: { state: string; description: string } }).value;
      };
      expect((await status()).state).toBe('off');
      const target = tempDir('cli-target-');
      const saved = await run([
        'schedule',
        '--enable',
        '--repos',
        'Alpha',
        '--times',
        '03:15',
        '--target',
        target,
        '--data-dir',
        dir,
      ]);
      expect(saved.code).toBe(0);
      await expect
        .poll(status, { timeout: 10_000, interval: 200 })
        .toMatchObject({ state: 'on', description: 'Mon–Fri at 03:15' });
      const fromOutside = await run(['status', '--data-dir', dir]);
      expect(fromOutside.out).toContain(`Served by repo-server serve (pid ${process.pid}, since `);
      expect(JSON.parse((await run(['status', '--json', '--data-dir', dir])).out).servedBy).toContain(
        `Control Panel ${url.origin}`,
      );
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  });
});
