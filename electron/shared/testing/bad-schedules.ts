import type { BackupSettings } from '../settings-schema';

// Bad backup schedules and the message each must get beside its field, from the contract (the core's
// saveBackupSettings), the CLI and the Schedule dialog alike: one table, run by the core's tests and the
// dialog's, so the two cannot drift apart.

export const GOOD_SCHEDULE: BackupSettings = {
  enabled: true,
  repositories: ['alpha'],
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  times: ['12:30', '22:00'],
  targetFolder: '/var/backups/repositories',
  clientsPolicy: 'keep-connected',
  graceMinutes: 0,
  keepLast: 7,
  compression: 'fast',
  catchUp: true,
  pausedUntil: null,
  targetTimeoutSeconds: 30,
  drillEveryDays: null,
};

export interface BadSchedule {
  name: string;
  change: Partial<BackupSettings>;
  /** The field the message belongs to ("times.1": the second time). */
  field: string;
  message: string;
}

export const BAD_SCHEDULES: BadSchedule[] = [
  { name: 'no days', change: { days: [] }, field: 'days', message: 'Choose at least one day of the week.' },
  { name: 'no times', change: { times: [] }, field: 'times', message: 'Add at least one time of day.' },
  {
    name: 'a time listed twice',
    change: { times: ['12:30', '12:30'] },
    field: 'times.1',
    message: '12:30 is listed twice.',
  },
  {
    name: 'a time like 25:00',
    change: { times: ['25:00'] },
    field: 'times.0',
    message: 'Use a 24-hour time such as 09:30 (00:00 to 23:59).',
  },
  {
    name: 'no repositories',
    change: { repositories: [] },
    field: 'repositories',
    message: 'Choose at least one repository to back up, or disable auto-backup.',
  },
  {
    name: 'no target folder',
    change: { targetFolder: '' },
    field: 'targetFolder',
    message: 'Choose the folder the backups are written to.',
  },
  {
    name: 'a relative target folder',
    change: { targetFolder: 'backups/nightly' },
    field: 'targetFolder',
    message: 'Enter a full path, such as /var/backups/repositories or D:\\Backups.',
  },
  {
    name: 'a control character in the folder',
    change: { targetFolder: '/var/back\u0007ups' },
    field: 'targetFolder',
    message: 'The folder path contains control characters; type it again.',
  },
  {
    name: 'keep 0',
    change: { keepLast: 0 },
    field: 'keepLast',
    message: 'Keep at least 1 backup per repository.',
  },
  {
    name: 'a warning 500 minutes ahead',
    change: { clientsPolicy: 'disconnect', graceMinutes: 500 },
    field: 'graceMinutes',
    message: 'Warn at most 120 minutes ahead.',
  },
];
