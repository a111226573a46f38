import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../backup/verify-archive';
import { RepoClient, RepoClientError } from '../client/repo-client';
import type { ClientsControl } from '../clients-control';
import { mountTmpfs } from '../backup/test-support';
import { backupWorld, snapshotOf, tempDir } from './test-support';

const HOUR = 3_600_000;
type World = Awaited<ReturnType<typeof backupWorld>>;
let world: World | undefined;
const mounts: Array<() => void> = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  mounts.splice(0).forEach((unmount) => unmount());
});

async function seed(w: World, repository: string, count = 30) {
  const repo = w.store.open(repository);
  for (let i = 0; i < count; i++)
    repo.put({ path: `modules/m${i}`, kind: 'module', content: `step ${i}\n`.repeat(50), updatedBy: 'seed' });
}

/** Runs the configured backup now and waits for it, an hour of fake time after the previous one. */
async function runOnce(w: World, repositories?: string[]) {
  w.clock.jumpTo(w.clock.now() + HOUR);
  return w.autoBackup.runNow('manual', repositories).done;
}

describe('a backup run', () => {
  it('writes a verified archive per repository, records it, and shows it in the status', async () => {
    world = await backupWorld();
    await seed(world, 'Alpha');
    await seed(world, 'Beta', 5);
    const report = await runOnce(world);
    expect(report.ok).toBe(true);
    const [alphaFile, betaFile, ...others] = world.archives();
    expect(alphaFile).toMatch(/^Alpha_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.zip$/);
    expect(betaFile).toMatch(/^Beta_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.zip$/);
    expect(others).toEqual([]);
    for (const outcome of report.outcomes) {
      const { manifest } = await verifyArchive(outcome.file!, { dataDir: world.dataDir });
      expect(manifest.trigger).toBe('manual');
      expect(manifest.repository.name).toBe(outcome.repository);
    }
    expect(world.backupHistory().map((h) => [h.repository, h.status, h.trigger])).toEqual([
      ['Beta', 'ok', 'manual'],
      ['Alpha', 'ok', 'manual'],
    ]);
    const status = world.autoBackup.status();
    expect(status.state).toBe('on');
    expect(status.description).toBe('Every day at 22:00');
    expect(status.running).toBeNull();
    expect(status.lastError).toBeNull();
    for (const repo of status.perRepository) {
      expect(repo.lastResult?.status).toBe('ok');
      expect(repo.lastResult?.sizeBytes).toBeGreaterThan(0);
      expect(repo.lastGoodAt).not.toBeNull();
      expect(repo.overdue).toBe(false);
    }
  });

  it('refuses a second run while one is going', async () => {
    world = await backupWorld();
    const first = world.autoBackup.runNow('manual');
    expect(() => world!.autoBackup.runNow('manual')).toThrow(/already/);
    expect((await first.done).ok).toBe(true);
  });
});

