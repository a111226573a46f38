import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openServer } from './open-server';
import { jsonLines, runCommand, serveDataDir, tempDirs } from './testing/cli-harness';

// `status` shows the live state from the running server (and says so), or the history without one;
// `backup --no-wait` leaves the run to the server and `wait ID` waits for its verified result.

const temp = tempDirs();
afterEach(() => temp.removeAll());

async function bigDataDir() {
  const dataDir = temp.make('cli-status-');
  const server = await openServer(dataDir);
  const repo = server.store.create('Big');
  for (let i = 0; i < 24; i++)
    repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  // Slow enough that a status asked right after the start sees the run.
  server.settings.update('backup', { ...server.settings.get().backup, compression: 'best' });
  await server.stop();
  const target = temp.make('cli-status-target-');
  expect(
    (await runCommand(['schedule', '--repos', 'Big', '--target', target, '--data-dir', dataDir])).code,
  ).toBe(0);
  return dataDir;
}

describe('status and wait', () => {
  it('status says where it reads from; live from the server it shows the running job with its progress and the queue', async () => {
    const dataDir = await bigDataDir();
    const alone = await runCommand(['status', '--data-dir', dataDir]);
    expect(alone.out).toMatch(
      /^Source: +the recorded history \(no server is running on this data directory\)$/m,
    );
    expect(JSON.parse(alone.out.split('\n').find((l) => l.startsWith('{')) ?? 'null')).toBeNull();
    expect(jsonLines((await runCommand(['status', '--json', '--data-dir', dataDir])).out)[0]).toMatchObject({
      source: 'history',
      servedBy: null,
      jobs: [],
      offsite: { enabled: false },
    });
    const out = temp.make('cli-status-out-');
    const exported = await runCommand(['export', 'Big', '--to', out, '--data-dir', dataDir]);
    const archive = /to (\S+\.zip)/.exec(exported.out)![1]!;

    const server = await serveDataDir(dataDir);
    try {
      // Two restores asked for in the Control Panel: one runs, the other waits for it (one restore at a time).
      const { jobs } = await server.api<{ jobs: Array<{ jobId: string }> }>('startImport', {
        items: [
          { file: archive, targetName: 'Copy 1', onConflict: 'fail' },
          { file: archive, targetName: 'Copy 2', onConflict: 'fail' },
        ],
      });
      const live = await runCommand(['status', '--data-dir', dataDir]);
      expect(live.code).toBe(0);
      expect(live.out).toMatch(/^Source: +live, from repo-server serve \(pid \d+, since .*\)$/m);
      expect(live.out).toMatch(new RegExp(`^Job ${jobs[0]!.jobId}: +Restore of Copy 1: .+$`, 'm'));
      expect(live.out).toMatch(
        new RegExp(
          `^Queued ${jobs[1]!.jobId}: +Restore of Copy 2: Waiting for the restore of Copy 1 to finish$`,
          'm',
        ),
      );
      expect(live.out).toMatch(/^Next run: /m);
      expect(live.out).toMatch(/^Big +never /m);
      const json = jsonLines((await runCommand(['status', '--json', '--data-dir', dataDir])).out)[0]!;
      expect(json).toMatchObject({
        source: 'server',
        servedBy: expect.stringContaining('repo-server serve'),
      });

      // wait: for a job started elsewhere, with its result and exit code.
      const waited = await runCommand(['wait', jobs[1]!.jobId, '--data-dir', dataDir]);
      expect(waited).toMatchObject({ code: 0, err: '' });
      expect(waited.out).toMatch(/^import of Copy 2: done \(.+\), .*\.zip\.$/m);

      // backup --no-wait prints the run id and leaves the run to the server; wait gives its verified result.
      const started = await runCommand(['backup', 'Big', '--no-wait', '--data-dir', dataDir]);
      expect(started.code).toBe(0);
      const runId = started.out.trim();
      expect(runId).toMatch(/^[0-9a-f-]{36}$/);
      const during = await runCommand(['status', '--data-dir', dataDir]);
      expect(during.out).toMatch(/^Running: +cli run since .*: Big \(1 of 1\)/m);
      const result = await runCommand(['wait', runId, '--json', '--data-dir', dataDir]);
      expect(result.code).toBe(0);
      expect(jsonLines(result.out).at(-1)).toMatchObject({
        type: 'result',
        runId,
        outcomes: [{ repository: 'Big', status: 'ok', file: expect.stringMatching(/\.zip$/) }],
      });
      const unknown = await runCommand(['wait', 'no-such-job', '--data-dir', dataDir]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('knows no job or backup run "no-such-job"');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Without a server there is nothing to leave a job to.
    const refused = await runCommand(['backup', 'Big', '--no-wait', '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--no-wait needs a running server');
  }, 120_000);
});
