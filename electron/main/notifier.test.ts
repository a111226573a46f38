import { describe, expect, it } from 'vitest';
import { createBackupNotifier, type DesktopNotice } from './notifier';
import { backupStatus, drillStatus, localIso, localMs, repoState } from './testing/statuses';

const NOW = localMs(2026, 11, 23, 9, 0);

function notifier(notifyOnSuccess = false) {
  const shown: DesktopNotice[] = [];
  const onStatus = createBackupNotifier({
    notify: (n) => shown.push(n),
    notifyOnSuccess: () => notifyOnSuccess,
    now: () => NOW,
  });
  return { shown, onStatus };
}

const result = (status: 'ok' | 'failed', at: string, extra: { file?: string; error?: string } = {}) => ({
  at,
  status,
  file: extra.file ?? null,
  sizeBytes: status === 'ok' ? 2048 : null,
  durationMs: 900,
  error: extra.error ?? null,
});

describe('backup notifications', () => {
  it('a failed repository backup notifies once, with the reason', () => {
    const { shown, onStatus } = notifier();
    onStatus(backupStatus());
    const failed = backupStatus({
      perRepository: [
        repoState('Sales', {
          lastResult: result('failed', localIso(2026, 11, 23, 8, 0), { error: 'The disk is full.' }),
        }),
      ],
      lastError: 'The disk is full.',
    });
    onStatus(failed);
    onStatus(failed); // the same status again (a progress tick, a settings change) says nothing new
    expect(shown).toEqual([{ title: 'Backup of Sales failed', body: 'The disk is full.' }]);
  });

  it('a run that fails before any repository (target missing) notifies from the run’s error', () => {
    const { shown, onStatus } = notifier();
    onStatus(backupStatus());
    onStatus(backupStatus({ lastError: 'The target folder /mnt/nas is not reachable.' }));
    expect(shown).toEqual([
      { title: 'Automatic backup failed', body: 'The target folder /mnt/nas is not reachable.' },
    ]);
  });

  it('success notifies only when the user opted in', () => {
    const ok = backupStatus({
      perRepository: [
        repoState('Sales', {
          lastResult: result('ok', localIso(2026, 11, 23, 8, 0), {
            file: '/b/Sales_2026-11-23-08-00-00.zip',
          }),
        }),
      ],
    });
    const quiet = notifier(false);
    quiet.onStatus(backupStatus());
    quiet.onStatus(ok);
    expect(quiet.shown).toEqual([]);
    const chatty = notifier(true);
    chatty.onStatus(backupStatus());
    chatty.onStatus(ok);
    expect(chatty.shown).toEqual([
      { title: 'Backup of Sales done', body: 'Saved /b/Sales_2026-11-23-08-00-00.zip' },
    ]);
  });

  it('old results seen at start do not notify; a repository overdue at start does', () => {
    const { shown, onStatus } = notifier(true);
    onStatus(
      backupStatus({
        perRepository: [
          repoState('Sales', { lastResult: result('failed', localIso(2026, 11, 20, 22, 0), { error: 'x' }) }),
          repoState('Billing', { overdue: true, lastGoodAt: localIso(2026, 11, 16, 22, 0) }),
          repoState('Archive', { overdue: true }),
        ],
        lastError: 'x',
      }),
    );
    expect(shown).toEqual([
      { title: 'Billing has no recent backup', body: 'Its last good backup is from Mon 16 Nov at 22:00.' },
      { title: 'Archive has no recent backup', body: 'It has never been backed up successfully.' },
    ]);
  });

  it('a repository becoming overdue notifies once, again only after it recovered', () => {
    const { shown, onStatus } = notifier();
    onStatus(backupStatus());
    onStatus(backupStatus({ perRepository: [repoState('Sales', { overdue: true })] }));
    onStatus(backupStatus({ perRepository: [repoState('Sales', { overdue: true })] }));
    onStatus(backupStatus({ perRepository: [repoState('Sales')] }));
    onStatus(backupStatus({ perRepository: [repoState('Sales', { overdue: true })] }));
    expect(shown.map((n) => n.title)).toEqual(['Sales has no recent backup', 'Sales has no recent backup']);
  });

  it('a failed restore test notifies once, with the reason; an OK one and old results at start do not', () => {
    const { shown, onStatus } = notifier();
    const at = localIso(2026, 11, 22, 3, 0);
    onStatus(backupStatus({ drill: drillStatus([{ name: 'Sales', status: 'failed', at, error: 'old' }]) }));
    const later = localIso(2026, 11, 23, 3, 0);
    const failed = backupStatus({
      drill: drillStatus([
        { name: 'Sales', status: 'ok', at: later },
        { name: 'Billing', status: 'failed', at: later, error: 'it fails SQLite’s integrity check' },
      ]),
    });
    onStatus(failed);
    onStatus(failed);
    expect(shown).toEqual([
      { title: 'Restore test of Billing failed', body: 'it fails SQLite’s integrity check' },
    ]);
  });
});
