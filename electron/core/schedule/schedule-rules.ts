import { DAYS, type Day } from '../../shared/settings-schema';
import { currentTimeZone } from '../time-zone';

// When a schedule's slots happen, in local wall-clock time of an IANA time zone (ARCHITECTURE §7).
// Offsets come from Intl, so any zone can be computed in one process (tests run several side by side).
// DST: a time in the spring-forward gap runs at the first valid minute after it; a time that happens
// twice on a fall-back day runs once, the first time.

export interface WeeklySchedule {
  days: readonly Day[];
  /** 'HH:MM', 24-hour. */
  times: readonly string[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The zone of this process (TZ or the system's, followed while it runs), e.g. 'Europe/Berlin'; UTC when none is valid. */
export const systemTimeZone = (): string => currentTimeZone();

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What a wall clock in `timeZone` shows at the instant `ms`. */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The zone's offset from UTC at `ms`, in minutes (Berlin in summer: +120). */
export function offsetMinutesAt(ms: number, timeZone: string): number {
  const w = wallClockAt(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / MINUTE);
}

/** A civil date plus a minute of the day, counted as if the zone were UTC: comparable and sortable. */
const civilMs = (year: number, month: number, day: number, minuteOfDay: number) =>
  Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE;

const wallAsCivilMs = (ms: number, timeZone: string) => {
  const w = wallClockAt(ms, timeZone);
  return civilMs(w.year, w.month, w.day, w.hour * 60 + w.minute);
};

/**
 * The instant a slot (civil date + 'HH:MM') runs at in `timeZone`. Transitions are months apart, so the
 * offsets a day before and after cover both sides of any transition near the slot.
 */
export function slotInstant(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  timeZone: string,
): number {
  const wanted = civilMs(year, month, day, minuteOfDay);
  const offsets = new Set(
    [wanted - DAY, wanted, wanted + DAY].map((guess) => offsetMinutesAt(guess, timeZone)),
  );
  const matches = [...offsets]
    .map((offset) => wanted - offset * MINUTE)
    .filter((instant) => wallAsCivilMs(instant, timeZone) === wanted)
    .sort((a, b) => a - b);
  // Fall-back: the wall clock shows this minute twice; the first one counts.
  if (matches.length > 0) return matches[0]!;
  // Spring-forward gap: the transition instant, whose wall clock is the first valid minute after.
  let before = wanted - Math.max(...offsets) * MINUTE; // the wall clock reads earlier than wanted here
  let after = wanted - Math.min(...offsets) * MINUTE; // and later here
  while (after - before > MINUTE) {
    const mid = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
    if (wallAsCivilMs(mid, timeZone) < wanted) before = mid;
    else after = mid;
  }
  return after;
}

export const parseTime = (time: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new RangeError(`Not a 24-hour time: "${time}"`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Monday = 0 … Sunday = 6, the order of DAYS. */
const dayIndexOfCivil = (civil: number) => (new Date(civil).getUTCDay() + 6) % 7;

function slotsOfCivilDay(civilDay: number, schedule: WeeklySchedule, minutes: number[], timeZone: string) {
  if (!schedule.days.includes(DAYS[dayIndexOfCivil(civilDay)]!)) return [];
  const d = new Date(civilDay);
  return minutes.map((m) =>
    slotInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), m, timeZone),
  );
}

const sortedMinutes = (schedule: WeeklySchedule) =>
  [...new Set(schedule.times.map(parseTime))].sort((a, b) => a - b);

const civilDayOf = (ms: number, timeZone: string) => {
  const w = wallClockAt(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day);
};

/** The next `count` instants strictly after `afterMs` at which the schedule runs, oldest first. */
export function nextOccurrences(
  schedule: WeeklySchedule,
  afterMs: number,
  count: number,
  timeZone: string = systemTimeZone(),
): number[] {
  const minutes = sortedMinutes(schedule);
  // Only days that exist count: a rule whose days are all unknown would otherwise be searched forever.
  const days = schedule.days.filter((d) => (DAYS as readonly string[]).includes(d));
  if (minutes.length === 0 || days.length === 0 || count <= 0) return [];
  const found = new Set<number>();
  // Each week holds at least one slot, so `count` slots lie within count + 1 weeks (and a day early).
  const lastDay = civilDayOf(afterMs, timeZone) + (count + 1) * 7 * DAY;
  // Start a day early: a slot shifted out of a gap can land after midnight of the day it belongs to.
  for (
    let civil = civilDayOf(afterMs, timeZone) - DAY;
    found.size < count && civil <= lastDay;
    civil += DAY
  ) {
    for (const at of slotsOfCivilDay(civil, schedule, minutes, timeZone)) if (at > afterMs) found.add(at);
    if (found.size >= count) {
      // A later day cannot hold an earlier slot, but this day's slots may be unsorted by the gap rule.
      break;
    }
  }
  return [...found].sort((a, b) => a - b).slice(0, count);
}

export const nextOccurrence = (schedule: WeeklySchedule, afterMs: number, timeZone?: string) =>
  nextOccurrences(schedule, afterMs, 1, timeZone)[0] ?? null;

/** Every slot in (fromMs, toMs], oldest first. */
export function occurrencesBetween(
  schedule: WeeklySchedule,
  fromMs: number,
  toMs: number,
  timeZone: string = systemTimeZone(),
): number[] {
  const minutes = sortedMinutes(schedule);
  if (minutes.length === 0 || schedule.days.length === 0 || toMs <= fromMs) return [];
  const found = new Set<number>();
  const last = civilDayOf(toMs, timeZone) + DAY;
  for (let civil = civilDayOf(fromMs, timeZone) - DAY; civil <= last; civil += DAY) {
    for (const at of slotsOfCivilDay(civil, schedule, minutes, timeZone))
      if (at > fromMs && at <= toMs) found.add(at);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The longest wait between two consecutive slots over a week, in ms (ignoring DST's hour): what
 * "overdue" is measured against. Infinity for a schedule that never runs.
 */
export function longestGapMs(schedule: WeeklySchedule): number {
  const minutes = sortedMinutes(schedule);
  const week = 7 * 24 * 60;
  const slots = DAYS.flatMap((day, i) =>
    schedule.days.includes(day) ? minutes.map((m) => i * 1440 + m) : [],
  );
  if (slots.length === 0) return Number.POSITIVE_INFINITY;
  let longest = 0;
  for (let i = 0; i < slots.length; i++) {
    const next = i + 1 < slots.length ? slots[i + 1]! : slots[0]! + week;
    longest = Math.max(longest, next - slots[i]!);
  }
  return longest * MINUTE;
}
