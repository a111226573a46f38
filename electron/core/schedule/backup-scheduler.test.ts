import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import {
  BackupScheduler,
  MemorySchedulerState,
  RETRY_DELAYS_MS,
  type RunOutcome,
  type ScheduleSettings,
} from './backup-scheduler';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TZ = 'Europe/Berlin';
// Monday 16 Nov 2026, 10:00 in Berlin (UTC+1).
const MONDAY_10 = Date.parse('2026-11-16T10:00:00+01:00');
const at = (iso: string) => Date.parse(iso);

function harness(
  overrides: Partial<ScheduleSettings> = {},
  opts: { state?: MemorySchedulerState; outcome?: () => Promise<RunOutcome> } = {},
) {
  const clock = new FakeClock(MONDAY_10);
  const settings: ScheduleSettings = {
    enabled: true,
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    times: ['12:30', '22:00'],
    catchUp: true,
    pausedUntil: null,
    ...overrides,
  };
  const runs: Array<{ at: number; slotAt: number; attempt: number }> = [];
  const skipped: Array<{ slotAt: number; reason: string }> = [];
  let running = 0;
  const scheduler = new BackupScheduler({
    clock,
    timeZone: TZ,
    settings: () => settings,
    state: opts.state,
    logger: { info: () => {}, warn: () => {} },
    hooks: {
      run: async (slotAt, attempt) => {
        runs.push({ at: clock.now(), slotAt, attempt });
        running++;
        try {
          return opts.outcome ? await opts.outcome() : { ok: true };
        } finally {
          running--;
        }
      },
      isRunning: () => running > 0,
      skipped: (slotAt, reason) => skipped.push({ slotAt, reason }),
      changed: () => {},
    },
  });
  return { clock, settings, scheduler, runs, skipped };
}

