import { describe, expect, it } from 'vitest';
import type { OffsiteStatus } from '../../shared/contract/offsite';
import type { BackupStatus } from '../../shared/contract/schedule';
import { liveStatusText } from './schedule-cli-format';

// `status` as a person reads it, from a status the server gave: the offsite line per repository uses the
// Control Panel's words (shared/offsite-words.ts).

const status: BackupStatus = {
  state: 'on',
  pausedUntil: null,
  description: 'Every day at 22:00',
  repositories: ['Alpha', 'Beta'],
  targetFolder: '/srv/backups',
  clientsPolicy: 'keep-connected',
  graceMinutes: 0,
  nextRun: '2026-12-02T22:00:00.000+00:00',
  running: null,
  retryAt: null,
  lastError: null,
  perRepository: [
    { name: 'Alpha', lastResult: null, lastGoodAt: null, overdue: false },
    { name: 'Beta', lastResult: null, lastGoodAt: null, overdue: false },
  ],
};

const offsite: OffsiteStatus = {
  enabled: true,
  destination: 'sftp://backup@vault:22/repo',
  pending: 2,
  failingSince: '2026-12-02T10:02:00.000+00:00',
  lastError: { code: 'UNREACHABLE', message: 'connect ECONNREFUSED' },
  nextAttemptAt: null,
  alert: false,
  alertAfterHours: 24,
  current: null,
  perRepository: [
    {
      name: 'Alpha',
      lastCopiedAt: '2026-12-02T09:31:00.000+00:00',
      checkedBy: 'remote-command',
      pending: 0,
      alert: false,
    },
    { name: 'Beta', lastCopiedAt: null, checkedBy: null, pending: 2, alert: false },
    {
      name: '@server-configuration',
      lastCopiedAt: '2026-12-02T09:32:00.000+00:00',
      checkedBy: 'remote-command',
      pending: 0,
      alert: false,
    },
  ],
};

describe('status text', () => {
  it('says the source, and per repository its offsite copy in the Control Panel’s words', () => {
    const text = liveStatusText({
      status,
      jobs: [],
      offsite,
      servedBy: 'repo-server serve (pid 7)',
      source: 'server',
    });
    expect(text).toMatch(/^Source: +live, from repo-server serve \(pid 7\)$/m);
    expect(text).toMatch(/^Offsite: 2 copies pending, .* since 2026-12-02T10:02:00\.000\+00:00$/m);
    expect(text).toContain('  Alpha: offsite: copied 2026-12-02T09:31:00.000+00:00, checked\n');
    expect(text).toMatch(/^ {2}Beta: offsite: 2 copies pending, .* since 2026-12-02T10:02/m);
    // The configuration archive's copy in words, never by its file name.
    expect(text).toContain(
      '  Server configuration: offsite: copied 2026-12-02T09:32:00.000+00:00, checked\n',
    );
    expect(text).not.toContain('@server-configuration');
  });

  it('leaves the offsite lines out while offsite copies are off and nothing waits', () => {
    const off = { ...offsite, enabled: false, pending: 0 };
    const text = liveStatusText({ status, jobs: [], offsite: off, servedBy: null, source: 'history' });
    expect(text).not.toContain('Offsite');
    expect(text).toMatch(/^Source: +the recorded history \(no server is running on this data directory\)$/m);
  });
});
