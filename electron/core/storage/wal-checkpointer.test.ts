import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../backup/snapshot';
import { FakeClock } from '../testing/fake-clock';
import { RepositoryStore } from './repository-store';
import { DEFAULT_CHECKPOINT_POLICY, WalCheckpointer } from './wal-checkpointer';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function makeStore(pagesBetween: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'));
  const checkpoints = new WalCheckpointer({ ...DEFAULT_CHECKPOINT_POLICY, pagesBetween });
  const store = new RepositoryStore({
    dataDir,
    clock: new FakeClock(Date.parse('2026-03-01T10:00:00Z')),
    checkpoints,
  });
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => checkpoints.stop());
  cleanups.push(() => store.closeAll());
  return { store, checkpoints };
}

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const MiB = 1024 * 1024;

describe('WAL checkpoints off the writers’ connection', () => {
  it('leaves the COMMIT without a checkpoint, copies the WAL in the worker, and the last close still empties it', async () => {
    const { store, checkpoints } = makeStore(100);
    const repo = store.create('Main');
    const file = store.pathOf('Main');
    repo.put({ path: 'big/one', kind: 'data', content: 'x'.repeat(MiB), updatedBy: 't' });
    // Nothing of the write reached the database file in the COMMIT: it is all in the WAL.
    expect(size(file)).toBeLessThan(MiB / 2);
    expect(size(file + '-wal')).toBeGreaterThan(MiB);

    await checkpoints.idle();
    expect(checkpoints.stats).toMatchObject({ complete: 1, failed: 0 });
    expect(size(file)).toBeGreaterThan(MiB);

    store.closeAll();
    expect(fs.existsSync(file + '-wal')).toBe(false);
  });

  it('a close waits for the checkpoint of its file, so its own close is the last and nothing is lost', async () => {
    const { store, checkpoints } = makeStore(100);
    const repo = store.create('Main');
    const file = store.pathOf('Main');
    repo.put({ path: 'big/one', kind: 'data', content: 'y'.repeat(2 * MiB), updatedBy: 't' });
    // The checkpoint was asked for in the put; closing now meets it queued or running.
    store.closeAll();
    expect(fs.existsSync(file + '-wal')).toBe(false);
    expect(store.open('Main').get('big/one')?.content).toHaveLength(2 * MiB);
    await checkpoints.idle();
    expect(checkpoints.stats.failed).toBe(0);
  });

  it('does not restart an online backup through the writers’ connection while checkpoints run beside it', async () => {
    const { store, checkpoints } = makeStore(1);
    const repo = store.create('Main');
    for (let i = 0; i < 8; i++)
      repo.put({ path: `big/${i}`, kind: 'data', content: String(i).repeat(256 * 1024), updatedBy: 't' });
    await checkpoints.idle();
    const before = checkpoints.stats.complete + checkpoints.stats.partial;
    const target = path.join(path.dirname(store.pathOf('Main')), '..', 'snapshot.sqlite');
    const done: number[] = [];
    let n = 0;
    const facts = await takeSnapshot(repo, target, {
      includeHistory: true,
      clientsConnected: true,
      onProgress: (bytes) => {
        done.push(bytes);
        // A client writes between steps, and each write asks for a checkpoint (every page counts).
        repo.put({ path: `small/${n++}`, kind: 'data', content: 'z', updatedBy: 't' });
      },
    });
    await checkpoints.idle();
    expect(checkpoints.stats.complete + checkpoints.stats.partial).toBeGreaterThan(before);
    expect(checkpoints.stats.failed).toBe(0);
    // The copy never started over: a restart shows as progress going back.
    expect(done.every((bytes, i) => i === 0 || bytes >= done[i - 1]!)).toBe(true);
    expect(facts.items).toBeGreaterThanOrEqual(8);
  });
});
