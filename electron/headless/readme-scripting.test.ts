import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE } from './testing/cli-child';
import { runCommand, serveDataDir, tempDirs } from './testing/cli-harness';

// README's "Scripting backups" examples, read from README itself (so they cannot drift) and run as they
// are, against a real data directory — with and without a server on it. `repo-server` is found on the
// PATH, as `npm link` puts it there; here a shim runs the TypeScript entry.

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const run = promisify(execFile);
const temp = tempDirs();
afterEach(() => temp.removeAll());

/** The fenced block after `<!-- example: NAME -->`. */
function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!match) throw new Error(`README has no example "${name}"`);
  return match[1]!;
}

/** A PATH with `repo-server` on it. */
function shimPath(): string {
  const bin = temp.make('readme-bin-');
  const jiti = path.join(ROOT, 'node_modules/.bin/jiti');
  const entry = path.join(ROOT, 'electron/headless/index.ts');
  fs.writeFileSync(path.join(bin, 'repo-server'), `#!/bin/sh\nexec "${NODE}" "${jiti}" "${entry}" "$@"\n`, {
    mode: 0o755,
  });
  return `${bin}:${path.dirname(NODE)}:${process.env.PATH}`;
}

async function dataDirWithSchedule(): Promise<{ dataDir: string; target: string }> {
  const dataDir = temp.make('readme-data-');
  const target = temp.make('readme-target-');
  for (const name of ['Login Tests', 'Payments'])
    expect((await runCommand(['create', name, '--data-dir', dataDir])).code).toBe(0);
  const scheduled = await runCommand([
    'schedule',
    '--repos',
    'Login Tests,Payments',
    '--target',
    target,
    '--data-dir',
    dataDir,
  ]);
  expect(scheduled.code).toBe(0);
  return { dataDir, target };
}

/** Runs `command` with sh, as cron and scripts do; never throws, gives the exit code. */
async function sh(script: string, env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run('sh', ['-c', script], { env, cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The repositories' archives (a run also writes the server's configuration beside them, '@server-…'). */
const zips = (folder: string) =>
  fs.readdirSync(folder).filter((f) => f.endsWith('.zip') && !f.startsWith('@server-configuration_'));

describe('README: Scripting backups', () => {
  it('the cron line backs up into the target and logs it', async () => {
    const line = example('cron');
    const [minute, hour, dom, month, dow, user, ...command] = line.trim().split(/\s+/);
    expect([minute, hour, dom, month, dow, user]).toEqual(['30', '2', '*', '*', '*', 'repo-server']);
    const { dataDir, target } = await dataDirWithSchedule();
    const log = path.join(temp.make('readme-log-'), 'backup.log');
    const result = await sh(
      command
        .join(' ')
        .replaceAll('/srv/repo-server', dataDir)
        .replaceAll('/var/log/repo-server-backup.log', log),
      { PATH: shimPath(), HOME: '/tmp' },
    );
    expect(result.code).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(
      /^Backed up "Login Tests" to .*\n^Backed up "Payments" to /m,
    );
    expect(zips(target)).toHaveLength(2);
  }, 120_000);

  it('the systemd service runs one backup; the timer starts that service nightly and after a missed night', async () => {
    const service = example('systemd-service');
    const timer = example('systemd-timer');
    const unitName = (text: string) => /^# \/etc\/systemd\/system\/(.+)$/m.exec(text)![1]!;
    expect(unitName(service)).toBe('repo-server-backup.service');
    expect(unitName(timer)).toBe('repo-server-backup.timer'); // a timer starts the service of its own name
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* 02:30:00$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    // systemd itself reads the calendar expression.
    const calendar = /^OnCalendar=(.+)$/m.exec(timer)![1]!;
    const analyzed = await run('systemd-analyze', ['calendar', calendar], { encoding: 'utf8' });
    expect(analyzed.stdout).toMatch(/Next elapse: .* 02:30:00/);
    const execStart = /^ExecStart=(.+)$/m.exec(service)![1]!;
    const { dataDir, target } = await dataDirWithSchedule();
    // systemd runs ExecStart without a shell: the words as they are, the first found on the PATH.
    const [program, ...args] = execStart.replaceAll('/srv/repo-server', dataDir).split(' ');
    const { stdout } = await run(program!, args, {
      env: { PATH: shimPath(), HOME: '/tmp' },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/Backed up "Payments" to .*verified/);
    expect(zips(target)).toHaveLength(2);
  }, 120_000);

  it('the pre-upgrade script: 0 and "safe to upgrade" with or without a running server; the backup’s exit code when it fails', async () => {
    const script = path.join(temp.make('readme-script-'), 'pre-upgrade.sh');
    fs.writeFileSync(script, example('pre-upgrade'), { mode: 0o755 });
    const { dataDir, target } = await dataDirWithSchedule();
    const env = { PATH: shimPath(), HOME: '/tmp', REPO_SERVER_DATA_DIR: dataDir };

    const alone = await sh(script, env);
    expect(alone).toMatchObject({ code: 0, stderr: '' });
    expect(alone.stdout).toMatch(/^Verified .*Login Tests_.*\.zip: "Login Tests"/m);
    expect(alone.stdout).toMatch(/^pre-upgrade: every backup verified; safe to upgrade\.$/m);

    const server = await serveDataDir(dataDir);
    try {
      const served = await sh(script, env);
      expect(served).toMatchObject({ code: 0, stderr: '' });
      expect(served.stdout).toContain('safe to upgrade');
      const history = await server.api<Array<{ kind: string; trigger: string; status: string }>>(
        'listHistory',
        {
          limit: 4,
        },
      );
      expect(history.map((h) => [h.kind, h.trigger, h.status])).toEqual([
        ['verify', 'cli', 'ok'],
        ['verify', 'cli', 'ok'],
        ['backup', 'cli', 'ok'],
        ['backup', 'cli', 'ok'],
      ]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(zips(target)).toHaveLength(4);

    // The target folder became a file: the backup fails, and so does the upgrade's precondition.
    fs.rmSync(target, { recursive: true });
    fs.writeFileSync(target, 'not a folder');
    const failed = await sh(script, env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/pre-upgrade: the backup failed \(exit 1\); not upgrading\.\n$/);
    expect(failed.stdout).not.toContain('safe to upgrade');
  }, 240_000);
});
