import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { RepositoryStore } from './repository-store';

const dirs: string[] = [];
const stores: RepositoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.closeAll();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function makeRepo() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'repo-'));
  dirs.push(dataDir);
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
  const store = new RepositoryStore({ dataDir, clock });
  stores.push(store);
  return { repo: store.create('Items'), clock, store };
}

describe('Repository items and revisions', () => {
  it('writes, reads and lists items; each write bumps the version and keeps the old one as a revision', async () => {
    const { repo, clock } = makeRepo();
    const first = repo.put({ path: 'modules/login', kind: 'module', content: 'v1', updatedBy: 'alice' });
    expect(first).toMatchObject({ version: 1, content: 'v1', encoding: 'utf8', updatedBy: 'alice' });
    await clock.advanceBy(60_000);
    const second = repo.put({ path: 'modules/login', kind: 'module', content: 'v2', updatedBy: 'bob' });
    expect(second.version).toBe(2);
    expect(repo.get('modules/login')).toMatchObject({ content: 'v2', version: 2, updatedBy: 'bob' });
    expect(repo.revisions('modules/login')).toEqual([
      expect.objectContaining({ content: 'v1', version: 1, updatedBy: 'alice', deleted: false }),
    ]);
    expect(repo.counts()).toEqual({ items: 1, revisions: 1 });
  });

  it('stores bytes as bytes and text as text', () => {
    const { repo } = makeRepo();
    const bytes = new Uint8Array([0, 1, 2, 255, 0]);
    repo.put({ path: 'data/blob', kind: 'data', content: bytes, updatedBy: 't' });
    const item = repo.get('data/blob')!;
    expect(item.encoding).toBe('binary');
    expect(Array.from(item.content as Uint8Array)).toEqual([0, 1, 2, 255, 0]);
    repo.put({ path: 'data/text', kind: 'data', content: 'héllo ✓', updatedBy: 't' });
    expect(repo.get('data/text')!.content).toBe('héllo ✓');
    expect(repo.list().map((i) => [i.path, i.sizeBytes])).toEqual([
      ['data/blob', 5],
      ['data/text', Buffer.byteLength('héllo ✓')],
    ]);
  });

  it('lists by literal prefix, even with SQL wildcard characters in it', () => {
    const { repo } = makeRepo();
    for (const p of ['modules/a', 'modules/b', 'actions/x', 'mod_les/c', 'modules%/d'])
      repo.put({ path: p, kind: 'module', content: p, updatedBy: 't' });
    expect(repo.list('modules/').map((i) => i.path)).toEqual(['modules/a', 'modules/b']);
    expect(repo.list('mod_').map((i) => i.path)).toEqual(['mod_les/c']);
    expect(repo.list('modules%').map((i) => i.path)).toEqual(['modules%/d']);
    expect(repo.list().length).toBe(5);
  });

  it('refuses a write with a stale ifVersion (CONFLICT), and ifVersion 0 means "only if new"', () => {
    const { repo } = makeRepo();
    repo.put({ path: 'a', kind: 'data', content: '1', ifVersion: 0, updatedBy: 't' });
    expect(() => repo.put({ path: 'a', kind: 'data', content: 'x', ifVersion: 0, updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining('version 1, not 0') }),
    );
    repo.put({ path: 'a', kind: 'data', content: '2', ifVersion: 1, updatedBy: 't' });
    expect(() => repo.put({ path: 'a', kind: 'data', content: 'x', ifVersion: 1, updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    expect(() => repo.put({ path: 'new', kind: 'data', content: 'x', ifVersion: 3, updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining('does not exist') }),
    );
    expect(repo.get('a')).toMatchObject({ content: '2', version: 2 });
    expect(repo.get('new')).toBeNull();
    expect(repo.counts()).toEqual({ items: 1, revisions: 1 });
  });

  it('deletes an item, keeping the deleted version as a revision, and continues its numbering', () => {
    const { repo } = makeRepo();
    repo.put({ path: 'a', kind: 'data', content: '1', updatedBy: 't' });
    repo.put({ path: 'a', kind: 'data', content: '2', updatedBy: 't' });
    expect(() => repo.delete('a', { ifVersion: 1, updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    repo.delete('a', { ifVersion: 2, updatedBy: 'carol' });
    expect(repo.get('a')).toBeNull();
    expect(repo.revisions('a').map((r) => [r.version, r.content, r.deleted])).toEqual([
      [1, '1', false],
      [2, '2', true],
    ]);
    expect(() => repo.delete('a', { updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(repo.put({ path: 'a', kind: 'data', content: '3', updatedBy: 't' }).version).toBe(3);
  });

  it.each([
    ['', 'must not be empty'],
    ['/abs', 'relative'],
    ['a//b', 'relative'],
    ['a/../b', 'relative'],
    ['a\\b', 'control characters or'],
    ['nul\u0000', 'control characters'],
    ['x'.repeat(1025), 'at most 1024'],
  ])('refuses the item path %j', (p, message) => {
    const { repo } = makeRepo();
    expect(() => repo.put({ path: p, kind: 'data', content: 'x', updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) }),
    );
  });

  it('refuses a kind that is not a short lowercase word', () => {
    const { repo } = makeRepo();
    expect(() => repo.put({ path: 'a', kind: 'Module!', content: 'x', updatedBy: 't' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('kind') }),
    );
  });

  it('keeps a failed write from leaving anything behind', () => {
    const { repo } = makeRepo();
    repo.put({ path: 'a', kind: 'data', content: '1', updatedBy: 't' });
    expect(() => repo.put({ path: 'a', kind: 'data', content: 'x', ifVersion: 9, updatedBy: 't' })).toThrow();
    expect(repo.db.isTransaction).toBe(false);
    expect(repo.counts()).toEqual({ items: 1, revisions: 0 });
  });

  it('reports the last modification time, including deletes', async () => {
    const { repo, clock } = makeRepo();
    expect(repo.lastModified()).toBeNull();
    repo.put({ path: 'a', kind: 'data', content: '1', updatedBy: 't' });
    await clock.advanceBy(3_600_000);
    repo.delete('a', { updatedBy: 't' });
    expect(new Date(repo.lastModified()!).getTime()).toBe(Date.parse('2026-03-01T11:00:00Z'));
  });

  it('keeps counts and the last modification right through its own writes, another connection’s and direct SQL', async () => {
    const { repo, clock, store } = makeRepo();
    // What the summaries would read from scratch, to compare with what the repository keeps.
    const scratch = () => {
      const row = repo.db
        .prepare(
          `SELECT (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM revisions) AS revisions,
             max(coalesce((SELECT max(updated_at) FROM items), 0), coalesce((SELECT max(replaced_at) FROM revisions), 0)) AS at`,
        )
        .get() as { items: number; revisions: number; at: number };
      return { counts: { items: row.items, revisions: row.revisions }, at: row.at };
    };
    const kept = () => ({
      counts: repo.counts(),
      at: repo.lastModified() ? new Date(repo.lastModified()!).getTime() : 0,
    });
    expect(kept()).toEqual(scratch());
    for (let i = 0; i < 5; i++) {
      repo.put({ path: `p${i % 3}`, kind: 'data', content: String(i), updatedBy: 't' });
      await clock.advanceBy(1_000);
      expect(kept()).toEqual(scratch());
    }
    repo.delete('p1', { updatedBy: 't' });
    expect(kept()).toEqual(scratch());
    // A refused write (a version conflict) changes nothing.
    expect(() =>
      repo.put({ path: 'p0', kind: 'data', content: 'x', ifVersion: 99, updatedBy: 't' }),
    ).toThrow();
    expect(kept()).toEqual(scratch());
    // Several writes in one transaction where the last is refused: none of them counts.
    expect(() =>
      repo.putAll([
        { path: 'new', kind: 'data', content: 'n', updatedBy: 't' },
        { path: 'p0', kind: 'data', content: 'x', ifVersion: 99, updatedBy: 't' },
      ]),
    ).toThrow();
    expect(kept()).toEqual(scratch());
    repo.putAll([{ path: 'batch', kind: 'data', content: 'b', updatedBy: 't' }]);
    expect(kept()).toEqual(scratch());
    // Another connection to the same file (another process, e.g. the CLI) commits a new item.
    const { DatabaseSync } = await import('node:sqlite');
    const other = new DatabaseSync(store.pathOf('Items'));
    other
      .prepare(
        "INSERT INTO items (path, kind, content, encoding, version, updated_at, updated_by) VALUES ('o', 'data', 'x', 'utf8', 1, ?, 'other')",
      )
      .run(Date.parse('2027-01-01T00:00:00Z'));
    other.close();
    expect(kept()).toEqual(scratch());
    expect(kept().counts.items).toBe(4);
    // SQL straight through the repository's own connection (as a merge restore does).
    repo.db.exec('DELETE FROM revisions');
    expect(kept()).toEqual(scratch());
    repo.put({ path: 'p0', kind: 'data', content: 'after', updatedBy: 't' });
    expect(kept()).toEqual(scratch());
  });
});

describe('Repository.group (group commit of client requests)', () => {
  it('runs units in one transaction; a failing unit is undone alone and the others are committed', () => {
    const { repo, store } = makeRepo();
    repo.put({ path: 'a', kind: 'data', content: 'a1', updatedBy: 't' });
    const results = repo.group<unknown>([
      (ops) => ops.put({ path: 'b', kind: 'data', content: 'b1', updatedBy: 't' }).version,
      // Writes a revision of "a", then fails: the revision must go with it.
      (ops) => {
        ops.put({ path: 'a', kind: 'data', content: 'a2', updatedBy: 't' });
        return ops.put({ path: 'a', kind: 'data', content: 'a3', ifVersion: 1, updatedBy: 't' }).version;
      },
      (ops) => ops.get('b')?.content,
      (ops) => {
        ops.delete('missing', { updatedBy: 't' });
        return 0;
      },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false]);
    expect(results[0]).toEqual({ ok: true, value: 1 });
    expect(results[2]).toEqual({ ok: true, value: 'b1' });
    expect((results[1] as { error: Error }).error.message).toMatch(/version 2, not 1/);
    expect(repo.get('a')).toMatchObject({ content: 'a1', version: 1 });
    expect(repo.revisions('a')).toEqual([]);
    expect(repo.counts()).toEqual({ items: 2, revisions: 0 });
    // Committed: another connection sees the group's writes.
    const other = new DatabaseSync(store.pathOf('Items'), { readOnly: true });
    expect(other.prepare('SELECT content FROM items WHERE path = ?').get('b')).toEqual({ content: 'b1' });
    other.close();
  });

  it('fails every unit when the repository is closed, and keeps nothing', () => {
    const { repo } = makeRepo();
    repo.close();
    const results = repo.group([(ops) => ops.put({ path: 'x', kind: 'data', content: '1', updatedBy: 't' })]);
    expect(results).toEqual([{ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) }]);
  });
});
