import { describe, expect, it } from 'vitest';
import {
  copyKindOf,
  lateCopyNames,
  offsiteCopyName,
  offsiteRepositoryLine,
  offsiteSummary,
} from '../../shared/offsite-words';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import { OffsiteSettings } from '../../shared/settings-schema';
import type { CopyRow } from './copy-queue';
import { buildOffsiteStatus } from './offsite-status';

// The status at a glance and its words: a copy pending longer than the threshold is an alert.

const HOUR = 3_600_000;
const now = Date.parse('2026-11-20T12:00:00+01:00');
const settings = OffsiteSettings.parse({ enabled: true, host: 'backup.example.com', alertAfterHours: 24 });
const row = (patch: Partial<CopyRow>): CopyRow => ({
  id: 1,
  copyId: 'c',
  historyId: 1,
  repository: 'Orders',
  repositoryId: 'id-orders',
  archiveStartedAt: '2026-11-19T22:00:00+01:00',
  localFile: '/b/Orders_2026-11-19-22-00-00.zip',
  sizeBytes: 10,
  sha256: 'x'.repeat(64),
  destination: 'sftp://backup@backup.example.com:22/~/b',
  remoteName: null,
  state: 'pending',
  attempts: 1,
  uploadedBytes: 0,
  nextAttemptAt: now + 60_000,
  firstFailedAt: now - 2 * HOUR,
  error: 'The offsite server backup.example.com:22 refused the connection (nothing listens there).',
  errorCode: 'UNREACHABLE',
  checkedBy: null,
  remoteMtime: null,
  queuedAt: now - 2 * HOUR,
  copiedAt: null,
  ...patch,
});
const time = (iso: string) => new Date(iso).toISOString().slice(11, 16);
const status = (waiting: CopyRow[], lastCopied = new Map<string, CopyRow>()) =>
  buildOffsiteStatus({
    now,
    settings,
    destination: 'sftp://backup@backup.example.com:22/~/b',
    repositories: ['Orders', 'Billing'],
    waiting,
    lastCopied,
    current: null,
    failingSince: null,
    lastError: null,
  });

describe('offsite status', () => {
  it('pending copies say for what they wait and since when; not yet an alert', () => {
    const s = status([row({}), row({ id: 2, repository: 'Billing', firstFailedAt: null })]);
    expect(s).toMatchObject({ pending: 2, alert: false, lastError: { code: 'UNREACHABLE' } });
    expect(offsiteSummary(s, time)).toBe(`2 copies pending, host unreachable since ${time(s.failingSince!)}`);
    expect(offsiteRepositoryLine(s, s.perRepository[0]!, time)).toBe(
      `offsite: 1 copy pending, host unreachable since ${time(s.failingSince!)}`,
    );
  });

  it('a copy pending longer than the threshold is an alert for its repository only', () => {
    const s = status([row({ queuedAt: now - 25 * HOUR }), row({ id: 2, repository: 'Billing' })]);
    expect(s.alert).toBe(true);
    expect(s.perRepository.map((r) => [r.name, r.alert])).toEqual([
      ['Orders', true],
      ['Billing', false],
    ]);
  });

  it('all copied: the newest copy and that it was checked', () => {
    const copied = row({ state: 'copied', copiedAt: now - HOUR, checkedBy: 'remote-command', error: null });
    const s = status([], new Map([['Orders', copied]]));
    expect(s).toMatchObject({ pending: 0, alert: false, failingSince: null, lastError: null });
    expect(offsiteRepositoryLine(s, s.perRepository[0]!, time)).toBe(
      `offsite: copied ${time(s.perRepository[0]!.lastCopiedAt!)}, checked`,
    );
    expect(offsiteRepositoryLine(s, s.perRepository[1]!, time)).toBe('offsite: no copy yet');
    expect(offsiteSummary(s, time)).toMatch(/^all copied, last \d\d:\d\d, checked$/);
  });

  it('the server configuration has its own line, after the repositories, in words a person reads', () => {
    const config = row({
      id: 3,
      repository: CONFIG_ARCHIVE_NAME,
      repositoryId: 'server-id',
      localFile: `/b/${CONFIG_ARCHIVE_NAME}_2026-11-19-22-00-00.zip`,
      queuedAt: now - 25 * HOUR,
    });
    const s = buildOffsiteStatus({
      now,
      settings,
      destination: 'sftp://backup@backup.example.com:22/~/b',
      repositories: ['Orders'],
      waiting: [config, row({ id: 4, repository: 'Zeta' })],
      lastCopied: new Map(),
      current: {
        repository: CONFIG_ARCHIVE_NAME,
        phase: 'uploading',
        bytesDone: 1,
        bytesTotal: 4,
      },
      failingSince: null,
      lastError: null,
    });
    expect(s.perRepository.map((r) => [r.name, copyKindOf(r.name), r.pending, r.alert])).toEqual([
      ['Orders', 'repository', 0, false],
      ['Zeta', 'repository', 1, false],
      [CONFIG_ARCHIVE_NAME, 'configuration', 1, true],
    ]);
    expect(s.perRepository.map(offsiteCopyName)).toEqual(['Orders', 'Zeta', 'Server configuration']);
    expect(lateCopyNames(s)).toEqual(['Server configuration']);
    expect(offsiteSummary(s, time)).toBe('copying Server configuration, 25 %; 2 copies pending');
  });
});
