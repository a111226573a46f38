import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contract/archives';
import { systemClock } from '../clock';
import { EventBus } from '../event-bus';
import { MemorySettingsBackend, SettingsService } from '../settings';
import { RepositoryStore } from '../storage/repository-store';
import { ServerDb } from '../storage/server-db';
import { BackupService } from './backup-service';
import { tempDir } from './test-support';

// Honest progress: the compression phase moves by the bytes that reached the target, with a total, so
// the bar shows a percentage that grows (a 207 MB repository sat at "Compressing 0 %" for 12 s, then
// jumped to "Verifying"). The real clock here: progress events are paced by it.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('progress of a backup', () => {
  it('compressing reports bytes done of a known total, growing, before verifying', async () => {
    const dataDir = tempDir('progress-data');
    const store = new RepositoryStore({ dataDir, clock: systemClock });
    const serverDb = new ServerDb({ dataDir, clock: systemClock });
    cleanups.push(() => {
      store.closeAll();
      serverDb.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const repo = store.create('Big');
    for (let i = 0; i < 32; i++)
      repo.put({ path: `d/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
    const events = new EventBus();
    const seen: JobProgress[] = [];
    events.on('jobProgress', (p) => seen.push(p));
    const service = new BackupService({
      dataDir,
      store,
      serverDb: serverDb.db,
      clock: systemClock,
      events,
      settings: new SettingsService(new MemorySettingsBackend()),
      appInfo: { name: 'Repository Server', version: 'test' },
    });
    const out = tempDir('progress-out');
    const result = await service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder: out },
      compression: 'best',
    }).done;
    expect(result.error).toBeNull();
    const compressing = seen.filter((p) => p.phase === 'compressing');
    const total = compressing[0]!.bytesTotal!;
    expect(total).toBeGreaterThan(32 << 20);
    expect(compressing.every((p) => p.bytesTotal === total)).toBe(true);
    const midway = compressing.filter((p) => p.bytesDone > 0 && p.bytesDone < total);
    expect(midway.length).toBeGreaterThan(0);
    const done = compressing.map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(seen.findIndex((p) => p.phase === 'verifying')).toBeGreaterThan(
      seen.lastIndexOf(compressing.at(-1)!),
    );
    fs.rmSync(out, { recursive: true, force: true });
  });
});
