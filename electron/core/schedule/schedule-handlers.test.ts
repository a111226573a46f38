import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupStatus } from '../../shared/contract/schedule';
import { createServer, type RepoServer } from '../create-server';
import { dispatch } from '../dispatch';
import { MemorySettingsBackend } from '../settings';
import { FakeClock } from '../testing/fake-clock';
import { quietLogger } from '../client-server/test-support';
import type { Handlers } from '../../shared/contract';
import { BAD_SCHEDULES, GOOD_SCHEDULE } from '../../shared/testing/bad-schedules';
import { tempDir } from './test-support';

// The auto-backup methods as a UI calls them: through dispatch (the contract's validation) into a real
// core over a temp data directory, with a fake clock for the schedule.

const MONDAY_10 = Date.parse('2026-11-16T10:00:00+01:00');
let server: RepoServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function core() {
  const backend = new MemorySettingsBackend();
  // No client listener on a fixed port in tests; the scheduler does not need it.
  backend.set('clientServer', { host: '127.0.0.1', port: 53400, accessToken: null, autoStart: false });
  const clock = new FakeClock(MONDAY_10);
  server = await createServer({
    dataDir: tempDir('schedule-core'),
    appInfo: { name: 'Repository Server', version: '0.0.0-test' },
    host: 'headless',
    clock,
    settings: backend,
    logger: quietLogger,
    timeZone: 'Europe/Berlin',
  });
  const s = server;
  const call = async (method: string, args?: unknown) =>
    dispatch(s.handlers as Handlers, method, args, quietLogger);
  const statuses: BackupStatus[] = [];
  s.events.on('statusChanged', (status) => statuses.push(status));
  s.store.create('Alpha').put({ path: 'modules/a', kind: 'module', content: 'a', updatedBy: 'test' });
  s.store.create('Beta');
  return { server: s, clock, call, statuses, target: path.join(tempDir('schedule-target'), 'backups') };
}

const valid = (target: string) => ({
  enabled: true,
  repositories: ['Alpha', 'Beta'],
  days: ['fri', 'mon', 'tue', 'wed', 'thu'],
  times: ['22:00', '12:30'],
  targetFolder: target,
  clientsPolicy: 'keep-connected',
  graceMinutes: 0,
  keepLast: 7,
  compression: 'fast',
  catchUp: true,
  pausedUntil: null,
});

describe('backup settings', () => {
  it('saves a valid schedule in a normal form and reports it in words', async () => {
    const c = await core();
    const saved = await c.call('saveBackupSettings', valid(c.target));
    expect(saved.ok && saved.value).toMatchObject({
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      times: ['12:30', '22:00'],
    });
    const status = await c.call('getBackupStatus');
    expect(status.ok && status.value).toMatchObject({
      state: 'on',
      description: 'Mon–Fri at 12:30 and 22:00',
      repositories: ['Alpha', 'Beta'],
      targetFolder: c.target,
    });
    expect(c.statuses.at(-1)?.description).toBe('Mon–Fri at 12:30 and 22:00');
  });

  it.each([
    ['no days', { days: [] }, 'days', 'Choose at least one day of the week.'],
    ['no times', { times: [] }, 'times', 'Add at least one time of day.'],
    ['a time like 25:00', { times: ['12:30', '25:00'] }, 'times.1', 'Use a 24-hour time such as 09:30'],
    ['a relative folder', { targetFolder: 'backups' }, 'targetFolder', 'Enter a full path'],
    [
      'an empty folder',
      { targetFolder: '  ' },
      'targetFolder',
      'Choose the folder the backups are written to.',
    ],
    ['keep 0', { keepLast: 0 }, 'keepLast', 'Keep at least 1'],
    [
      'a folder with a control character',
      { targetFolder: '/srv/back\u0000ups' },
      'targetFolder',
      'control characters',
    ],
    ['no repositories', { repositories: [] }, 'repositories', 'Choose at least one repository'],
    [
      'a repository that does not exist',
      { repositories: ['Alpha', 'Gamma'] },
      'repositories',
      'no repository named "Gamma"',
    ],
  ])(
    'refuses an enabled schedule with %s, with a message for that field',
    async (_what, patch, field, words) => {
      const c = await core();
      const answer = await c.call('saveBackupSettings', { ...valid(c.target), ...patch });
      expect(answer.ok).toBe(false);
      if (answer.ok) return;
      expect(answer.error.code).toBe('INVALID_ARGUMENT');
      expect(answer.error.fields?.[field]).toContain(words);
      expect((await c.call('getBackupSettings')).ok && c.server.settings.get().backup.enabled).toBe(false);
    },
  );

  // The same table the Schedule dialog's test runs: each refused with exactly that message.
  it.each(BAD_SCHEDULES)(
    'the contract refuses $name with the shared message',
    async ({ change, field, message }) => {
      const c = await core();
      const answer = await c.call('saveBackupSettings', {
        ...GOOD_SCHEDULE,
        repositories: ['Alpha'],
        targetFolder: c.target,
        ...change,
      });
      expect(!answer.ok && answer.error.fields?.[field]).toBe(message);
    },
  );

  it('refuses a target beneath a file on save, naming the file', async () => {
    const c = await core();
    const blocker = path.join(tempDir('blocked'), 'a-file');
    fs.writeFileSync(blocker, 'in the way');
    const target = path.join(blocker, 'backups');
    const answer = await c.call('saveBackupSettings', { ...valid(c.target), targetFolder: target });
    expect(!answer.ok && answer.error.fields).toEqual({
      targetFolder: `${blocker} is a file, not a folder, so ${target} cannot be used; choose a folder.`,
    });
  });

  it('refuses a time listed twice rather than dropping it', async () => {
    const c = await core();
    const answer = await c.call('saveBackupSettings', { ...valid(c.target), times: ['22:00', '22:00'] });
    expect(!answer.ok && answer.error.fields).toEqual({ 'times.1': '22:00 is listed twice.' });
  });

  it('reports every bad field at once', async () => {
    const c = await core();
    const answer = await c.call('saveBackupSettings', {
      ...valid(c.target),
      days: [],
      times: [],
      targetFolder: '',
    });
    expect(!answer.ok && Object.keys(answer.error.fields ?? {}).sort()).toEqual([
      'days',
      'targetFolder',
      'times',
    ]);
  });

  it('disabling keeps the settings, even unfinished ones', async () => {
    const c = await core();
    await c.call('saveBackupSettings', valid(c.target));
    const off = await c.call('saveBackupSettings', { ...valid(c.target), enabled: false, times: [] });
    expect(off.ok).toBe(true);
    const status = (await c.call('getBackupStatus')) as { ok: true; value: BackupStatus };
    expect(status.value).toMatchObject({ state: 'off', nextRun: null, repositories: ['Alpha', 'Beta'] });
  });

  it('previews the next runs and the words', async () => {
    const c = await core();
    const answer = (await c.call('previewSchedule', {
      days: ['mon', 'wed'],
      times: ['09:00'],
      count: 3,
    })) as {
      ok: true;
      value: { description: string; nextRuns: string[] };
    };
    expect(answer.value.description).toBe('Mon and Wed at 09:00');
    const runs = answer.value.nextRuns.map((iso) => Date.parse(iso));
    expect(runs).toHaveLength(3);
    expect(runs[0]).toBe(Date.parse('2026-11-18T09:00:00+01:00')); // Monday 09:00 has passed
    expect(runs[1]! - runs[0]!).toBe(5 * 24 * 3_600_000);
    expect(runs[2]! - runs[1]!).toBe(2 * 24 * 3_600_000);
  });
});

