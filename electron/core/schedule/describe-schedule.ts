import { joinWords } from '../../shared/join-words';
import { DAY_NAMES, DAYS, type Day } from '../../shared/settings-schema';
import { parseTime, type WeeklySchedule } from './schedule-rules';

// The schedule in words for the status line and the dialog's preview: "Mon–Fri at 12:30 and 22:00".

/** Days as runs: three or more consecutive days become "Mon–Fri"; a week may wrap ("Fri–Mon"). */
export function describeDays(days: readonly Day[]): string {
  const chosen = DAYS.map((d) => days.includes(d));
  if (chosen.every(Boolean)) return 'Every day';
  // A run over Sunday→Monday stays one run: then start the week just after a day that is not chosen.
  const start = chosen[6] && chosen[0] ? (chosen.findIndex((c) => !c) + 1) % 7 : 0;
  const runs: Day[][] = [];
  for (let k = 0; k < 7; k++) {
    const i = (start + k) % 7;
    if (!chosen[i]) continue;
    const previous = (i + 6) % 7;
    if (k > 0 && chosen[previous]) runs.at(-1)!.push(DAYS[i]!);
    else runs.push([DAYS[i]!]);
  }
  const words = runs.flatMap((run) =>
    run.length >= 3 ? [`${DAY_NAMES[run[0]!]}–${DAY_NAMES[run.at(-1)!]}`] : run.map((d) => DAY_NAMES[d]),
  );
  return joinWords(words);
}

/** Times sorted and without repeats: "12:30 and 22:00". */
export function describeTimes(times: readonly string[]): string {
  const sorted = [...new Set(times)].sort((a, b) => parseTime(a) - parseTime(b));
  return joinWords(sorted);
}

export function describeSchedule(schedule: WeeklySchedule): string {
  if (schedule.days.length === 0 && schedule.times.length === 0) return 'No days and no times chosen';
  if (schedule.days.length === 0) return 'No days chosen';
  if (schedule.times.length === 0) return 'No times chosen';
  return `${describeDays(schedule.days)} at ${describeTimes(schedule.times)}`;
}
