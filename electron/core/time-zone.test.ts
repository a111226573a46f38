import { afterEach, describe, expect, it } from 'vitest';
import type { Day } from '../shared/settings-schema';
import { BackupScheduler, type ScheduleSettings } from './schedule/backup-scheduler';
import { nextOccurrences } from './schedule/schedule-rules';
import { FakeClock } from './testing/fake-clock';
import { currentTimeZone } from './time-zone';

// Vitest runs each file in its own process, so TZ can be changed here as a user or a travelling laptop
// would change it, without touching other tests.
const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

const recorder = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
};

describe('the time zone', () => {
  it('an empty, invalid or unknown TZ means UTC, said once in one warning line, never an exception', () => {
    for (const [tz, cause] of [
      ['', 'TZ="" is empty'],
      ['Invalid/Zone', 'TZ="Invalid/Zone" is not a known time zone'],
      ['Etc/Unknown', 'TZ="Etc/Unknown" is not a known time zone'],
    ] as const) {
      process.env.TZ = tz;
      const log = recorder();
      expect(currentTimeZone({ logger: log })).toBe('UTC');
      expect(currentTimeZone({ logger: log })).toBe('UTC');
      expect(log.lines).toEqual([`Time zone: ${cause}; schedule times are read in UTC.`]);
      // Dates agree: local time is UTC too.
      expect(new Date(Date.UTC(2026, 6, 1, 12)).getTimezoneOffset()).toBe(0);
    }
    process.env.TZ = 'Asia/Tokyo';
    const log = recorder();
    expect(currentTimeZone({ logger: log })).toBe('Asia/Tokyo');
    expect(log.lines).toEqual([]);
  });

  it('nextOccurrences of a rule with no valid day answers nothing at once instead of searching forever', () => {
    const after = Date.parse('2026-11-16T10:00:00Z');
    expect(nextOccurrences({ days: ['xyz' as Day], times: ['10:00'] }, after, 3, 'UTC')).toEqual([]);
    expect(nextOccurrences({ days: ['funday' as Day, 'mon'], times: ['12:00'] }, after, 2, 'UTC')).toEqual([
      Date.parse('2026-11-16T12:00:00Z'),
      Date.parse('2026-11-23T12:00:00Z'),
    ]);
  });

  it('a zone change while running moves the next run, on resume or at the next wake, and is logged', async () => {
    process.env.TZ = 'Europe/Berlin';
    const clock = new FakeClock(Date.parse('2026-11-16T10:00:00+01:00'));
    const log = recorder();
    let changes = 0;
    const settings: ScheduleSettings = {
      enabled: true,
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      times: ['22:00'],
      catchUp: true,
      pausedUntil: null,
    };
    // No zone given: the system's, read again at every check (as createServer builds it).
    const scheduler = new BackupScheduler({
      clock,
      settings: () => settings,
      logger: log,
      hooks: {
        run: async () => ({ ok: true }),
        isRunning: () => false,
        skipped: () => {},
        changed: () => changes++,
      },
    });
    scheduler.start();
    expect(scheduler.nextRun()).toBe(Date.parse('2026-11-16T22:00:00+01:00'));

    process.env.TZ = 'Asia/Tokyo'; // the laptop landed in Tokyo; it is 18:00 there
    scheduler.catchUp(); // what powerMonitor 'resume' calls
    expect(scheduler.nextRun()).toBe(Date.parse('2026-11-16T22:00:00+09:00'));
    expect(log.lines).toEqual([
      'The time zone changed from Europe/Berlin to Asia/Tokyo.',
      'Next backup recomputed in Asia/Tokyo: 2026-11-16T13:00:00.000Z.',
    ]);
    expect(changes).toBe(1);

    // Without a resume, the timer's next wake (at most 10 minutes) notices it too.
    process.env.TZ = 'America/New_York';
    await clock.advanceBy(10 * 60_000);
    expect(log.lines.at(-2)).toBe('The time zone changed from Asia/Tokyo to America/New_York.');
    expect(scheduler.nextRun()).toBe(Date.parse('2026-11-16T22:00:00-05:00'));
    scheduler.stop();
  });
});
