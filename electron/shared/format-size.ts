// Sizes as an administrator reads them: decimal units (as disk tools and file managers on Linux and
// macOS show them), three significant digits. The Control Panel and the CLI both write sizes with it.

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** 0 → "0 B", 950 → "950 B", 12_345_678 → "12.3 MB". null (not known yet) → "—". */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit: string = 'B';
  for (const next of UNITS) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  // 999.96 KB would round to "1000 KB": step up instead.
  if (Number(value.toPrecision(3)) >= 1000 && unit !== 'PB') {
    value /= 1000;
    unit = UNITS[UNITS.indexOf(unit as (typeof UNITS)[number]) + 1]!;
  }
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  // Trailing zeros go only after a decimal point: "1.50" → "1.5", "2.00" → "2", but "210" stays.
  const text = digits === 0 ? value.toFixed(0) : value.toFixed(digits).replace(/\.?0+$/, '');
  return `${text} ${unit}`;
}

/** "3.4 MB of 12 MB" for a progress label; the total may not be known yet. */
export function formatProgress(done: number, total: number | null): string {
  return total === null ? formatSize(done) : `${formatSize(done)} of ${formatSize(total)}`;
}
