// Shared by the auto-backup tests: a real client server, real repositories, server.sqlite with the
// backup history, and the AutoBackup service over them, in temp folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openArchive, checkSnapshot } from '../backup/archive-reader';
import { BackupService } from '../backup/backup-service';
import type { ClientsControl } from '../clients-control';
import { startTestServer, quietLogger } from '../client-server/test-support';
import { EventBus } from '../event-bus';
import { ServerDb } from '../storage';
import { FakeClock } from '../testing/fake-clock';
import type { BackupSettings } from '../../shared/settings-schema';
import { AutoBackup } from './auto-backup';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import { MemorySchedulerState } from './backup-scheduler';

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));

export interface WorldOptions {
  repositories?: string[];
  backup?: Partial<BackupSettings>;
  clock?: FakeClock;
  /** Stand in for the clients control (to hold a moment between its steps). */
  wrapClients?: (real: ClientsControl) => ClientsControl;
  timeZone?: string;
}

export async function backupWorld(options: WorldOptions = {}) {
  const clock = options.clock ?? new FakeClock(Date.parse('2026-11-16T10:00:00+01:00'));
  const repositories = options.repositories ?? ['Alpha', 'Beta'];
  const t = await startTestServer({ repositories, clock });
  const target = path.join(tempDir('backup-target'), 'backups');
  const serverDb = new ServerDb({ dataDir: t.dataDir, clock });
  const events = new EventBus();
  const clients = options.wrapClients ? options.wrapClients(t.server) : t.server;
  const backups = new BackupService({
    dataDir: t.dataDir,
    store: t.store,
    serverDb: serverDb.db,
    clock,
    events,
    settings: t.settings,
    appInfo: { name: 'Repository Server', version: '0.0.0-test' },
    clients,
    logger: quietLogger,
  });
  const { history, jobs } = backups;
  t.settings.update('backup', {
    ...t.settings.get().backup,
    enabled: true,
    repositories,
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    times: ['22:00'],
    targetFolder: target,
    keepLast: 3,
    ...options.backup,
  });
  const files = () => {
    const folder = t.settings.get().backup.targetFolder;
    return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
  };
  const statuses: unknown[] = [];
  events.on('statusChanged', (s) => statuses.push(s));
  const autoBackup = new AutoBackup({
    dataDir: t.dataDir,
    store: t.store,
    clock,
    backups,
    settings: t.settings,
    events,
    state: new MemorySchedulerState(),
    logger: quietLogger,
    timeZone: options.timeZone ?? 'Europe/Berlin',
  });
  return {
    ...t,
    clock,
    target,
    backups,
    history,
    jobs,
    events,
    statuses,
    autoBackup,
    /** The repositories' archives in the target folder (the one in the settings), by name. */
    archives: () => files().filter((f) => !f.startsWith(`${CONFIG_ARCHIVE_NAME}_`)),
    /** Everything in the target folder: the repositories' archives and the configuration's. */
    files,
    /** The repositories' backups in the history (a run's configuration backup has no repository). */
    backupHistory: () =>
      history.list({ limit: 1000 }).filter((h) => h.kind === 'backup' && h.repository !== null),
    setBackup(patch: Partial<BackupSettings>) {
      t.settings.update('backup', { ...t.settings.get().backup, ...patch });
    },
    async close() {
      autoBackup.stop();
      await autoBackup.idle();
      await backups.stop();
      serverDb.close();
      await t.dispose();
    },
  };
}

/** Opens an archive's snapshot as a database (extracted to a temp file), to see what it holds. */
export async function snapshotOf(file: string): Promise<DatabaseSync> {
  const archive = await openArchive(file);
  const out = path.join(tempDir('snapshot'), 'repository.sqlite');
  try {
    await checkSnapshot(archive, out);
  } finally {
    archive.close();
  }
  return new DatabaseSync(out, { readOnly: true });
}
