import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFixture, contentsOf, fill } from './test-support';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const setup = () => backupFixture(cleanups);

async function exportOne(t: ReturnType<typeof setup>, name: string, includeHistory = true) {
  const { done } = t.service.startExportJob({
    repository: name,
    destination: { kind: 'folder', folder: t.out },
    includeHistory,
  });
  const result = await done;
  expect(result.error).toBeNull();
  return result.file!;
}

describe('export then import, per conflict policy', () => {
  it('exports a file named after the repository and its start, that unzip and sqlite3 accept', async () => {
    const t = setup();
    fill(t.store.create('Alpha'));
    const file = await exportOne(t, 'alpha');
    const stamp = new Date(t.clock.now());
    const p = (n: number) => String(n).padStart(2, '0');
    expect(path.basename(file)).toBe(
      `Alpha_${stamp.getFullYear()}-${p(stamp.getMonth() + 1)}-${p(stamp.getDate())}-${p(stamp.getHours())}-${p(stamp.getMinutes())}-${p(stamp.getSeconds())}.zip`,
    );
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
    // Same second again: never overwrite, add -2.
    const second = await exportOne(t, 'Alpha');
    expect(path.basename(second)).toBe(path.basename(file).replace('.zip', '-2.zip'));
    expect(t.progress.some((p) => p.phase === 'snapshot')).toBe(true);
    expect(t.progress.some((p) => p.phase === 'compressing')).toBe(true);
    expect(t.finished.map((f) => f.status)).toEqual(['done', 'done']);
    expect(t.service.history.list().map((h) => [h.kind, h.status, h.file])).toEqual([
      ['export', 'ok', second],
      ['export', 'ok', file],
    ]);
  });

  it('fail (default) refuses an existing name and changes nothing', async () => {
    const t = setup();
    const repo = t.store.create('Alpha');
    fill(repo);
    const file = await exportOne(t, 'Alpha');
    repo.put({ path: 'later', kind: 'data', content: 'after the backup', updatedBy: 'x' });
    const before = contentsOf(repo);
    const result = await t.service.startImportJob({ file, onConflict: 'fail', includeHistory: true }).done;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(result.error!.message).toContain('"Alpha" already exists');
    expect(contentsOf(t.store.open('Alpha'))).toEqual(before);
    expect(fs.readdirSync(path.join(t.dataDir, 'tmp'))).toEqual([]);
  });

  it('into an empty server: the repository comes back item for item and revision for revision', async () => {
    const t = setup();
    const repo = t.store.create('Alpha');
    fill(repo);
    const expected = contentsOf(repo);
    const id = repo.id;
    const file = await exportOne(t, 'Alpha');
    t.store.delete('Alpha');
    const result = await t.service.startImportJob({ file, onConflict: 'fail', includeHistory: true }).done;
    expect(result).toMatchObject({ status: 'done', restoredAs: 'Alpha' });
    const restored = t.store.open('Alpha');
    expect(contentsOf(restored)).toEqual(expected);
    expect(restored.id).toBe(id);
  });

  it('rename restores beside the original as -Restore1, then -Restore2, with a new id', async () => {
    const t = setup();
    const repo = t.store.create('Alpha');
    fill(repo);
    const expected = contentsOf(repo);
    const file = await exportOne(t, 'Alpha');
    const first = await t.service.startImportJob({ file, onConflict: 'rename', includeHistory: true }).done;
    const second = await t.service.startImportJob({ file, onConflict: 'rename', includeHistory: false }).done;
    expect([first.restoredAs, second.restoredAs]).toEqual(['Alpha-Restore1', 'Alpha-Restore2']);
    expect(contentsOf(t.store.open('Alpha-Restore1'))).toEqual(expected);
    expect(contentsOf(t.store.open('Alpha-Restore2'))).toEqual({ items: expected.items, revisions: [] });
    const ids = new Set(t.store.list().map((r) => r.id));
    expect(ids.size).toBe(3);
  });

  it('replace makes the repository exactly the backup, after a safety backup, with clients held off', async () => {
    const t = setup();
    const repo = t.store.create('Alpha');
    fill(repo);
    const expected = contentsOf(repo);
    const file = await exportOne(t, 'Alpha');
    repo.put({ path: 'later', kind: 'data', content: 'after the backup', updatedBy: 'x' });
    repo.put({ path: 'modules/m0', kind: 'module', content: 'changed later', updatedBy: 'x' });
    const result = await t.service.startImportJob({ file, onConflict: 'replace', includeHistory: true }).done;
    expect(result).toMatchObject({ status: 'done', restoredAs: 'Alpha' });
    expect(contentsOf(t.store.open('Alpha'))).toEqual(expected);
    expect(t.clients.calls).toEqual([
      'hold Alpha',
      'notify Alpha restore',
      'disconnect Alpha',
      'release Alpha',
    ]);
    const safety = fs.readdirSync(t.service.safetyBackupsDir);
    expect(safety).toHaveLength(1);
    const manifest = await t.service.readManifest(path.join(t.service.safetyBackupsDir, safety[0]!));
    expect(manifest).toMatchObject({ trigger: 'pre-restore', itemCount: expected.items.length + 1 });
    expect(t.service.history.list().map((h) => [h.kind, h.trigger, h.status])).toEqual([
      ['backup', 'pre-restore', 'ok'],
      ['import', 'manual', 'ok'],
      ['export', 'manual', 'ok'],
    ]);
  });

  it('merge creates or overwrites the backup’s items and keeps the others', async () => {
    const t = setup();
    const repo = t.store.create('Alpha');
    fill(repo);
    const backedUp = contentsOf(repo).items;
    const file = await exportOne(t, 'Alpha');
    repo.put({ path: 'later', kind: 'data', content: 'after the backup', updatedBy: 'x' });
    repo.put({ path: 'modules/m0', kind: 'module', content: 'changed later', updatedBy: 'x' });
    repo.delete('modules/m1', { updatedBy: 'x' });
    const result = await t.service.startImportJob({ file, onConflict: 'merge', includeHistory: true }).done;
    expect(result).toMatchObject({ status: 'done', restoredAs: 'Alpha' });
    const merged = t.store.open('Alpha');
    for (const item of backedUp) {
      const now = merged.get(item.path as string)!;
      const content = now.content instanceof Uint8Array ? [...now.content] : now.content;
      expect([now.kind, content]).toEqual([item.kind, item.content]);
    }
    expect(merged.get('later')?.content).toBe('after the backup');
    expect(merged.counts().items).toBe(backedUp.length + 1);
    // The overwritten later version is kept as a revision, as any write keeps one.
    expect(merged.revisions('modules/m0').map((r) => r.content)).toContain('changed later');
    expect(fs.readdirSync(t.service.safetyBackupsDir)).toHaveLength(1);
    expect(t.clients.calls).toEqual([
      'hold Alpha',
      'notify Alpha restore',
      'disconnect Alpha',
      'release Alpha',
    ]);
  });

  it('the disconnect policy holds the repository’s clients off while the snapshot is taken', async () => {
    const t = setup();
    fill(t.store.create('Alpha'));
    const result = await t.service.backupRepository({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: t.out },
      clientsPolicy: 'disconnect',
    });
    expect(t.clients.calls).toEqual([
      'hold Alpha',
      'notify Alpha backup-starting',
      'disconnect Alpha',
      'release Alpha',
    ]);
    expect(result.manifest.clientsPolicy).toBe('disconnect');
  });

  it('a cancelled export leaves no file behind and is recorded as cancelled', async () => {
    const t = setup();
    const repo = t.store.create('Big');
    const blob = new Uint8Array(1 << 20).map((_, i) => (i * 7919) % 251);
    for (let i = 0; i < 40; i++)
      repo.put({ path: `data/${i}`, kind: 'data', content: blob, updatedBy: 'seed' });
    const started = t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder: t.out },
    });
    await new Promise<void>((resolve) => {
      const off = setInterval(() => {
        if (t.progress.some((p) => p.jobId === started.jobId && p.phase !== 'queued')) {
          clearInterval(off);
          resolve();
        }
      }, 1);
    });
    t.service.jobs.cancel(started.jobId);
    const result = await started.done;
    expect(result.status).toBe('cancelled');
    expect(fs.readdirSync(t.out)).toEqual([]);
    expect(t.service.history.list()[0]).toMatchObject({ status: 'cancelled' });
    const tmp = path.join(t.dataDir, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  });
});
