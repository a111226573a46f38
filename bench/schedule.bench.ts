// The backup schedule's slot computation (electron/core/schedule/schedule-rules.ts) against node-schedule's
// RecurrenceRule, which the issue first asked for: a year of slots in three zones, with times inside the
// DST gap and the repeated hour. Prints the time each takes, the ratio, and how many slots each got
// wrong by ARCHITECTURE §7 (a gap time runs at the first valid minute after it; a repeated time once).
// `npm run bench -- schedule`.
import schedule from 'node-schedule';
import { occurrencesBetween, slotInstant } from '../electron/core/schedule/schedule-rules';
import { DAYS } from '../electron/shared/settings-schema';
import { figure } from './figures';

const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'];
const times = ['01:45', '02:15', '02:30', '12:00'];
const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2027, 0, 1);
const DAY = 86_400_000;

/** The instants §7 asks for in [from, to) (slotInstant itself is checked by the year tests in Vitest). */
function expected(timeZone: string): Set<number> {
  const out = new Set<number>();
  for (let d = from - 2 * DAY; d < to + 2 * DAY; d += DAY) {
    const date = new Date(d);
    for (const t of times) {
      const [h, m] = t.split(':').map(Number);
      const at = slotInstant(
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        h! * 60 + m!,
        timeZone,
      );
      if (at >= from && at < to) out.add(at);
    }
  }
  return out;
}

function ours(timeZone: string): number[] {
  return occurrencesBetween({ days: [...DAYS], times }, from - 1, to - 1, timeZone);
}

function nodeSchedule(timeZone: string): number[] {
  const out: number[] = [];
  for (const t of times) {
    const [h, m] = t.split(':').map(Number);
    const rule = new schedule.RecurrenceRule();
    rule.hour = h!;
    rule.minute = m!;
    rule.tz = timeZone;
    let at: Date | null = new Date(from - 1);
    for (;;) {
      at = (rule as unknown as { nextInvocationDate(d: Date): Date | null }).nextInvocationDate(at);
      if (!at || at.getTime() >= to) break;
      out.push(at.getTime());
    }
  }
  return out.sort((a, b) => a - b);
}

function wrong(got: number[], want: Set<number>): number {
  const seen = new Set(got);
  let errors = got.length - seen.size; // a slot run twice
  for (const at of seen) if (!want.has(at)) errors++; // a slot at the wrong instant
  for (const at of want) if (!seen.has(at)) errors++; // a slot never run
  return errors;
}

function timed<T>(work: () => T, rounds = 5): { value: T; ms: number } {
  work(); // warm up
  const start = performance.now();
  let value!: T;
  for (let i = 0; i < rounds; i++) value = work();
  return { value, ms: (performance.now() - start) / rounds };
}

for (const zone of zones) {
  const want = expected(zone);
  const a = timed(() => ours(zone));
  const b = timed(() => nodeSchedule(zone), 1); // seconds per round
  figure({
    name: `schedule slots over a year in ${zone}, wrong (missed, doubled or misplaced)`,
    value: wrong(a.value, want),
    unit: 'slots',
    baseline: `node-schedule ${wrong(b.value, want)} wrong, ${(b.ms / a.ms).toFixed(0)}x our time`,
    goal: '0',
    met: wrong(a.value, want) === 0,
  });
  console.log(
    `${zone.padEnd(20)} ours: ${a.ms.toFixed(1)} ms for ${a.value.length} slots, ${wrong(a.value, want)} wrong; ` +
      `node-schedule: ${b.ms.toFixed(1)} ms, ${b.value.length} slots, ${wrong(b.value, want)} wrong; ` +
      `node-schedule takes ${(b.ms / a.ms).toFixed(0)}x as long`,
  );
}
