import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import { openServer } from '../open-server';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function temp(prefix: string) {
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

async function seed(dataDir: string, name: string, items: number) {
  const server = await openServer(dataDir);
  const repo = server.store.create(name);
  for (let i = 0; i < items; i++)
    repo.put({ path: `m/${i}`, kind: 'module', content: `v${i}`, updatedBy: 'seed' });
  repo.put({ path: 'm/0', kind: 'module', content: 'v0 again', updatedBy: 'seed' });
  await server.stop();
}

describe('repo-server export, verify, import', () => {
  it('exports, verifies and restores into another data dir, as text and as JSON', async () => {
    const dataDir = temp('cli-backup-');
    const out = temp('cli-backup-out-');
    await seed(dataDir, 'Login Tests', 5);
    await seed(dataDir, 'Payments', 2);

    const exported = await run(['export', 'Login Tests', 'payments', '--to', out, '--data-dir', dataDir]);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    const lines = exported.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^Exported "Login Tests" to .*Login Tests_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip \(.+ in .+\)\.$/,
    );
    const files = fs.readdirSync(out).map((f) => path.join(out, f));
    expect(files).toHaveLength(2);
    for (const file of files)
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors');

    const verified = await run(['verify', ...files, '--json', '--data-dir', dataDir]);
    expect(verified.code).toBe(0);
    const report = (
      JSON.parse(verified.out) as { archives: Array<{ verified: boolean; manifest: { itemCount: number } }> }
    ).archives;
    expect(report.map((r) => [r.verified, r.manifest.itemCount])).toEqual([
      [true, 5],
      [true, 2],
    ]);

    const other = temp('cli-backup-other-');
    const loginArchive = files.find((f) => path.basename(f).startsWith('Login Tests'))!;
    const restored = await run(['import', loginArchive, '--data-dir', other]);
    expect(restored).toMatchObject({ code: 0, err: '' });
    expect(restored.out).toMatch(/^Restored .* as "Login Tests" in .+\.$/m);
    const again = await run([
      'import',
      loginArchive,
      '--on-conflict',
      'rename',
      '--no-history',
      '--json',
      '--data-dir',
      other,
    ]);
    expect(again.code).toBe(0);
    const againLines = again.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(againLines.at(-1)).toMatchObject({
      type: 'result',
      jobs: [{ status: 'done', restoredAs: 'Login Tests-Restore1' }],
    });
    const listed = JSON.parse((await run(['list', '--json', '--data-dir', other])).out) as Array<{
      name: string;
      itemCount: number;
      revisionCount: number;
    }>;
    expect(listed.map((r) => [r.name, r.itemCount, r.revisionCount])).toEqual([
      ['Login Tests', 5, 1],
      ['Login Tests-Restore1', 5, 0],
    ]);
  });

  it('fails with one line on stderr and a non-zero exit code', async () => {
    const dataDir = temp('cli-backup-fail-');
    await seed(dataDir, 'Alpha', 1);
    const missing = await run(['export', 'Nope', '--to', dataDir, '--data-dir', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('repo-server: Export of "Nope" failed: There is no repository named "Nope".\n');

    const noTarget = await run(['export', 'Alpha', '--data-dir', dataDir]);
    expect(noTarget).toMatchObject({
      code: 2,
      err: 'repo-server: --to DIR is required: the folder the archives are written to.\n',
    });

    const junk = path.join(dataDir, 'junk.zip');
    fs.writeFileSync(junk, 'not a zip');
    const bad = await run(['verify', junk, '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(bad.err).toContain(`Verification of ${junk} failed: ${junk}: not a ZIP archive`);

    const policy = await run(['import', junk, '--on-conflict', 'overwrite', '--data-dir', dataDir]);
    expect(policy).toMatchObject({ code: 2 });
    expect(policy.err).toContain('--on-conflict must be fail, rename, merge or replace, not "overwrite"');

    const out = temp('cli-backup-out-');
    expect((await run(['export', 'Alpha', '--to', out, '--data-dir', dataDir])).code).toBe(0);
    const archive = path.join(out, fs.readdirSync(out)[0]!);
    const exists = await run(['import', archive, '--data-dir', dataDir]);
    expect(exists.code).toBe(1);
    expect(exists.err).toBe(
      `repo-server: Import of ${archive} failed: A repository named "Alpha" already exists. Choose another name, or rename, merge or replace.\n`,
    );
  });
});

describe('repo-server import beside a running serve', () => {
  it('restores through the server, which records it as the CLI’s; a second serve on the same folder is refused', async () => {
    const dataDir = temp('cli-served-');
    await seed(dataDir, 'Alpha', 2);
    const out = temp('cli-out-');
    expect((await run(['export', 'Alpha', '--to', out, '--data-dir', dataDir])).code).toBe(0);
    const archive = path.join(out, fs.readdirSync(out)[0]!);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const served: string[] = [];
    const serving = runCli(['serve', '--data-dir', dataDir, '--port', '0', '--console-port', '0'], {
      stdout: { write: (t: string) => served.push(t) },
      stderr: { write: (t: string) => served.push(t) },
      env: {},
      untilStopped: stopped,
    });
    try {
      await expect.poll(() => served.join(''), { timeout: 10_000 }).toContain('Control Panel: http://');
      const restore = await run(['import', archive, '--on-conflict', 'replace', '--data-dir', dataDir]);
      expect(restore).toMatchObject({ code: 0, err: '' });
      expect(restore.out).toMatch(/^Restored .* as "Alpha" in .+\.$/m);

      const second = await run(['serve', '--data-dir', dataDir, '--port', '0', '--console-port', '0']);
      expect(second.code).toBe(1);
      expect(second.err).toContain('This data directory is already served by repo-server serve');
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
    // Once serve has stopped, the restore runs in this process, with the same output.
    const restore = await run(['import', archive, '--on-conflict', 'replace', '--data-dir', dataDir]);
    expect(restore).toMatchObject({ code: 0, err: '' });
    expect(restore.out).toMatch(/^Restored .* as "Alpha" in .+\.$/m);
  });
});