describe('pause, resume and run now', () => {
  it('pauses until a time and resumes', async () => {
    const c = await core();
    await c.call('saveBackupSettings', valid(c.target));
    const until = new Date(MONDAY_10 + 26 * 3_600_000).toISOString();
    const paused = (await c.call('pauseBackups', { until })) as { ok: true; value: BackupStatus };
    expect(paused.value.state).toBe('paused');
    expect(Date.parse(paused.value.pausedUntil!)).toBe(Date.parse(until));
    // Paused until Tuesday 12:00 in Berlin: the next run is the first slot after that.
    expect(Date.parse(paused.value.nextRun!)).toBe(Date.parse('2026-11-17T12:30:00+01:00'));
    const resumed = (await c.call('resumeBackups')) as { ok: true; value: BackupStatus };
    expect(resumed.value).toMatchObject({ state: 'on', pausedUntil: null });
    expect(Date.parse(resumed.value.nextRun!)).toBe(Date.parse('2026-11-16T12:30:00+01:00'));
    const past = await c.call('pauseBackups', { until: new Date(MONDAY_10 - 1000).toISOString() });
    expect(!past.ok && past.error.fields?.until).toBe('Choose a time in the future.');
  });

  it('runs now, shows the run while it goes, and refuses a second one', async () => {
    const c = await core();
    await c.call('saveBackupSettings', valid(c.target));
    const started = await c.call('runBackupNow');
    expect(started.ok).toBe(true);
    const during = (await c.call('getBackupStatus')) as { ok: true; value: BackupStatus };
    expect(during.value.running).toMatchObject({ trigger: 'manual', total: 2 });
    const second = await c.call('runBackupNow', { repositories: ['Beta'] });
    expect(!second.ok && second.error.code).toBe('CONFLICT');
    await c.server.scheduler.idle();
    const after = (await c.call('getBackupStatus')) as { ok: true; value: BackupStatus };
    expect(after.value.running).toBeNull();
    expect(after.value.perRepository.map((r) => r.lastResult?.status)).toEqual(['ok', 'ok']);
    // Two archives, the server's configuration, and the catalog index the backups keep beside them.
    const zips = fs.readdirSync(c.target).filter((n) => n.endsWith('.zip'));
    expect(zips.filter((n) => !n.startsWith('@server-configuration_'))).toHaveLength(2);
    expect(zips.filter((n) => n.startsWith('@server-configuration_'))).toHaveLength(1);
    expect(fs.readdirSync(c.target)).toContain('.repo-server-catalog.json');
  });

  it('run now needs a target and existing repositories', async () => {
    const c = await core();
    const noTarget = await c.call('runBackupNow');
    expect(!noTarget.ok && noTarget.error.fields?.targetFolder).toBeDefined();
    await c.call('saveBackupSettings', valid(c.target));
    const unknown = await c.call('runBackupNow', { repositories: ['Nope'] });
    expect(!unknown.ok && unknown.error.code).toBe('NOT_FOUND');
  });
});

