// Durations and moments in the words an administrator scans for: "in 3 h 12 min", "5 min ago".

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in at most two units: "45 s", "12 min", "3 h 12 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, Math.abs(ms));
  if (abs < 1000) return 'under 1 s';
  if (abs < MINUTE) return `${Math.floor(abs / 1000)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const min = Math.floor((abs % HOUR) / MINUTE);
    return min ? `${h} h ${min} min` : `${h} h`;
  }
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** Relative to now: "in 3 h 12 min", "5 min ago", "now" (within a few seconds). */
export function formatRelative(at: string | number | Date, now: number): string {
  const ms = toMs(at) - now;
  if (Number.isNaN(ms)) return '—';
  if (Math.abs(ms) < 5_000) return 'now';
  return ms > 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

/** A moment as a local date and time, e.g. "Sun 22 Nov 2026, 14:05". */
export function formatDateTime(at: string | number | Date): string {
  const d = new Date(toMs(at));
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

/** Only the time when the moment is today, else the date too: for tables where space is short. */
export function formatWhen(at: string | number | Date, now: number): string {
  const d = new Date(toMs(at));
  if (Number.isNaN(d.getTime())) return '—';
  const today = new Date(now);
  const sameDay =
    d.getFullYear() === today.getFullYear() &&
    d.getMonth() === today.getMonth() &&
    d.getDate() === today.getDate();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return sameDay
    ? `today ${time}`
    : d.toLocaleString(undefined, {
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      });
}

const toMs = (at: string | number | Date) =>
  typeof at === 'number' ? at : at instanceof Date ? at.getTime() : Date.parse(at);
