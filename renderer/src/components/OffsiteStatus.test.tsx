import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OffsiteStatus } from '../../../electron/shared/contract/offsite';
import type { BackupStatus } from '../../../electron/shared/contract/schedule';
import { BackupAlerts } from './BackupStatusPanel';

// A copy that has waited longer than the threshold is an alert across the top, like an overdue backup.

const backup: BackupStatus = {
  state: 'on',
  pausedUntil: null,
  description: 'Every day at 22:00',
  repositories: ['Orders', 'Billing'],
  targetFolder: '/var/backups',
  clientsPolicy: 'keep-connected',
  graceMinutes: 0,
  nextRun: null,
  running: null,
  retryAt: null,
  lastError: null,
  perRepository: [],
};
const offsite = (alert: boolean): OffsiteStatus => ({
  enabled: true,
  destination: 'sftp://backup@backup.example.com:22/srv/b',
  pending: 2,
  failingSince: new Date(Date.now() - 30 * 3_600_000).toISOString(),
  lastError: { code: 'UNREACHABLE', message: 'refused' },
  nextAttemptAt: new Date(Date.now() + 10 * 60_000).toISOString(),
  alert,
  alertAfterHours: 24,
  current: null,
  perRepository: [
    { name: 'Orders', lastCopiedAt: null, checkedBy: null, pending: 1, alert },
    { name: 'Billing', lastCopiedAt: null, checkedBy: null, pending: 1, alert: false },
  ],
});

describe('the offsite alert', () => {
  it('names the repositories whose copy waits too long, why, and the next try', () => {
    render(<BackupAlerts status={backup} offsite={offsite(true)} />);
    const alert = screen.getByTestId('offsite-alert');
    expect(alert).toHaveTextContent(
      /^Offsite copies overdue: Orders has a backup waiting more than 24 h to leave this machine \(host unreachable since .+\)\. Next try in 9 min\.$/,
    );
  });

  it('says nothing while copies wait less than the threshold', () => {
    render(<BackupAlerts status={backup} offsite={offsite(false)} />);
    expect(screen.queryByTestId('offsite-alert')).toBeNull();
  });
});
