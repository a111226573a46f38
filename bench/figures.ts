// One figure of a benchmark: printed as a line a person reads, and as a marker line (`@figure {json}`)
// that `npm run bench` (run-all.mjs) collects into one table of every benchmark's figures, each with
// its goal and the machine's load when it was measured. Ratios are against a baseline measured in the
// same run; nothing here asserts.
import os from 'node:os';

export interface Figure {
  /** What was measured, e.g. "backup, archive written, vs sqlite3 .backup + zip -1". */
  name: string;
  value: number;
  /** "x" for a ratio, "ms", "MB", "MB/s", "s", "%". */
  unit: string;
  /** What the baseline measured, e.g. "script 7.6 MB/s"; omitted when the figure is absolute. */
  baseline?: string;
  /** The goal, as the issue states it, e.g. ">= 1.8x" or "< 5 ms"; omitted when there is none. */
  goal?: string;
  /** Whether the goal is met, when there is one. */
  met?: boolean;
  /** The 1-minute load while it was measured; by default, now. */
  load?: number;
}

const digits = (value: number) => (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);

export function formatValue(value: number, unit: string): string {
  const n = value.toFixed(digits(value));
  return unit === 'x' ? `${n}x` : `${n} ${unit}`;
}

/** The 1-minute load average: other work on the machine shares its cores with the benchmark. */
export const load = () => os.loadavg()[0]!;

export function figure(f: Figure): void {
  const withLoad = { ...f, load: f.load ?? load() };
  const goal = f.goal ? ` (goal ${f.goal}${f.met === undefined ? '' : f.met ? ', met' : ', NOT met'})` : '';
  const baseline = f.baseline ? ` [baseline: ${f.baseline}]` : '';
  console.log(
    `${f.name}: ${formatValue(f.value, f.unit)}${goal}${baseline}; load ${withLoad.load.toFixed(1)}`,
  );
  console.log(`@figure ${JSON.stringify(withLoad)}`);
}

/** A goal "at least" / "below": the figure's verdict, for figure({ met }). */
export const atLeast = (value: number, goal: number) => value >= goal;
export const below = (value: number, goal: number) => value < goal;
