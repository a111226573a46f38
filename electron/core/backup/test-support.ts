// Shared by the backup tests: real repositories in temp folders, filled through the storage API.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../testing/fake-clock';
import { RepositoryStore } from '../storage/repository-store';
import type { Repository } from '../storage/repository';
import type { JobProgress, JobResult } from '../../shared/contract/archives';
import type { ClientsControl } from '../clients-control';
import { EventBus } from '../event-bus';
import { MemorySettingsBackend, SettingsService } from '../settings';
import { ServerDb } from '../storage/server-db';
import { BackupService } from './backup-service';
import { nodeAgentLauncher } from './fs-agent';
import { TargetFs } from './target-fs';

/** A real file agent, as a job gets one, closed with the test's cleanups. */
export function agentIo(cleanups: Array<() => void>, timeoutMs = 30_000): TargetFs {
  const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs });
  cleanups.push(() => io.close());
  return io;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A real small or read-only disk (tmpfs), unmounted with the test's cleanups. */
export function mountTmpfs(cleanups: Array<() => void>, options: string): string {
  const dir = tempDir('backup-mount');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  cleanups.push(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

export function newStore(dataDir = tempDir('backup-data')) {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 30, 0));
  return { dataDir, clock, store: new RepositoryStore({ dataDir, clock }) };
}

/** Items with text and bytes, some overwritten and one deleted, so there is history to carry. */
export function fill(repo: Repository, count = 20): void {
  for (let i = 0; i < count; i++) {
    repo.put({ path: `modules/m${i}`, kind: 'module', content: `step ${i}\n`.repeat(20), updatedBy: 'seed' });
  }
  repo.put({ path: 'data/blob', kind: 'data', content: new Uint8Array([0, 1, 2, 255]), updatedBy: 'seed' });
  for (let i = 0; i < 5; i++) {
    repo.put({ path: `modules/m${i}`, kind: 'module', content: `changed ${i}`, updatedBy: 'editor' });
  }
  repo.delete(`modules/m${count - 1}`, { updatedBy: 'editor' });
}

type Row = Record<string, unknown>;

/** Everything a person would compare: every item and every revision, in a stable order. */
export function contentsOf(repo: Repository): { items: Row[]; revisions: Row[] } {
  const norm = (rows: Row[]) =>
    rows.map((r) => ({ ...r, content: r.content instanceof Uint8Array ? [...r.content] : r.content }));
  return {
    items: norm(repo.db.prepare('SELECT * FROM items ORDER BY path').all() as Row[]),
    revisions: norm(
      repo.db
        .prepare(
          'SELECT path, kind, content, encoding, version, updated_at, updated_by, replaced_at, deleted FROM revisions ORDER BY path, version',
        )
        .all() as Row[],
    ),
  };
}

/** A small ClientsControl that records what restores ask of the client server. */
export class RecordingClients implements ClientsControl {
  calls: string[] = [];
  connectedCount = () => 0;
  notify(repository: string, notice: { kind: string }) {
    this.calls.push(`notify ${repository} ${notice.kind}`);
  }
  hold(repository: string) {
    this.calls.push(`hold ${repository}`);
    return () => this.calls.push(`release ${repository}`);
  }
  async disconnectAll(repository: string) {
    this.calls.push(`disconnect ${repository}`);
    return 0;
  }
}

export function backupFixture(cleanups: Array<() => void>, existingDataDir?: string) {
  const { store, clock, dataDir } = newStore(existingDataDir);
  const serverDb = new ServerDb({ dataDir, clock });
  const events = new EventBus();
  const clients = new RecordingClients();
  const settings = new SettingsService(new MemorySettingsBackend());
  const service = new BackupService({
    dataDir,
    store,
    serverDb: serverDb.db,
    clock,
    events,
    settings,
    appInfo: { name: 'Repository Server', version: '0.1.0' },
    clients,
  });
  const progress: JobProgress[] = [];
  const finished: JobResult[] = [];
  events.on('jobProgress', (p) => progress.push(p));
  events.on('jobFinished', (r) => finished.push(r));
  const out = tempDir('backup-out');
  cleanups.push(() => {
    store.closeAll();
    serverDb.close();
    for (const dir of [dataDir, out]) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { store, dataDir, clock, events, settings, service, clients, progress, finished, out };
}
