import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { RepositoryStore } from './repository-store';
import { AUTOCHECKPOINT_BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer';

const dirs: string[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-'));
  dirs.push(dir);
  return dir;
}

function makeStore() {
  const dataDir = tempDir();
  const store = new RepositoryStore({ dataDir, clock: new FakeClock(Date.parse('2026-03-01T10:00:00Z')) });
  cleanups.push(() => store.closeAll());
  return { store, dataDir };
}

/** Items a copy of the database file alone holds: what is in the main file, not only in the WAL. */
function itemsInMainFile(file: string): number {
  const copy = path.join(tempDir(), 'copy.sqlite');
  fs.copyFileSync(file, copy);
  const db = new DatabaseSync(copy);
  try {
    // Even the schema may still be only in the WAL.
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'items'").get()) return 0;
    return (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const content = 'x'.repeat(3000);

describe('WAL checkpoints off the main thread', () => {
  it('commits no longer copy the WAL back themselves; the checkpointer does, within seconds', async () => {
    const { store } = makeStore();
    const repo = store.create('Busy');
    const file = store.pathOf('Busy');
    // ~1,500 pages: past SQLite's default auto-checkpoint (1,000), which would have run inside a commit.
    for (let i = 0; i < 1500; i++) repo.put({ path: `p/${i}`, kind: 'data', content, updatedBy: 't' });
    expect(repo.db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).toEqual({
      wal_autocheckpoint: AUTOCHECKPOINT_BACKSTOP_PAGES,
    });
    expect(itemsInMainFile(file)).toBe(0);

    await expect.poll(() => itemsInMainFile(file), { timeout: 10_000, interval: 200 }).toBe(1500);
    // Writers were never blocked: the connection still writes, and nothing was lost.
    repo.put({ path: 'after', kind: 'data', content: 'ok', updatedBy: 't' });
    expect(repo.counts().items).toBe(1501);
  });

  it('a rename or delete during a checkpoint waits for it, and loses nothing', async () => {
    const dir = tempDir();
    const checkpointer = new WalCheckpointer({ checkEveryMs: 60_000 });
    cleanups.push(() => checkpointer.release());
    const file = path.join(dir, 'a.sqlite');
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_BACKSTOP_PAGES}`);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 5000; i++) insert.run(content);
    checkpointer.watch(file);

    const round = checkpointer.check();
    // Let the round reach the worker, then take the file away from it as rename/delete do.
    await new Promise((resolve) => setTimeout(resolve, 20));
    checkpointer.unwatch(file);
    db.close(); // ours is now the last connection: SQLite checkpoints and removes the WAL
    await round;
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    fs.renameSync(file, path.join(dir, 'b.sqlite'));
    const moved = new DatabaseSync(path.join(dir, 'b.sqlite'));
    expect((moved.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(5000);
    moved.close();
  });

  it('never recreates a database file that was deleted', async () => {
    const dir = tempDir();
    const logged: string[] = [];
    const checkpointer = new WalCheckpointer({ logger: { warn: (m: string) => logged.push(m) } });
    cleanups.push(() => checkpointer.release());
    const file = path.join(dir, 'gone.sqlite');
    fs.writeFileSync(`${file}-wal`, 'left behind'); // a WAL whose database was removed
    checkpointer.watch(file);
    await checkpointer.check();
    expect(fs.existsSync(file)).toBe(false);
    expect(logged.join('\n')).toContain('WAL checkpoint of');
  });

  it('renaming, deleting and recreating repositories while the checkpointer runs keeps every write', async () => {
    const { store } = makeStore();
    // Ten rounds over ~3 s, so the once-a-second checkpoints meet the renames and deletes at many points.
    for (let round = 0; round < 10; round++) {
      const repo = store.create('Cycle');
      for (let i = 0; i < 300; i++) repo.put({ path: `p/${i}`, kind: 'data', content, updatedBy: 't' });
      await new Promise((resolve) => setTimeout(resolve, 100 + 37 * round));
      store.rename('Cycle', 'Cycled');
      expect(store.open('Cycled').counts().items).toBe(300);
      store.delete('Cycled');
    }
    expect(store.list()).toEqual([]);
  });
});