describe('retention with real archives', () => {
  it('keeps the newest N verified backups per repository', async () => {
    world = await backupWorld({ backup: { keepLast: 2 } });
    await seed(world, 'Alpha');
    const files: string[] = [];
    for (let i = 0; i < 4; i++) files.push((await runOnce(world, ['Alpha'])).outcomes[0]!.file!);
    expect(world.archives()).toEqual(files.slice(2).map((f) => path.basename(f)));
  });

  it('a damaged newest backup does not count: an older good one is kept beside the new one', async () => {
    world = await backupWorld({ backup: { keepLast: 2 } });
    await seed(world, 'Alpha');
    const first = (await runOnce(world, ['Alpha'])).outcomes[0]!.file!;
    const second = (await runOnce(world, ['Alpha'])).outcomes[0]!.file!;
    // Damage the newest: flip bytes in the middle of the snapshot, keeping the size.
    const bytes = fs.readFileSync(second);
    for (let i = 200; i < 260; i++) bytes[i] = bytes[i]! ^ 0xff;
    fs.writeFileSync(second, bytes);
    const third = (await runOnce(world, ['Alpha'])).outcomes[0]!.file!;
    // Two good ones are kept (third and first); the damaged one is left for a person to look at.
    expect(world.archives()).toEqual([first, second, third].map((f) => path.basename(f)));
    const fourth = (await runOnce(world, ['Alpha'])).outcomes[0]!.file!;
    expect(world.archives()).toEqual([third, fourth].map((f) => path.basename(f)));
  });

  it('never touches files that are not ours, or are of another repository', async () => {
    world = await backupWorld({ backup: { keepLast: 1 } });
    await seed(world, 'Alpha');
    await seed(world, 'Beta');
    const firstRun = await runOnce(world);
    const betaArchive = firstRun.outcomes.find((o) => o.repository === 'Beta')!.file!;
    // A Beta archive under an Alpha name, a junk file with our name pattern, and files of other kinds.
    fs.copyFileSync(betaArchive, path.join(world.target, 'Alpha_2020-01-01-00-00-00.zip'));
    fs.writeFileSync(path.join(world.target, 'Alpha_2020-01-02-00-00-00.zip'), 'not a zip');
    fs.writeFileSync(path.join(world.target, 'notes.txt'), 'my notes');
    fs.writeFileSync(path.join(world.target, 'Alpha.zip'), 'not ours');
    await runOnce(world);
    await runOnce(world);
    const left = world.archives();
    expect(left).toEqual(
      expect.arrayContaining([
        'Alpha_2020-01-01-00-00-00.zip',
        'Alpha_2020-01-02-00-00-00.zip',
        'notes.txt',
        'Alpha.zip',
      ]),
    );
    expect(left.filter((f) => /^(Alpha|Beta)_2026/.test(f))).toHaveLength(2);
  });

  it('a failed repository prunes nothing, and does not stop the others', async () => {
    world = await backupWorld({ backup: { keepLast: 1 } });
    await seed(world, 'Alpha');
    await seed(world, 'Beta');
    await runOnce(world);
    const before = world.archives();
    // Deleted between scheduling (it is still in the settings) and running.
    world.store.delete('Alpha');
    const report = await runOnce(world);
    expect(report.ok).toBe(false);
    const alpha = report.outcomes.find((o) => o.repository === 'Alpha')!;
    expect(alpha.status).toBe('failed');
    expect(alpha.error).toMatch(/"Alpha" no longer exists/);
    expect(report.outcomes.find((o) => o.repository === 'Beta')!.status).toBe('ok');
    const after = world.archives();
    expect(after).toContain(before.find((f) => f.startsWith('Alpha_')));
    expect(after.filter((f) => f.startsWith('Beta_'))).toHaveLength(1);
    expect(after.find((f) => f.startsWith('Beta_'))).not.toBe(before.find((f) => f.startsWith('Beta_')));
    const status = world.autoBackup.status();
    expect(status.lastError).toMatch(/Alpha/);
    const alphaState = status.perRepository.find((r) => r.name === 'Alpha')!;
    expect(alphaState.lastResult?.status).toBe('failed');
    // Its last good backup is an hour old; with a daily schedule it is overdue after two days.
    expect(alphaState.overdue).toBe(false);
    world.clock.jumpTo(world.clock.now() + 2 * 24 * HOUR);
    const later = world.autoBackup.status().perRepository;
    expect(later.find((r) => r.name === 'Alpha')!.overdue).toBe(true);
    expect(later.find((r) => r.name === 'Beta')!.overdue).toBe(false);
  });
});

describe('faults at the target', () => {
  it('a target folder that was removed is created again', async () => {
    world = await backupWorld();
    await runOnce(world);
    fs.rmSync(world.target, { recursive: true });
    expect((await runOnce(world)).ok).toBe(true);
    expect(world.archives()).toHaveLength(2);
  });

  it('a target that cannot be created fails every repository with the reason, and writes nothing', async () => {
    const blocker = path.join(tempDir('blocked'), 'a-file');
    fs.writeFileSync(blocker, 'in the way');
    world = await backupWorld({ backup: { targetFolder: path.join(blocker, 'backups') } });
    const report = await runOnce(world);
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/a-file is a file, not a folder, so .* cannot be used; choose a folder/);
    expect(world.backupHistory().map((h) => [h.repository, h.status])).toEqual([
      ['Beta', 'failed'],
      ['Alpha', 'failed'],
    ]);
    expect(world.autoBackup.status().lastError).toMatch(/is a file, not a folder/);
  });

  it('a read-only target is reported as not writable', async () => {
    world = await backupWorld({ backup: { targetFolder: mountTmpfs(mounts, 'size=1m,ro') } });
    const report = await runOnce(world);
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/read-only disk \(EROFS\)/);
    expect(world.archives()).toEqual([]);
  });

  it('a target without room for the estimate is refused before anything is written', async () => {
    world = await backupWorld({ backup: { targetFolder: mountTmpfs(mounts, 'size=1m') } });
    await seed(world, 'Alpha', 200);
    const report = await runOnce(world);
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/needs about \d+ MB but the disk of .* has 1 MB free/);
    expect(world.archives()).toEqual([]);
  });
});

