import { toLocalIso } from '../../core/clock';
import { JobProgress } from '../../shared/contract/archives';
import { ServerStatus } from '../../shared/contract/clients';
import { OffsiteStatus } from '../../shared/contract/offsite';
import { BackupStatus, type RepositoryBackupState } from '../../shared/contract/schedule';
import type { ShellState } from '../shell-state';

// Statuses as the core sends them, parsed by the contract's schemas so a test cannot build a shape the
// core would never send.

export function serverStatus(patch: Partial<ServerStatus> = {}): ServerStatus {
  return ServerStatus.parse({
    state: 'running',
    host: '127.0.0.1',
    port: 53400,
    addresses: ['ws://127.0.0.1:53400/v1/repositories/<name>'],
    startedAt: '2026-11-23T08:00:00.000+00:00',
    sessionCount: 2,
    accessTokenRequiredFrom: 'other-machines',
    lastError: null,
    ...patch,
  });
}

export function repoState(name: string, patch: Partial<RepositoryBackupState> = {}): RepositoryBackupState {
  return { name, lastResult: null, lastGoodAt: null, overdue: false, ...patch };
}

export function backupStatus(patch: Partial<BackupStatus> = {}): BackupStatus {
  return BackupStatus.parse({
    state: 'on',
    pausedUntil: null,
    description: 'Mon–Fri at 22:00',
    repositories: ['Sales', 'Billing'],
    targetFolder: '/var/backups/repositories',
    clientsPolicy: 'keep-connected',
    graceMinutes: 0,
    nextRun: null,
    running: null,
    retryAt: null,
    lastError: null,
    perRepository: [repoState('Sales'), repoState('Billing')],
    ...patch,
  });
}

export function job(patch: Partial<JobProgress> = {}): JobProgress {
  return JobProgress.parse({
    jobId: 'job-1',
    kind: 'backup',
    repository: 'Sales',
    file: null,
    phase: 'compressing',
    bytesDone: 450,
    bytesTotal: 1000,
    etaSeconds: 3,
    ...patch,
  });
}

export function offsiteStatus(patch: Partial<OffsiteStatus> = {}): OffsiteStatus {
  return OffsiteStatus.parse({
    enabled: true,
    destination: 'sftp://backup@vault.example:22/copies',
    pending: 0,
    failingSince: null,
    lastError: null,
    nextAttemptAt: null,
    alert: false,
    alertAfterHours: 24,
    current: null,
    perRepository: [
      { name: 'Sales', lastCopiedAt: null, checkedBy: null, pending: 0, alert: false },
      { name: 'Billing', lastCopiedAt: null, checkedBy: null, pending: 0, alert: false },
    ],
    ...patch,
  });
}

export function shellState(patch: Partial<ShellState> = {}): ShellState {
  return { server: serverStatus(), backup: backupStatus(), offsite: null, jobs: [], ...patch };
}

/** Local wall-clock time as the core writes it (ISO 8601 with this machine's offset). */
export const localIso = (year: number, month: number, day: number, hour: number, minute: number): string =>
  toLocalIso(new Date(year, month - 1, day, hour, minute).getTime());

export const localMs = (year: number, month: number, day: number, hour: number, minute: number): number =>
  new Date(year, month - 1, day, hour, minute).getTime();

/** A restore drill status with these repositories' newest results. */
export function drillStatus(
  results: Array<{ name: string; status: 'ok' | 'failed' | 'cancelled'; at: string; error?: string }>,
) {
  return {
    everyDays: 7,
    lastRunAt: results.at(-1)?.at ?? null,
    nextRunAt: null,
    running: null,
    results: results.map((r) => ({ file: `/var/backups/${r.name}.zip`, error: null, ...r })),
  };
}
