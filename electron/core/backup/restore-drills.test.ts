import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupWorld, tempDir } from '../schedule/test-support';
import { tempRoot } from './temp-area';
import { fill } from './test-support';

// Restore drills (ARCHITECTURE §6): the newest verified backup of each repository restored for real into
// the temp area and checked, every result an alert-worthy status, nothing left behind.

const worlds: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(repositories = ['Alpha', 'Beta']) {
  const w = await backupWorld({ repositories });
  worlds.push(w);
  for (const name of repositories) fill(w.store.open(name));
  const report = await w.autoBackup.runNow('manual').done;
  expect(report.error).toBeNull();
  return w;
}

const newestArchive = (w: Awaited<ReturnType<typeof world>>, name: string) =>
  w.backupHistory().find((h) => h.repository === name && h.status === 'ok')!.file!;

/** What the temp area holds: it must be empty after every drill, good or bad. */
const leftInTemp = (dataDir: string) =>
  fs.existsSync(tempRoot(dataDir)) ? fs.readdirSync(tempRoot(dataDir)) : [];

/** Rewrites an archive with its manifest changed (the snapshot's bytes, sizes and SHA-256 stay right). */
function withManifest(file: string, change: (manifest: Record<string, unknown>) => void): void {
  const dir = tempDir('drill-rezip');
  execFileSync('unzip', ['-q', file, '-d', dir]);
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  change(manifest);
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  fs.rmSync(file);
  execFileSync('zip', ['-q', '-j', file, manifestFile, path.join(dir, 'repository.sqlite')]);
  fs.rmSync(dir, { recursive: true, force: true });
}

describe('restore drills', () => {
  it('one good, one whose archive was damaged after it was written: one OK, one failed with the reason, temp area empty', async () => {
    const w = await world();
    const beta = newestArchive(w, 'Beta');
    // Damage the middle of the compressed snapshot, as a bad disk or a careless copy would.
    const bytes = fs.readFileSync(beta);
    for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 2) + i]! ^= 0xff;
    fs.writeFileSync(beta, bytes);

    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ['Alpha', 'ok'],
      ['Beta', 'failed'],
    ]);
    const drill = w.autoBackup.status().drill!;
    expect(drill.results.map((r) => [r.name, r.status])).toEqual([
      ['Alpha', 'ok'],
      ['Beta', 'failed'],
    ]);
    const failed = drill.results[1]!;
    expect(failed.file).toBe(beta);
    expect(failed.error).toContain(beta);
    expect(drill.lastRunAt).not.toBeNull();
    expect(leftInTemp(w.dataDir)).toEqual([]);
    // The drill read the archive; it never changed or removed it.
    expect(fs.readFileSync(beta)).toEqual(bytes);
    // Each result is in the history, so it survives a restart.
    const rows = w.history.list().filter((h) => h.kind === 'drill');
    expect(rows.map((h) => [h.repository, h.status])).toEqual([
      ['Beta', 'failed'],
      ['Alpha', 'ok'],
    ]);
  });

  it('a manifest whose content digest differs from the restored items fails the drill, naming why', async () => {
    const w = await world(['Alpha']);
    const file = newestArchive(w, 'Alpha');
    withManifest(file, (m) => {
      expect(m.contentSha256).toMatch(/^[0-9a-f]{64}$/);
      m.contentSha256 = '0'.repeat(64);
    });
    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.results[0]).toMatchObject({ status: 'failed' });
    expect(report.results[0]!.error).toContain('content digest does not match');
    expect(leftInTemp(w.dataDir)).toEqual([]);
  });

  it('an archive made before manifests had a content digest is checked for what it has, and passes', async () => {
    const w = await world(['Alpha']);
    withManifest(newestArchive(w, 'Alpha'), (m) => delete m.contentSha256);
    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.results.map((r) => r.status)).toEqual(['ok']);
  });

  it('a manifest whose item count lies fails the drill', async () => {
    const w = await world(['Alpha']);
    withManifest(newestArchive(w, 'Alpha'), (m) => (m.itemCount = (m.itemCount as number) + 1));
    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.results[0]!.status).toBe('failed');
    expect(report.results[0]!.error).toMatch(/items, the manifest says|the manifest says/);
  });

  it('the newest backup file gone (deleted by hand) is a failed drill that says so', async () => {
    const w = await world(['Alpha']);
    fs.rmSync(newestArchive(w, 'Alpha'));
    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.results[0]!.status).toBe('failed');
    expect(leftInTemp(w.dataDir)).toEqual([]);
  });

  it('a repository with no verified backup is not tested and raises no alert', async () => {
    const w = await world(['Alpha']);
    w.store.create('Gamma');
    const report = await w.autoBackup.drills.start('manual').done;
    expect(report.untested).toEqual(['Gamma']);
    expect(w.autoBackup.status().drill!.results.map((r) => r.name)).toEqual(['Alpha']);
  });

  it('a drill waits for a backup of the same repository (one lane), and cancel leaves nothing behind', async () => {
    const w = await world(['Alpha']);
    const backup = w.backups.startBackupJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: w.target },
      kind: 'backup',
    });
    const drill = w.autoBackup.drills.start('manual');
    await new Promise((r) => setTimeout(r, 20));
    const queued = w.jobs.list().find((j) => j.kind === 'drill');
    expect(queued?.phase).toBe('queued');
    expect(queued?.waitingFor.map((j) => j.kind)).toEqual(['backup']);
    await backup.done;
    w.autoBackup.drills.cancel();
    const report = await drill.done;
    expect(['cancelled', 'ok']).toContain(report.results[0]!.status);
    expect(leftInTemp(w.dataDir)).toEqual([]);
  });

  it('every N days by the schedule setting: due at once when none ran, then N days after the last', async () => {
    const w = await world(['Alpha']);
    // Backups off: only drills move on the clock here.
    w.setBackup({ enabled: false, drillEveryDays: 2 });
    w.autoBackup.start();
    await w.clock.advanceBy(1000);
    await w.autoBackup.drills.idle();
    const first = w.autoBackup.drills.lastRunAt();
    expect(first).not.toBeNull();
    expect(Date.parse(w.autoBackup.status().drill!.nextRunAt!)).toBe(first! + 2 * 86_400_000);
    await w.clock.advanceBy(86_400_000);
    await w.autoBackup.drills.idle();
    expect(w.autoBackup.drills.lastRunAt()).toBe(first);
    await w.clock.advanceBy(86_400_000 + 1000);
    await w.autoBackup.drills.idle();
    expect(w.autoBackup.drills.lastRunAt()).toBeGreaterThan(first!);
  });

  it('with nothing to test yet (no backup), a due drill is tried again an hour later, not in a loop', async () => {
    const w = await backupWorld({ repositories: ['Alpha'] });
    worlds.push(w);
    w.setBackup({ enabled: false, drillEveryDays: 1 });
    w.autoBackup.start();
    await w.clock.advanceBy(1000);
    await w.autoBackup.drills.idle();
    const next = Date.parse(w.autoBackup.status().drill!.nextRunAt!);
    expect(next - w.clock.now()).toBeGreaterThan(55 * 60_000);
    expect(w.history.list().filter((h) => h.kind === 'drill')).toEqual([]);
  });
});
