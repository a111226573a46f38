import type { RestoreDrillStatus } from './contract/schedule';
import { joinWords } from './join-words';

// Restore drills in words, for every host (Control Panel, tray, notifications, CLI). The host adds the
// time in its own way ("2 days ago", "yesterday at 22:00").

const repositories = (n: number) => (n === 1 ? '1 repository' : `${n} repositories`);

/** The drills that failed in their newest run: an alert, like a failed backup. */
export const failedDrills = (drill: RestoreDrillStatus | undefined) =>
  drill?.results.filter((r) => r.status === 'failed') ?? [];

/**
 * "Last restore test: all 4 repositories OK", "Last restore test: Beta failed (…); 3 OK", or null when
 * no drill ever ran.
 */
export function drillHeadline(drill: RestoreDrillStatus | undefined): string | null {
  if (!drill || drill.results.length === 0) return null;
  const failed = failedDrills(drill);
  const ok = drill.results.filter((r) => r.status === 'ok').length;
  const cancelled = drill.results.length - failed.length - ok;
  if (failed.length === 0 && cancelled === 0)
    return `Last restore test: ${ok === 1 ? '1 repository' : `all ${repositories(ok)}`} OK`;
  const parts = failed.map((r) => `${r.name} failed (${r.error ?? 'no reason given'})`);
  if (cancelled > 0) parts.push(`${repositories(cancelled)} cancelled`);
  if (ok > 0) parts.push(`${ok} OK`);
  return `Last restore test: ${parts.join('; ')}`;
}

/** The failed drills' names as the tray's short line says them. */
export const failedDrillNames = (drill: RestoreDrillStatus | undefined) =>
  joinWords(failedDrills(drill).map((r) => r.name));
