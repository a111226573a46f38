// Times in the tray and notifications, in the machine's local time: "today at 22:00", "Tue 24 Nov at 12:30".
// Built by hand rather than with Intl so that the tray reads the same on every locale and in tests.

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const dayNumber = (d: Date) => Math.floor(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000);
const hhmm = (d: Date) =>
  `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

export function describeWhen(iso: string, now: number): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const days = dayNumber(at) - dayNumber(new Date(now));
  if (days === 0) return `today at ${hhmm(at)}`;
  if (days === 1) return `tomorrow at ${hhmm(at)}`;
  if (days === -1) return `yesterday at ${hhmm(at)}`;
  return `${WEEKDAYS[at.getDay()]} ${at.getDate()} ${MONTHS[at.getMonth()]} at ${hhmm(at)}`;
}
