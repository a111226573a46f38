import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity } from './sqlite-worker';

// The SQLite worker is kept between tasks (starting one was 40–50 ms of each): a task that failed, on a
// file that is not a database, must leave nothing behind for the next one.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function files() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-worker-'));
  dirs.push(dir);
  const good = path.join(dir, 'good.sqlite');
  const db = new DatabaseSync(good);
  db.exec(`CREATE TABLE items (path TEXT PRIMARY KEY, kind TEXT, encoding TEXT, version INTEGER,
    updated_at INTEGER, updated_by TEXT, content BLOB); CREATE TABLE meta (key TEXT, value TEXT);
    CREATE TABLE revisions (path TEXT, version INTEGER);`);
  db.prepare("INSERT INTO meta VALUES ('id', 'repo-1')").run();
  db.prepare("INSERT INTO items VALUES ('a', 'module', 'utf8', 1, 0, 'me', 'x')").run();
  db.close();
  const bad = path.join(dir, 'bad.sqlite');
  fs.writeFileSync(bad, Buffer.alloc(8192, 0x41));
  return { good, bad };
}

describe('the SQLite worker between tasks', () => {
  it('answers each task for its own file, whatever the task before it did', async () => {
    const { good, bad } = files();
    for (let round = 0; round < 3; round++) {
      const facts = await checkIntegrity(good, 'good', { digest: true });
      expect(facts).toMatchObject({ items: 1, id: 'repo-1', problems: [] });
      expect(facts.contentSha256).toMatch(/^[0-9a-f]{64}$/);
      await expect(checkIntegrity(bad, 'bad')).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    }
    // Tasks at the same time each get a worker of their own.
    const all = await Promise.all([good, good, good].map((f) => checkIntegrity(f, 'good')));
    expect(all.map((f) => f.id)).toEqual(['repo-1', 'repo-1', 'repo-1']);
  });
});
