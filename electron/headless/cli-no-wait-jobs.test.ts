import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../shared/contract/archives';
import { openServer } from './open-server';
import { jsonLines, runCommand, serveDataDir, tempDirs } from './testing/cli-harness';

// export, import and verify with --no-wait leave their jobs to the running server and print the ids;
// `wait ID` gives each one's result and exit code. verify is a job like the others: queued, cancelled
// from the Control Panel, and the CLI waiting for it ends with 5.

const temp = tempDirs();
afterEach(() => temp.removeAll());

async function dataDirWithArchive() {
  const dataDir = temp.make('cli-no-wait-');
  const server = await openServer(dataDir);
  const repo = server.store.create('Big');
  for (let i = 0; i < 16; i++)
    repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  await server.stop();
  const out = temp.make('cli-no-wait-out-');
  const exported = await runCommand(['export', 'Big', '--to', out, '--data-dir', dataDir]);
  expect(exported.code).toBe(0);
  return { dataDir, archive: /to (\S+\.zip)/.exec(exported.out)![1]! };
}

const idOf = (out: string) => {
  const id = out.trim();
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id;
};

describe('--no-wait and wait for export, import and verify', () => {
  it('each prints its job id at once; wait gives the result; a bad archive fails its verify job with why', async () => {
    const { dataDir, archive } = await dataDirWithArchive();
    const server = await serveDataDir(dataDir);
    try {
      const out = temp.make('cli-no-wait-export-');
      const exportId = idOf(
        (await runCommand(['export', 'Big', '--to', out, '--no-wait', '--data-dir', dataDir])).out,
      );
      const verifyStarted = await runCommand([
        'verify',
        archive,
        '--no-wait',
        '--json',
        '--data-dir',
        dataDir,
      ]);
      expect(jsonLines(verifyStarted.out)).toEqual([
        {
          type: 'started',
          id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
          file: archive,
          repository: null,
        },
      ]);
      const verifyId = String(jsonLines(verifyStarted.out)[0]!.id);
      const importId = idOf(
        (await runCommand(['import', archive, '--as', 'Copy', '--no-wait', '--data-dir', dataDir])).out,
      );

      const exported = await runCommand(['wait', exportId, '--data-dir', dataDir]);
      expect(exported).toMatchObject({ code: 0, err: '' });
      expect(exported.out).toMatch(/^export of Big: done .*\.zip\.$/m);
      expect(fs.readdirSync(out).filter((f) => f.endsWith('.zip'))).toHaveLength(1);
      expect(await runCommand(['wait', verifyId, '--data-dir', dataDir])).toMatchObject({ code: 0, err: '' });
      expect((await runCommand(['wait', importId, '--data-dir', dataDir])).code).toBe(0);
      const repositories = await server.api<Array<{ name: string }>>('listRepositories');
      expect(repositories.map((r) => r.name).sort()).toEqual(['Big', 'Copy']);

      const junk = path.join(temp.make('cli-no-wait-junk-'), 'junk.zip');
      fs.writeFileSync(junk, 'not a zip');
      const junkId = idOf((await runCommand(['verify', junk, '--no-wait', '--data-dir', dataDir])).out);
      const failed = await runCommand(['wait', junkId, '--data-dir', dataDir]);
      expect(failed.code).toBe(1);
      expect(failed.out + failed.err).toContain('not a ZIP archive');
      const history = await server.api<HistoryEntry[]>('listHistory', { limit: 10 });
      expect(history.filter((h) => h.kind === 'verify').map((h) => [h.trigger, h.status])).toEqual([
        ['cli', 'failed'],
        ['cli', 'ok'],
      ]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Without a server there is nothing to leave a job to.
    const refused = await runCommand(['verify', archive, '--no-wait', '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--no-wait needs a running server');
  }, 120_000);

  it('a verify waiting for another is cancelled from the Control Panel: the CLI waiting for it exits 5', async () => {
    const { dataDir, archive } = await dataDirWithArchive();
    const server = await serveDataDir(dataDir);
    try {
      // Two verifications: one at a time, so the second waits in the queue for the first.
      const { jobs } = await server.api<{ jobs: Array<{ jobId: string }> }>('startVerify', {
        files: [archive, archive],
      });
      const waiting = runCommand(['wait', jobs[1]!.jobId, '--data-dir', dataDir]);
      await server.api('cancelJob', { jobId: jobs[1]!.jobId });
      const ended = await waiting;
      expect(ended.code).toBe(5);
      expect((await runCommand(['wait', jobs[0]!.jobId, '--data-dir', dataDir])).code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
