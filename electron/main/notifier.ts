import type { BackupStatus } from '../shared/contract/schedule';
import { failedDrills } from '../shared/drill-words';
import { describeWhen } from './when';

export interface DesktopNotice {
  title: string;
  body: string;
}

/**
 * Turns successive backup statuses into desktop notifications: a failed run, a repository that became
 * overdue, and (if the user opted in) a successful backup. Only changes notify: the first status is
 * the baseline, except for repositories already overdue at start, which is exactly when to say so.
 */
export function createBackupNotifier(deps: {
  notify(notice: DesktopNotice): void;
  notifyOnSuccess(): boolean;
  now(): number;
}) {
  let previous: BackupStatus | null = null;

  return (status: BackupStatus): void => {
    const before = new Map(previous?.perRepository.map((r) => [r.name, r]) ?? []);
    const first = previous === null;
    let failureNotified = false;

    for (const repo of status.perRepository) {
      const old = before.get(repo.name);
      const result = repo.lastResult;
      const isNew = !first && result !== null && result.at !== old?.lastResult?.at;
      if (isNew && result.status === 'failed') {
        failureNotified = true;
        deps.notify({
          title: `Backup of ${repo.name} failed`,
          body: result.error ?? 'The backup did not complete. Open the Control Panel for details.',
        });
      } else if (isNew && result.status === 'ok' && deps.notifyOnSuccess()) {
        deps.notify({
          title: `Backup of ${repo.name} done`,
          body: result.file ? `Saved ${result.file}` : 'The backup was written and verified.',
        });
      }
      if (repo.overdue && (first || !old?.overdue)) {
        deps.notify({
          title: `${repo.name} has no recent backup`,
          body: repo.lastGoodAt
            ? `Its last good backup is from ${describeWhen(repo.lastGoodAt, deps.now())}.`
            : 'It has never been backed up successfully.',
        });
      }
    }

    // A failed restore drill is an alert like a failed backup: the backup it tested would not restore.
    const drillsBefore = new Map(previous?.drill?.results.map((r) => [r.name, r.at]) ?? []);
    for (const drill of failedDrills(status.drill)) {
      if (first || drillsBefore.get(drill.name) === drill.at) continue;
      deps.notify({
        title: `Restore test of ${drill.name} failed`,
        body: drill.error ?? 'Its newest backup did not restore. Open the Control Panel for details.',
      });
    }

    // A run can fail before any repository is tried (target folder missing, disk full).
    if (!first && !failureNotified && status.lastError && status.lastError !== previous?.lastError) {
      deps.notify({ title: 'Automatic backup failed', body: status.lastError });
    }
    previous = status;
  };
}
