import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountHangingFs, type HangingMount } from '../testing/hanging-fs';
import { backupFixture, fill } from './test-support';

// A target that stops answering, for real: a FUSE mount told to leave calls waiting in the kernel, as a
// dead NFS or SMB share does. Every job fails by its deadline (no progress for N seconds) or ends at
// once when cancelled, the jobs behind it move on, and nothing with a final name is left once the
// folder answers again.

const cleanups: Array<() => void> = [];
const mounts: HangingMount[] = [];
afterEach(async () => {
  for (const mount of mounts.splice(0)) await mount.unmount();
  cleanups.splice(0).forEach((c) => c());
});

async function world(timeoutSeconds: number) {
  const t = backupFixture(cleanups);
  t.settings.update('backup', { ...t.settings.get().backup, targetTimeoutSeconds: timeoutSeconds });
  const mount = await mountHangingFs();
  mounts.push(mount);
  for (const name of ['Alpha', 'Beta', 'Gamma']) fill(t.store.create(name), 50);
  return { ...t, mount };
}

const until = async (what: () => boolean, label: string) => {
  for (let i = 0; i < 400 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!what()) throw new Error(`timed out waiting for: ${label}`);
};

describe('a target that stops answering', () => {
  it('fails its job by the deadline, naming the folder; the job queued behind it completes', async () => {
    const t = await world(2);
    const hung = path.join(t.mount.dir, 'backups');
    t.mount.hang('all');
    const first = t.service.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: hung },
    });
    const second = t.service.startExportJob({
      repository: 'Beta',
      destination: { kind: 'folder', folder: hung },
    });
    const good = t.service.startExportJob({
      repository: 'Gamma',
      destination: { kind: 'folder', folder: t.out },
    });
    // Both slots are taken by the hung jobs: the third says what it waits for.
    expect(t.service.jobs.list().find((j) => j.jobId === good.jobId)).toMatchObject({
      phase: 'queued',
      waitingFor: [
        { jobId: first.jobId, kind: 'export', repository: 'Alpha' },
        { jobId: second.jobId, kind: 'export', repository: 'Beta' },
      ],
    });
    await until(() => t.mount.waiting().length > 0, 'a call waiting in the hung mount');
    // The server's own file calls are not held up meanwhile (no thread of its pool is stuck).
    await fs.promises.stat(t.dataDir);

    for (const job of [first, second]) {
      const result = await job.done;
      expect(result.status).toBe('failed');
      expect(result.error).toEqual({
        code: 'NOT_RESPONDING',
        message: `The target folder ${hung} did not answer for 2 s; check the disk or the network share.`,
      });
    }
    const done = await good.done;
    expect(done.status).toBe('done');
    expect(fs.readdirSync(t.out)).toEqual([path.basename(done.file!)]);
    const history = t.service.history.list();
    expect(history.filter((h) => h.status === 'failed').map((h) => h.error)).toEqual([
      expect.stringContaining(`${hung} did not answer for 2 s`),
      expect.stringContaining(`${hung} did not answer for 2 s`),
    ]);
    t.mount.release();
  });

  it('a slow share that keeps answering is not cut off, however long the whole backup takes', async () => {
    const t = await world(1);
    // Every call into the share waits 50 ms: the export takes well over the 1 s deadline, but some
    // call answers within every second.
    t.mount.slow(50);
    const began = performance.now();
    const result = await t.service.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: t.mount.dir },
    }).done;
    expect(result.error).toBeNull();
    // The premise: the whole job took longer than the deadline.
    expect(performance.now() - began).toBeGreaterThan(1000);
    t.mount.release();
    expect(fs.readdirSync(t.mount.dir)).toEqual([path.basename(result.file!)]);
  });

  it('cancel while the rename to the final name hangs: ends at once; the late rename is undone', async () => {
    const t = await world(60);
    t.mount.hang('link', 'rename');
    const job = t.service.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: t.mount.dir },
    });
    await until(() => t.mount.waiting().some((w) => w.startsWith('link ')), 'the link to wait');
    t.service.jobs.cancel(job.jobId);
    const result = await job.done;
    expect(result).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    const row = t.service.history.list()[0]!;
    expect(row).toMatchObject({ kind: 'export', status: 'cancelled' });
    // The folder answers again: the link that was issued lands, and is then removed with the partial.
    t.mount.release();
    await until(() => fs.readdirSync(t.mount.dir).length === 0, 'the late archive and its partial removed');
    await until(() => t.service.history.pendingCleanups().length === 0, 'the cleanup note cleared');
  });

  it('a write that hangs past the deadline: failed, and the partial is removed once the folder answers', async () => {
    const t = await world(2);
    const big = t.store.create('Big');
    for (let i = 0; i < 8; i++)
      big.put({ path: `b/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 't' });
    // The target check passed; the archive's writes then stop being answered.
    const off = t.events.on('jobProgress', (p) => {
      if (p.phase === 'snapshot') {
        off();
        t.mount.hang('write');
      }
    });
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder: t.mount.dir },
    }).done;
    expect(result.error?.code).toBe('NOT_RESPONDING');
    expect(t.service.history.pendingCleanups()).toHaveLength(1);
    t.mount.release();
    await until(() => fs.readdirSync(t.mount.dir).length === 0, 'the partial removed');
    await until(() => t.service.history.pendingCleanups().length === 0, 'the cleanup note cleared');
  });
});
