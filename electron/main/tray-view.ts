import type { MenuItemConstructorOptions } from 'electron';
import { lateCopyNames, offsiteSummary, reasonWords } from '../shared/offsite-words';
import type { ShellState } from './shell-state';
import { failedDrillNames, failedDrills } from '../shared/drill-words';
import { describeWhen } from './when';

// What the tray shows for a state, as pure functions: the icon, the tooltip and the menu template.

export const TRAY_ICON_STATES = ['idle', 'backing-up', 'failed', 'paused', 'stopped'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export interface TrayActions {
  openControlPanel(): void;
  backUpNow(): void;
  pauseForDays(days: number): void;
  resumeBackups(): void;
  startServer(): void;
  stopServer(): void;
  quit(): void;
}

const isBackingUp = (s: ShellState) => s.backup?.running != null || s.jobs.some((j) => j.kind === 'backup');
const hasFailed = (s: ShellState) =>
  s.backup?.lastError != null ||
  (s.backup?.perRepository.some((r) => r.lastResult?.status === 'failed') ?? false) ||
  failedDrills(s.backup?.drill).length > 0;

/** The most urgent state wins: a running backup, then a failure, a stopped server, a pause. */
export function trayIconState(s: ShellState): TrayIconState {
  if (isBackingUp(s)) return 'backing-up';
  if (hasFailed(s)) return 'failed';
  if (s.server?.state === 'stopped') return 'stopped';
  if (s.backup?.state === 'paused') return 'paused';
  return 'idle';
}

function percent(done: number, total: number | null): string {
  return total ? ` ${Math.min(100, Math.floor((done / total) * 100))}%` : '';
}

/** One line about the client server. */
export function serverLine(s: ShellState): string {
  const server = s.server;
  if (!server) return 'Server: starting…';
  switch (server.state) {
    case 'running': {
      const clients = server.sessionCount === 1 ? '1 client' : `${server.sessionCount} clients`;
      return `Server running on port ${server.port} · ${clients}`;
    }
    case 'stopped':
      return server.lastError ? `Server stopped: ${server.lastError}` : 'Server stopped';
    case 'starting':
      return 'Server starting…';
    case 'stopping':
      return 'Server stopping…';
  }
}

/** One line about automatic backup: what runs, what failed, or whether it is off or paused. */
export function backupLine(s: ShellState, now: number): string {
  const backup = s.backup;
  const job = s.jobs.find((j) => j.kind === 'backup') ?? backup?.running?.progress ?? null;
  if (backup?.running) {
    const { repository, index, total } = backup.running;
    const which = total > 1 ? ` (${index + 1} of ${total})` : '';
    return `Backing up ${repository ?? '…'}${which}${job ? percent(job.bytesDone, job.bytesTotal) : ''}`;
  }
  if (job) return `Backing up ${job.repository ?? '…'}${percent(job.bytesDone, job.bytesTotal)}`;
  if (!backup) return 'Automatic backup: loading…';
  if (backup.lastError) return `Last backup failed: ${backup.lastError}`;
  const failed = backup.perRepository.filter((r) => r.lastResult?.status === 'failed').map((r) => r.name);
  if (failed.length) return `Last backup failed: ${failed.join(', ')}`;
  if (failedDrills(backup.drill).length) return `Restore test failed: ${failedDrillNames(backup.drill)}`;
  const overdue = backup.perRepository.filter((r) => r.overdue).map((r) => r.name);
  if (overdue.length) return `Overdue: ${overdue.join(', ')}`;
  if (backup.state === 'off') return 'Automatic backup is off';
  if (backup.state === 'paused') {
    return backup.pausedUntil
      ? `Backups paused until ${describeWhen(backup.pausedUntil, now)}`
      : 'Backups paused';
  }
  return 'Backups OK';
}

/**
 * One line about offsite copies, or null while they are off with nothing waiting. A copy pending longer
 * than the threshold is an alert, said first, like an overdue backup; otherwise the Control Panel's words.
 */
export function offsiteLine(s: ShellState, now: number): string | null {
  const offsite = s.offsite;
  if (!offsite || (!offsite.enabled && offsite.pending === 0)) return null;
  const when = (iso: string) => describeWhen(iso, now);
  if (offsite.alert) {
    const late = lateCopyNames(offsite);
    const why = offsite.lastError
      ? ` (${reasonWords(offsite.lastError.code)}${offsite.failingSince ? ` since ${when(offsite.failingSince)}` : ''})`
      : '';
    return `Offsite copies overdue: ${late.join(', ') || 'a copy'}, waiting over ${offsite.alertAfterHours} h${why}`;
  }
  return `Offsite: ${offsiteSummary(offsite, when)}`;
}

export function nextBackupLine(s: ShellState, now: number): string {
  const backup = s.backup;
  if (!backup || backup.state === 'off') return 'Next backup: none scheduled';
  if (backup.retryAt) return `Retry: ${describeWhen(backup.retryAt, now)}`;
  return backup.nextRun ? `Next backup: ${describeWhen(backup.nextRun, now)}` : 'Next backup: none scheduled';
}

export function trayTooltip(s: ShellState, now: number): string {
  const offsite = s.offsite?.alert ? offsiteLine(s, now) : null;
  return [
    'Repository Server',
    backupLine(s, now),
    ...(offsite ? [offsite] : []),
    nextBackupLine(s, now),
  ].join('\n');
}

export function trayMenuTemplate(
  s: ShellState,
  actions: TrayActions,
  now: number,
): MenuItemConstructorOptions[] {
  const backup = s.backup;
  const running = isBackingUp(s);
  const server = s.server?.state;
  const pause: MenuItemConstructorOptions[] =
    backup?.state === 'paused'
      ? [{ id: 'resume', label: 'Resume Backups', click: () => actions.resumeBackups() }]
      : [1, 2].map((days) => ({
          id: `pause-${days}`,
          label: days === 1 ? 'Pause for 1 Day' : `Pause for ${days} Days`,
          enabled: backup?.state === 'on',
          click: () => actions.pauseForDays(days),
        }));
  const offsite = offsiteLine(s, now);
  const offsiteItem: MenuItemConstructorOptions[] = offsite
    ? [{ id: 'offsite-status', label: offsite, enabled: false }]
    : [];
  return [
    { id: 'server-status', label: serverLine(s), enabled: false },
    { id: 'backup-status', label: backupLine(s, now), enabled: false },
    ...offsiteItem,
    { id: 'next-backup', label: nextBackupLine(s, now), enabled: false },
    { type: 'separator' },
    {
      id: 'back-up-now',
      label: running ? 'Backing Up…' : 'Back Up Now',
      enabled: !running && (backup?.repositories.length ?? 0) > 0,
      click: () => actions.backUpNow(),
    },
    ...pause,
    { type: 'separator' },
    { id: 'open', label: 'Open Control Panel', click: () => actions.openControlPanel() },
    server === 'running' || server === 'stopping'
      ? {
          id: 'stop-server',
          label: 'Stop Server',
          enabled: server === 'running',
          click: () => actions.stopServer(),
        }
      : {
          id: 'start-server',
          label: 'Start Server',
          enabled: server === 'stopped',
          click: () => actions.startServer(),
        },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Repository Server', click: () => actions.quit() },
  ];
}
