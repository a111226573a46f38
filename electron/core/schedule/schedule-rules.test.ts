import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { BackupScheduler, type ScheduleSettings } from './backup-scheduler';
import { describeSchedule } from './describe-schedule';
import { longestGapMs, nextOccurrences, slotInstant } from './schedule-rules';
import type { Day } from '../../shared/settings-schema';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// An independent reading of the wall clock, for checking the rules from the outside.
const readers = new Map<string, Intl.DateTimeFormat>();
function wall(ms: number, timeZone: string): string {
  let f = readers.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    readers.set(timeZone, f);
  }
  return f.format(new Date(ms)); // "2026-03-08 03:00": sorts like time
}

const weekdayOf = (civil: string): Day =>
  (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[new Date(`${civil}T00:00:00Z`).getUTCDay()]!;

describe('the schedule in local wall-clock time, through a simulated year', () => {
  // Every zone has a time in its spring-forward gap and one in its repeated fall-back hour:
  // New York and Berlin shift by an hour, Lord Howe Island by 30 minutes (02:00→02:30, 02:00→01:30).
  const zones = [
    { timeZone: 'America/New_York', gapDay: '2026-03-08', gapTime: '02:30', firstValid: '03:00' },
    { timeZone: 'Europe/Berlin', gapDay: '2026-03-29', gapTime: '02:30', firstValid: '03:00' },
    { timeZone: 'Australia/Lord_Howe', gapDay: '2026-10-04', gapTime: '02:15', firstValid: '02:30' },
  ];
  const times = ['01:30', '01:45', '02:15', '02:30', '12:00', '23:59'];
  const days: Day[] = ['mon', 'tue', 'thu', 'fri', 'sat', 'sun'];

  for (const zone of zones) {
    it(`${zone.timeZone}: every slot fires exactly once at the right wall-clock minute`, async () => {
      const start = Date.UTC(2025, 11, 30);
      const end = Date.UTC(2027, 0, 2);
      const clock = new FakeClock(start);
      const fired: number[] = [];
      const settings: ScheduleSettings = { enabled: true, days, times, catchUp: true, pausedUntil: null };
      const scheduler = new BackupScheduler({
        clock,
        timeZone: zone.timeZone,
        settings: () => settings,
        hooks: {
          run: async (slotAt) => {
            expect(clock.now()).toBe(slotAt);
            fired.push(clock.now());
            return { ok: true };
          },
          isRunning: () => false,
          skipped: () => expect.fail('nothing should be skipped'),
          changed: () => {},
        },
      });
      scheduler.start();
      await clock.advanceTo(end);
      scheduler.stop();

      expect(new Set(fired).size).toBe(fired.length);
      // Which scheduled slots each run serves: those the wall clock passed since the minute before.
      const served = new Map<string, number>();
      for (const f of fired) {
        expect(f % MINUTE).toBe(0);
        const now = wall(f, zone.timeZone);
        const before = wall(f - MINUTE, zone.timeZone);
        // The first of a repeated hour, never the second: the clock did not show this minute earlier.
        expect(wall(f - HOUR, zone.timeZone)).not.toBe(now);
        expect(wall(f - 30 * MINUTE, zone.timeZone)).not.toBe(now);
        const day = now.slice(0, 10);
        const slots = times
          .map((t) => `${day} ${t}`)
          .filter((slot) => days.includes(weekdayOf(day)) && slot > before && slot <= now);
        expect(slots.length, `run at ${now} serves a slot`).toBeGreaterThan(0);
        for (const slot of slots) served.set(slot, (served.get(slot) ?? 0) + 1);
      }
      const expected: string[] = [];
      for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2027, 0, 1); d += 24 * HOUR) {
        const civil = new Date(d).toISOString().slice(0, 10);
        if (days.includes(weekdayOf(civil))) for (const t of times) expected.push(`${civil} ${t}`);
      }
      for (const slot of expected) expect(served.get(slot), slot).toBe(1);

      // The gap rule, named: the missing time ran at the first valid minute after it.
      const gapRun = fired.find((f) => wall(f, zone.timeZone) === `${zone.gapDay} ${zone.firstValid}`);
      expect(gapRun).toBeDefined();
      expect(served.get(`${zone.gapDay} ${zone.gapTime}`)).toBe(1);
    }, 60_000);
  }

  it('a time repeated on a fall-back day is the first of the two', () => {
    // New York, 1 Nov 2026: 01:30 EDT (05:30Z) and then 01:30 EST (06:30Z).
    expect(new Date(slotInstant(2026, 11, 1, 90, 'America/New_York')).toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    // Lord Howe, 5 Apr 2026: 01:45 at +11:00 (14:45Z the day before) and again at +10:30.
    expect(new Date(slotInstant(2026, 4, 5, 105, 'Australia/Lord_Howe')).toISOString()).toBe(
      '2026-04-04T14:45:00.000Z',
    );
  });

  it('a time in the spring-forward gap runs at the first valid minute after it', () => {
    expect(new Date(slotInstant(2026, 3, 8, 150, 'America/New_York')).toISOString()).toBe(
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
    );
    expect(wall(slotInstant(2026, 3, 29, 150, 'Europe/Berlin'), 'Europe/Berlin')).toBe('2026-03-29 03:00');
    expect(wall(slotInstant(2026, 10, 4, 135, 'Australia/Lord_Howe'), 'Australia/Lord_Howe')).toBe(
      '2026-10-04 02:30',
    );
  });

  it('previews the next runs in order, skipping days that are not chosen', () => {
    const after = Date.parse('2026-11-20T12:00:00+01:00'); // a Friday in Berlin
    const next = nextOccurrences(
      { days: ['mon', 'fri'], times: ['22:00', '12:30'] },
      after,
      5,
      'Europe/Berlin',
    );
    expect(next.map((ms) => wall(ms, 'Europe/Berlin'))).toEqual([
      '2026-11-20 12:30',
      '2026-11-20 22:00',
      '2026-11-23 12:30',
      '2026-11-23 22:00',
      '2026-11-27 12:30',
    ]);
    expect(nextOccurrences({ days: [], times: ['12:00'] }, after, 5, 'Europe/Berlin')).toEqual([]);
  });

  it('measures the longest gap between slots over the week', () => {
    expect(longestGapMs({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: ['12:30', '22:00'] })).toBe(
      (2 * 24 + 14.5) * HOUR, // Fri 22:00 → Mon 12:30
    );
    expect(longestGapMs({ days: [], times: ['12:00'] })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('the schedule in words', () => {
  it.each([
    [['mon', 'tue', 'wed', 'thu', 'fri'], ['22:00', '12:30'], 'Mon–Fri at 12:30 and 22:00'],
    [['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], ['03:00'], 'Every day at 03:00'],
    [['sat', 'sun'], ['09:00', '13:00', '18:00'], 'Sat and Sun at 09:00, 13:00 and 18:00'],
    [['mon', 'wed', 'fri'], ['12:00', '12:00'], 'Mon, Wed and Fri at 12:00'],
    [['fri', 'sat', 'sun', 'mon'], ['06:00'], 'Fri–Mon at 06:00'],
    [['mon', 'tue', 'wed', 'sun'], ['06:00'], 'Sun–Wed at 06:00'],
    [[], ['06:00'], 'No days chosen'],
    [['mon'], [], 'No times chosen'],
  ] as const)('%j × %j → %s', (days, times, words) => {
    expect(describeSchedule({ days, times })).toBe(words);
  });
});
