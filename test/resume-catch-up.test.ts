import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type RepoServer } from '../electron/core/create-server';
import { FakeClock } from '../electron/core/testing/fake-clock';
import { catchUpOnResume, catchUpSchedulerOf } from '../electron/main/power';
import type { BackupSettings } from '../electron/shared/settings-schema';

// A laptop that slept through its backup slot: the real core and scheduler, wired to a stand-in
// powerMonitor as electron/main/index.ts wires Electron's. The clock jumps as a sleeping machine's does:
// no timer fires while it sleeps, so only 'resume' can notice the missed slot.

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
};

const MONDAY_EVENING = Date.parse('2026-11-23T21:00:00+01:00');
const TUESDAY_MORNING = Date.parse('2026-11-24T07:30:00+01:00');

async function sleepingLaptop(backup: Partial<BackupSettings>) {
  const clock = new FakeClock(MONDAY_EVENING);
  const target = tempDir('resume-target');
  const server = await createServer({
    dataDir: tempDir('resume-data'),
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'electron',
    clock,
    timeZone: 'Europe/Berlin',
    logger: quiet,
  });
  server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
  await server.handlers.createRepository({ name: 'Sales' });
  server.store
    .open('Sales')
    .put({ path: 'modules/login', kind: 'module', content: 'step 1', updatedBy: 'qa' });
  const current = await server.handlers.getBackupSettings({});
  await server.handlers.saveBackupSettings({
    ...current,
    enabled: true,
    repositories: ['Sales'],
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    times: ['22:00'],
    targetFolder: target,
    ...backup,
  });
  await server.start();
  const powerMonitor = new EventEmitter();
  const scheduler = catchUpSchedulerOf(server);
  expect(scheduler, 'the core offers catch-up to the shell').not.toBeNull();
  const off = catchUpOnResume(powerMonitor as never, scheduler!, quiet);
  cleanups.push(async () => {
    off();
    await server.stop();
  });
  return { server, clock, target, powerMonitor };
}

const backups = async (server: RepoServer) =>
  (await server.handlers.listHistory({ repository: 'Sales', limit: 50 })).filter((h) => h.kind === 'backup');

describe('resume after sleep', () => {
  it('runs the backup missed while the machine slept, once, when it wakes', async () => {
    const { server, clock, target, powerMonitor } = await sleepingLaptop({});
    powerMonitor.emit('suspend');
    clock.jumpTo(TUESDAY_MORNING); // slept through Monday 22:00
    expect(fs.readdirSync(target)).toEqual([]);

    powerMonitor.emit('resume');
    await server.scheduler.idle();

    // Named in the process's local time, which in the app is the schedule's zone too.
    expect(fs.readdirSync(target).filter((n) => n.endsWith('.zip'))).toEqual([
      // The server's configuration, backed up beside the repositories by every run.
      expect.stringMatching(/^@server-configuration_2026-11-24-\d\d-30-\d\d\.zip$/),
      expect.stringMatching(/^Sales_2026-11-24-\d\d-30-00\.zip$/),
    ]);
    expect(await backups(server)).toMatchObject([{ status: 'ok', trigger: 'schedule' }]);
    const status = await server.handlers.getBackupStatus({});
    expect(status.perRepository[0]).toMatchObject({ name: 'Sales', overdue: false });
    expect(Date.parse(status.nextRun!)).toBe(Date.parse('2026-11-24T22:00:00+01:00'));

    // Woken twice (some systems say so): nothing more was missed, nothing more runs.
    powerMonitor.emit('resume');
    await server.scheduler.idle();
    expect(await backups(server)).toHaveLength(1);
  });

  it('with catch-up off, the slot slept through is recorded as skipped, and nothing runs', async () => {
    const { server, clock, target, powerMonitor } = await sleepingLaptop({ catchUp: false });
    clock.jumpTo(TUESDAY_MORNING);
    powerMonitor.emit('resume');
    await server.scheduler.idle();
    expect(fs.readdirSync(target)).toEqual([]);
    expect(await backups(server)).toMatchObject([
      { status: 'skipped', error: expect.stringContaining('catch-up is off') },
    ]);
  });
});
