import type { JobProgress } from '../../shared/contract/archives';
import type { OffsiteStatus } from '../../shared/contract/offsite';
import type { BackupStatus } from '../../shared/contract/schedule';
import { offsiteCopyName, offsiteRepositoryLine, offsiteSummary } from '../../shared/offsite-words';
import type { BackupSettings } from '../../shared/settings-schema';
import { progressLine } from '../job-watch';
import { drillHeadline } from '../../shared/drill-words';
import { formatBytes } from './backup-cli-format';

// How `schedule` and `status` print the auto-backup settings and status for a person.

const policyWords = (policy: BackupSettings['clientsPolicy'], grace: number) =>
  policy === 'keep-connected'
    ? 'keep connected (consistent snapshot while they work)'
    : grace > 0
      ? `disconnect while the snapshot is taken (notice ${grace} minute${grace === 1 ? '' : 's'} ahead)`
      : 'disconnect while the snapshot is taken';

export function stateLine(status: BackupStatus): string {
  if (status.state === 'off') return 'off';
  if (status.state === 'paused') return `paused until ${status.pausedUntil}`;
  return 'on';
}

/** Aligned "Label: value" lines. */
export function describeLines(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}\n`).join('');
}

export function settingsText(settings: BackupSettings, status: BackupStatus): string {
  return describeLines([
    ['Automatic backup', stateLine(status)],
    ['Schedule', status.description],
    ['Repositories', settings.repositories.length ? settings.repositories.join(', ') : '(none chosen)'],
    ['Target folder', settings.targetFolder || '(not set)'],
    ['Clients', policyWords(settings.clientsPolicy, settings.graceMinutes)],
    [
      'Keep',
      `the last ${settings.keepLast} verified backup${settings.keepLast === 1 ? '' : 's'} per repository`,
    ],
    ['Compression', settings.compression],
    ['Target timeout', `a job fails when the target does not answer for ${settings.targetTimeoutSeconds} s`],
    ['Catch up', settings.catchUp ? 'yes, once, after the computer slept or the app was closed' : 'no'],
    [
      'Restore tests',
      settings.drillEveryDays === null
        ? 'off'
        : `the newest backup of each repository, every ${settings.drillEveryDays} day${settings.drillEveryDays === 1 ? '' : 's'}`,
    ],
    ['Next run', status.nextRun ?? '-'],
  ]);
}

function drillLines(status: BackupStatus): Array<[string, string]> {
  const drill = status.drill;
  if (!drill) return [];
  const headline = drillHeadline(drill);
  return [
    [
      'Restore test',
      headline ? `${headline.replace(/^Last restore test: /, '')} (${drill.lastRunAt})` : 'none yet',
    ],
    ...(drill.nextRunAt ? ([['Next restore test', drill.nextRunAt]] as Array<[string, string]>) : []),
  ];
}

export function statusText(status: BackupStatus): string {
  let text = describeLines([
    ['Automatic backup', stateLine(status)],
    ['Schedule', status.description],
    ['Target folder', status.targetFolder || '(not set)'],
    ['Clients', policyWords(status.clientsPolicy, status.graceMinutes)],
    ['Next run', status.nextRun ?? '-'],
    ...(status.running
      ? ([
          [
            'Running',
            `${status.running.trigger} run since ${status.running.startedAt}: ` +
              `${status.running.repository ?? '…'} (${status.running.index + 1} of ${status.running.total})` +
              (status.running.progress ? ` — ${progressLine(status.running.progress)}` : ''),
          ],
        ] as Array<[string, string]>)
      : []),
    ...(status.lastError ? ([['Last error', status.lastError]] as Array<[string, string]>) : []),
    ...(status.retryAt ? ([['Retry at', status.retryAt]] as Array<[string, string]>) : []),
    ...drillLines(status),
  ]);
  if (status.perRepository.length === 0) return text;
  const rows = [
    ['REPOSITORY', 'LAST RESULT', 'AT', 'SIZE', 'LAST GOOD', 'OVERDUE'],
    ...status.perRepository.map((r) => [
      r.name,
      r.lastResult ? r.lastResult.status : 'never',
      r.lastResult?.at ?? '-',
      formatBytes(r.lastResult?.sizeBytes ?? null),
      r.lastGoodAt ?? '-',
      r.overdue ? 'OVERDUE' : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  text += '\n';
  for (const row of rows)
    text +=
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n';
  for (const r of status.perRepository) {
    if (r.lastResult?.status !== 'ok' && r.lastResult?.error) text += `  ${r.name}: ${r.lastResult.error}\n`;
  }
  return text;
}

/** `status` for a person: where it reads from, the backup status, the jobs and queue, the offsite copies. */
export function liveStatusText(live: {
  status: BackupStatus;
  jobs: JobProgress[];
  offsite: OffsiteStatus;
  servedBy: string | null;
  source: 'server' | 'history';
}): string {
  const { status, jobs, offsite, servedBy, source } = live;
  const running = jobs.filter((j) => j.phase !== 'queued');
  const queued = jobs.filter((j) => j.phase === 'queued');
  const iso = (at: string) => at;
  return (
    describeLines([
      [
        'Source',
        source === 'server'
          ? `live, from ${servedBy}`
          : servedBy
            ? `the recorded history (${servedBy} holds this data directory but cannot be asked)`
            : 'the recorded history (no server is running on this data directory)',
      ],
    ]) +
    statusText(status) +
    (running.length || queued.length
      ? describeLines([
          ...running.map((j): [string, string] => [`Job ${j.jobId}`, progressLine(j)]),
          ...queued.map((j): [string, string] => [`Queued ${j.jobId}`, progressLine(j)]),
        ])
      : '') +
    (offsite.enabled || offsite.pending > 0
      ? `Offsite: ${offsiteSummary(offsite, iso)}\n` +
        offsite.perRepository
          .map((r) => `  ${offsiteCopyName(r)}: ${offsiteRepositoryLine(offsite, r, iso)}\n`)
          .join('')
      : '') +
    (servedBy
      ? `Served by ${servedBy}.\n`
      : 'No server is running on this data directory: scheduled backups run only while ' +
        '"repo-server serve" or the desktop app runs.\n')
  );
}