describe('the connected-clients policy', () => {
  it('disconnect: a connected client gets the notice, is closed with 4001, is refused meanwhile, and reconnects after', async () => {
    let gate!: () => void;
    const held = new Promise<void>((resolve) => (gate = resolve));
    let disconnected!: () => void;
    const afterDisconnect = new Promise<void>((resolve) => (disconnected = resolve));
    world = await backupWorld({
      repositories: ['Alpha'],
      backup: { clientsPolicy: 'disconnect' },
      // Stop for a moment right after the clients were closed, while the repository is held.
      wrapClients: (real): ClientsControl => ({
        connectedCount: (r) => real.connectedCount(r),
        notify: (r, n) => real.notify(r, n),
        hold: (r, reason) => real.hold(r, reason),
        disconnectAll: async (r, reason) => {
          const n = await real.disconnectAll(r, reason);
          disconnected();
          await held;
          return n;
        },
      }),
    });
    await seed(world, 'Alpha');
    const client = await world.connect('Alpha');
    const run = world.autoBackup.runNow('manual');
    const closed = await client.closed;
    expect(closed.code).toBe(4001);
    expect(client.notices.map((n) => n.kind)).toContain('backup-starting');
    await afterDisconnect;
    const refused = await world.connect('Alpha').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RepoClientError);
    expect((refused as RepoClientError).message).toMatch(/backup of "Alpha" is running/);
    gate();
    expect((await run.done).ok).toBe(true);
    const again = await world.connect('Alpha');
    expect((await again.get('modules/m1')).content).toContain('step 1');
  });

  it('disconnect with a grace period: the notice comes minutes ahead', async () => {
    world = await backupWorld({
      repositories: ['Alpha'],
      backup: { clientsPolicy: 'disconnect', graceMinutes: 2 },
    });
    const client = await world.connect('Alpha');
    const run = world.autoBackup.runNow('manual');
    await expect.poll(() => client.notices.map((n) => n.kind)).toEqual(['backup-soon']);
    expect(client.notices[0]!.message).toMatch(/starts in 2 minutes/);
    expect(world.autoBackup.status().running?.progress?.phase).toBe('waiting-for-clients');
    await world.clock.advanceBy(2 * 60_000);
    expect((await client.closed).code).toBe(4001);
    expect((await run.done).ok).toBe(true);
  });

  it('keep-connected: a client writing throughout loses nothing, and its writes up to the snapshot are in the archive', async () => {
    world = await backupWorld({ repositories: ['Alpha'] });
    await seed(world, 'Alpha', 3000); // big enough that the snapshot takes several steps
    const writer: RepoClient = await world.connect('Alpha');
    let stop = false;
    let acknowledged = 0;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        await writer.put({
          path: `live/w${String(i).padStart(6, '0')}`,
          kind: 'data',
          content: `write ${i}`,
        });
        acknowledged = i + 1;
      }
    })();
    await expect.poll(() => acknowledged).toBeGreaterThan(5);
    const beforeRun = acknowledged;
    const report = await world.autoBackup.runNow('manual').done;
    const duringRun = acknowledged;
    stop = true;
    await writing;
    expect(report.ok).toBe(true);
    expect(duringRun).toBeGreaterThan(beforeRun);
    // Nothing was lost: every acknowledged write is in the live repository.
    expect(world.store.open('Alpha').list('live/')).toHaveLength(acknowledged);
    // The archive holds a prefix of the writes: each one acknowledged before the snapshot point.
    const db = await snapshotOf(report.outcomes[0]!.file!);
    const paths = (
      db.prepare("SELECT path FROM items WHERE path LIKE 'live/%' ORDER BY path").all() as Array<{
        path: string;
      }>
    ).map((r) => r.path);
    db.close();
    expect(paths.length).toBeGreaterThanOrEqual(beforeRun);
    expect(paths).toEqual(paths.map((_, i) => `live/w${String(i).padStart(6, '0')}`));
  });
});