describe('BackupScheduler', () => {
  it('runs at each slot and says when the next one is', async () => {
    const h = harness();
    h.scheduler.start();
    expect(h.scheduler.nextRun()).toBe(at('2026-11-16T12:30:00+01:00'));
    await h.clock.advanceTo(at('2026-11-17T13:00:00+01:00'));
    expect(h.runs.map((r) => r.at)).toEqual([
      at('2026-11-16T12:30:00+01:00'),
      at('2026-11-16T22:00:00+01:00'),
      at('2026-11-17T12:30:00+01:00'),
    ]);
    expect(h.scheduler.nextRun()).toBe(at('2026-11-17T22:00:00+01:00'));
  });

  it('after a 3-day sleep, the missed slots run once on resume, not once per slot', async () => {
    const h = harness();
    h.scheduler.start();
    h.clock.jumpTo(MONDAY_10 + 3 * DAY); // six slots missed while asleep
    h.scheduler.catchUp();
    await h.clock.advanceBy(MINUTE);
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0]!.slotAt).toBe(at('2026-11-18T22:00:00+01:00')); // the latest missed slot
    // The timers that were set before the sleep do not add more runs; the next slot runs normally.
    await h.clock.advanceTo(at('2026-11-19T12:31:00+01:00'));
    expect(h.runs.map((r) => r.at)).toEqual([MONDAY_10 + 3 * DAY, at('2026-11-19T12:30:00+01:00')]);
  });

  it('a sleep noticed by the timer alone (no resume report) is caught up once too', async () => {
    const h = harness();
    h.scheduler.start();
    h.clock.jumpTo(MONDAY_10 + 3 * DAY);
    await h.clock.advanceBy(11 * MINUTE);
    expect(h.runs).toHaveLength(1);
  });

  it('a slot missed while the app was closed runs once at start', async () => {
    const state = new MemorySchedulerState(at('2026-11-13T22:00:00+01:00')); // last handled: Friday night
    const h = harness({}, { state });
    h.scheduler.start();
    await h.clock.advanceBy(MINUTE);
    expect(h.runs.map((r) => r.at)).toEqual([MONDAY_10]);
    expect(state.load()).toBe(at('2026-11-16T00:00:00+01:00') - 2 * HOUR); // Sunday 22:00 was the latest
  });

  it('with catch-up off, a missed slot is recorded as skipped instead of run', async () => {
    const state = new MemorySchedulerState(at('2026-11-13T22:00:00+01:00'));
    const h = harness({ catchUp: false }, { state });
    h.scheduler.start();
    await h.clock.advanceBy(MINUTE);
    expect(h.runs).toHaveLength(0);
    expect(h.skipped).toHaveLength(1);
    expect(h.skipped[0]!.reason).toMatch(/catch-up is off/);
  });

  it('a slot that comes while a run is going is skipped and recorded', async () => {
    let finish!: (o: RunOutcome) => void;
    const h = harness({ times: ['12:30', '12:40'] }, { outcome: () => new Promise((r) => (finish = r)) });
    h.scheduler.start();
    await h.clock.advanceTo(at('2026-11-16T12:45:00+01:00'));
    expect(h.runs).toHaveLength(1);
    expect(h.skipped).toEqual([
      { slotAt: at('2026-11-16T12:40:00+01:00'), reason: 'The previous backup was still running.' },
    ]);
    finish({ ok: true });
  });

  it('pause until a time: no runs before it, none caught up after it, then the schedule goes on', async () => {
    const h = harness({ pausedUntil: '2026-11-17T13:00:00+01:00' });
    h.scheduler.start();
    expect(h.scheduler.nextRun()).toBe(at('2026-11-17T22:00:00+01:00'));
    await h.clock.advanceTo(at('2026-11-17T22:01:00+01:00'));
    expect(h.runs.map((r) => r.at)).toEqual([at('2026-11-17T22:00:00+01:00')]);
  });

  it('resume ends a pause at once', async () => {
    const h = harness({ pausedUntil: '2026-11-20T00:00:00+01:00' });
    h.scheduler.start();
    await h.clock.advanceTo(at('2026-11-16T13:00:00+01:00'));
    h.settings.pausedUntil = null;
    h.scheduler.reschedule();
    expect(h.scheduler.nextRun()).toBe(at('2026-11-16T22:00:00+01:00'));
    await h.clock.advanceTo(at('2026-11-16T22:01:00+01:00'));
    expect(h.runs.map((r) => r.at)).toEqual([at('2026-11-16T22:00:00+01:00')]); // 12:30 stayed paused
  });

  it('disabled: nothing runs and nothing is due, and enabling again does not catch up', async () => {
    const h = harness({ enabled: false });
    h.scheduler.start();
    expect(h.scheduler.nextRun()).toBeNull();
    await h.clock.advanceTo(MONDAY_10 + 2 * DAY);
    expect(h.runs).toHaveLength(0);
    h.settings.enabled = true;
    h.scheduler.reschedule();
    await h.clock.advanceBy(MINUTE);
    expect(h.runs).toHaveLength(0);
    expect(h.scheduler.nextRun()).toBe(at('2026-11-18T12:30:00+01:00'));
  });

  it('a failed run is retried with backoff three times within the hour, then waits for the next slot', async () => {
    const h = harness({}, { outcome: async () => ({ ok: false }) });
    h.scheduler.start();
    await h.clock.advanceTo(at('2026-11-16T12:30:00+01:00'));
    expect(h.scheduler.retryAt()).toBe(at('2026-11-16T12:30:00+01:00') + RETRY_DELAYS_MS[0]);
    await h.clock.advanceTo(at('2026-11-16T14:00:00+01:00'));
    const first = h.runs[0]!.at;
    expect(h.runs.map((r) => [r.attempt, (r.at - first) / MINUTE])).toEqual([
      [0, 0],
      [1, 5],
      [2, 20],
      [3, 60],
    ]);
    expect(h.scheduler.retryAt()).toBeNull();
  });

  it('a retry that succeeds clears the pending retry', async () => {
    let fail = true;
    const h = harness({}, { outcome: async () => ({ ok: !fail }) });
    h.scheduler.start();
    await h.clock.advanceTo(at('2026-11-16T12:31:00+01:00'));
    expect(h.scheduler.retryAt()).not.toBeNull();
    fail = false;
    await h.clock.advanceTo(at('2026-11-16T12:40:00+01:00'));
    expect(h.runs).toHaveLength(2);
    expect(h.scheduler.retryAt()).toBeNull();
  });
});