describe('the scheduler in the core', () => {
  it('runs at the slot with trigger "schedule"; a failure stays visible until a retry works', async () => {
    const c = await core();
    // A file appears where the saved target's parent folder should be (saving refuses one already there).
    const blocker = path.join(tempDir('blocked'), 'file');
    await c.call('saveBackupSettings', { ...valid(path.join(blocker, 'sub')), times: ['12:30'] });
    fs.writeFileSync(blocker, '');
    await c.server.start();
    await c.clock.advanceTo(Date.parse('2026-11-16T12:30:00+01:00'));
    await c.server.scheduler.idle();
    await expect.poll(() => c.server.scheduler.status().retryAt).not.toBeNull();
    const failed = c.server.scheduler.status();
    expect(failed.lastError).toMatch(/file is a file, not a folder/);
    expect(Date.parse(failed.retryAt!)).toBe(Date.parse('2026-11-16T12:35:00+01:00'));
    // The folder is fixed; the retry five minutes later succeeds and clears the failure.
    await c.call('saveBackupSettings', { ...valid(c.target), times: ['12:30'] });
    await c.clock.advanceTo(Date.parse('2026-11-16T12:36:00+01:00'));
    await c.server.scheduler.idle();
    await expect.poll(() => c.server.scheduler.status().retryAt).toBeNull();
    const history = (await c.call('listHistory', { limit: 10 })) as {
      ok: true;
      value: Array<{ trigger: string; status: string; kind: string; repository: string | null }>;
    };
    // The repositories' backups (a run that wrote them also wrote the configuration's, with no repository).
    const repositoryRows = history.value.filter((h) => h.kind === 'backup' && h.repository !== null);
    expect(repositoryRows.map((h) => [h.trigger, h.status])).toEqual([
      ['schedule', 'ok'],
      ['schedule', 'ok'],
      ['schedule', 'failed'],
      ['schedule', 'failed'],
    ]);
    expect(c.server.scheduler.status().lastError).toBeNull();
  });

  it('a slot that comes during a manual run is skipped and recorded in the history', async () => {
    const c = await core();
    await c.call('saveBackupSettings', { ...valid(c.target), times: ['10:01'] });
    await c.server.start();
    await c.call('runBackupNow');
    await c.clock.advanceTo(Date.parse('2026-11-16T10:01:00+01:00'));
    await c.server.scheduler.idle();
    const history = c.server.backups.history.list({ limit: 10 }).filter((h) => h.kind === 'backup');
    expect(
      history.filter((h) => h.status === 'skipped').map((h) => [h.repository, h.trigger, h.error]),
    ).toEqual([
      ['Beta', 'schedule', 'The previous backup was still running.'],
      ['Alpha', 'schedule', 'The previous backup was still running.'],
    ]);
  });
});

describe('catch-up across a restart', () => {
  it('slots missed while the app was closed for three days run once when it starts again', async () => {
    const dataDir = tempDir('schedule-restart');
    const target = path.join(tempDir('schedule-target'), 'backups');
    const backend = new MemorySettingsBackend();
    backend.set('clientServer', { host: '127.0.0.1', port: 53400, accessToken: null, autoStart: false });
    const open = (clock: FakeClock) =>
      createServer({
        dataDir,
        appInfo: { name: 'Repository Server', version: '0.0.0-test' },
        host: 'headless',
        clock,
        settings: backend,
        logger: quietLogger,
        timeZone: 'Europe/Berlin',
      });
    const first = await open(new FakeClock(MONDAY_10));
    first.store.create('Alpha');
    first.store.create('Beta');
    await dispatch(first.handlers as Handlers, 'saveBackupSettings', valid(target), quietLogger);
    await first.start();
    await first.stop();

    const clock = new FakeClock(MONDAY_10 + 3 * 24 * 3_600_000); // Thursday 10:00: five weekday slots missed
    server = await open(clock);
    await server.start();
    await server.scheduler.idle();
    const runs = server.backups.history.list({ limit: 20 }).filter((h) => h.kind === 'backup');
    expect(runs.map((h) => [h.repository, h.trigger, h.status])).toEqual([
      [null, 'schedule', 'ok'], // the server's configuration, after the repositories
      ['Beta', 'schedule', 'ok'],
      ['Alpha', 'schedule', 'ok'],
    ]);
    // And the schedule goes on from now, not from the missed slots.
    expect(Date.parse(server.scheduler.status().nextRun!)).toBe(Date.parse('2026-11-19T12:30:00+01:00'));
  });
});
