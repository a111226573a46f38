import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../shared/contract/archives';
import { backupWorld } from '../schedule/test-support';

// Every trigger runs the one pipeline: the same history row, the disconnect policy meaning the same
// thing (one notice and one disconnect per repository, clients back once the snapshot is taken), and
// the same retention where there is one. Real client connections, real archives, a fake clock.

type World = Awaited<ReturnType<typeof backupWorld>>;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const HOUR = 3_600_000;

/** Each trigger as its caller starts it, run to its end. */
const triggers: Record<string, (w: World) => Promise<void>> = {
  export: async (w) => {
    const result = await w.backups.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: w.target },
    }).done;
    expect(result.error).toBeNull();
  },
  'Back Up Now': async (w) => {
    expect((await w.autoBackup.runNow('manual').done).ok).toBe(true);
  },
  // What `repo-server backup` calls.
  cli: async (w) => {
    expect((await w.autoBackup.runNow('cli').done).ok).toBe(true);
  },
  schedule: async (w) => {
    const ran = () =>
      // The repository's backup (the run's configuration backup, which has none, comes after it).
      w.history
        .list({ limit: 100 })
        .filter((h) => h.trigger === 'schedule' && h.status !== 'running' && h.repository !== null);
    const before = ran().length;
    await w.clock.advanceTo(Date.parse(w.autoBackup.status().nextRun!));
    await expect.poll(() => ran().length, { timeout: 15_000 }).toBe(before + 1);
    await w.autoBackup.idle();
  },
  'pre-restore': async (w) => {
    const exported = await w.backups.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: w.target },
      clientsPolicy: 'keep-connected',
    }).done;
    const restored = await w.backups.startImportJob({
      file: exported.file!,
      onConflict: 'replace',
      includeHistory: true,
    }).done;
    expect(restored.error).toBeNull();
  },
};

const expectedRow = (trigger: string): Partial<HistoryEntry> => ({
  kind: trigger === 'export' ? 'export' : 'backup',
  trigger: {
    export: 'manual',
    'Back Up Now': 'manual',
    cli: 'cli',
    schedule: 'schedule',
    'pre-restore': 'pre-restore',
  }[trigger] as HistoryEntry['trigger'],
  repository: 'Alpha',
  status: 'ok',
  error: null,
});

describe('one pipeline for every trigger', () => {
  it.each(Object.keys(triggers))(
    '%s: the same history row, one notice and one disconnect under the disconnect policy',
    async (trigger) => {
      world = await backupWorld({
        repositories: ['Alpha'],
        backup: { clientsPolicy: 'disconnect', keepLast: 2 },
      });
      world.autoBackup.start();
      // Connected a minute before the slot: a session idle for the hours before it would be closed.
      if (trigger === 'schedule')
        await world.clock.advanceTo(Date.parse(world.autoBackup.status().nextRun!) - 60_000);
      const client = await world.connect('Alpha');
      await triggers[trigger]!(world);

      const rows = world.history
        .list({ limit: 10 })
        .filter((h) => h.trigger === expectedRow(trigger).trigger && h.repository !== null);
      const row = rows.find((h) => h.kind === expectedRow(trigger).kind)!;
      expect(row).toMatchObject(expectedRow(trigger));
      expect(row.file).toMatch(/Alpha_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.zip$/);
      expect(fs.existsSync(row.file!)).toBe(true);
      expect(row.sizeBytes).toBe(fs.statSync(row.file!).size);
      expect(row.finishedAt).not.toBeNull();

      // One notice and one disconnect (for a restore, its own: its safety backup is taken with the
      // clients held off already).
      expect((await client.closed).code).toBe(4001);
      const kinds = client.notices.map((n) => n.kind);
      expect(kinds).toEqual([trigger === 'pre-restore' ? 'restore' : 'backup-starting', 'disconnect']);
      // Clients are let back in once the work that needs them away is done.
      const again = await world.connect('Alpha');
      await again.close();
    },
  );

  it.each(['Back Up Now', 'cli', 'schedule', 'pre-restore'])(
    '%s: the same retention, the newest 2 verified backups kept',
    async (trigger) => {
      world = await backupWorld({ repositories: ['Alpha'], backup: { keepLast: 2 } });
      world.autoBackup.start();
      for (let i = 0; i < 3; i++) {
        await world.clock.advanceBy(HOUR);
        await triggers[trigger]!(world);
      }
      const folder = trigger === 'pre-restore' ? world.backups.safetyBackupsDir : world.target;
      const archives = fs.readdirSync(folder).filter((f) => f.startsWith('Alpha_'));
      expect(archives).toHaveLength(2);
      const kept = world.history
        .list({ limit: 50 })
        .filter((h) => h.kind === 'backup' && h.status === 'ok' && h.repository === 'Alpha')
        .slice(0, 2)
        .map((h) => path.basename(h.file!));
      expect(archives.sort()).toEqual(kept.sort());
    },
  );
});
