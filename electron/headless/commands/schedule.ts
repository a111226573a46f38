import { DAYS, type BackupSettings, type Day } from '../../shared/settings-schema';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import type { CliCommand } from './index';
import { settingsText } from './schedule-cli-format';

const list = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

const FULL_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** "mon,tue" or "Monday,Tuesday". */
function parseDays(value: string): Day[] {
  return list(value).map((raw) => {
    const lower = raw.toLowerCase();
    const index = Math.max(DAYS.indexOf(lower as Day), FULL_DAYS.indexOf(lower));
    if (index < 0)
      throw new CliError(`--days takes days such as mon,tue,wed,thu,fri,sat,sun; "${raw}" is not one.`, 2);
    return DAYS[index]!;
  });
}

function parseWhole(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n))
    throw new CliError(`${flag} must be a whole number, not "${value}".`, 2);
  return n;
}

/** The settings after applying the flags given; null when no flag asks for a change. */
function applyFlags(current: BackupSettings, values: Record<string, unknown>): BackupSettings | null {
  if (values.enable && values.disable) throw new CliError('Use --enable or --disable, not both.', 2);
  const next: BackupSettings = { ...current };
  let changed = false;
  const set = <K extends keyof BackupSettings>(key: K, value: BackupSettings[K]) => {
    next[key] = value;
    changed = true;
  };
  if (values.enable) set('enabled', true);
  if (values.disable) set('enabled', false);
  if (typeof values.repos === 'string') set('repositories', list(values.repos));
  if (typeof values.days === 'string') set('days', parseDays(values.days));
  if (typeof values.times === 'string') set('times', list(values.times));
  if (typeof values.target === 'string') set('targetFolder', values.target);
  if (typeof values.policy === 'string') {
    if (values.policy !== 'keep-connected' && values.policy !== 'disconnect')
      throw new CliError(`--policy is keep-connected or disconnect, not "${values.policy}".`, 2);
    set('clientsPolicy', values.policy);
  }
  if (typeof values.grace === 'string') set('graceMinutes', parseWhole(values.grace, '--grace'));
  if (typeof values.keep === 'string') set('keepLast', parseWhole(values.keep, '--keep'));
  if (typeof values.timeout === 'string')
    set('targetTimeoutSeconds', parseWhole(values.timeout, '--timeout'));
  if (typeof values['drill-every'] === 'string')
    set(
      'drillEveryDays',
      values['drill-every'] === 'off' ? null : parseWhole(values['drill-every'], '--drill-every'),
    );
  return changed ? next : null;
}

/**
 * `repo-server schedule [--enable|--disable] [--repos A,B] [--days mon,tue] [--times 12:30,22:00]
 * [--target DIR] [--policy keep-connected|disconnect] [--grace MIN] [--keep N] [--timeout S]
 * [--drill-every DAYS|off] [--json]`: shows the
 * auto-backup settings, or changes them with the same validation as the Control Panel.
 */
export const scheduleCommand: CliCommand = {
  usage: 'schedule [--enable|--disable] [OPTIONS] [--json]',
  summary:
    'show or change the automatic backup; OPTIONS: --repos A,B --days mon,tue --times 12:30,22:00 ' +
    '--target DIR --policy keep-connected|disconnect --grace MIN --keep N --timeout SECONDS ' +
    '(how long a target folder may not answer before the job fails) --drill-every DAYS|off ' +
    '(test-restore the newest backups every DAYS days)',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, {
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      repos: { type: 'string' },
      days: { type: 'string' },
      times: { type: 'string' },
      target: { type: 'string' },
      policy: { type: 'string' },
      grace: { type: 'string' },
      keep: { type: 'string' },
      timeout: { type: 'string' },
      'drill-every': { type: 'string' },
      json: { type: 'boolean' },
    });
    return withContractLink(dataDir!, { beside: 'in-process', what: 'The schedule' }, async (link) => {
      const next = applyFlags(await callOrFail(link, 'getBackupSettings'), values);
      if (next) {
        const saved = await link.call('saveBackupSettings', next);
        if (!saved.ok) {
          const fields = Object.entries(saved.error.fields ?? {});
          throw new CliError(
            fields.length > 0
              ? `The schedule was not saved: ${fields.map(([field, message]) => `${field}: ${message}`).join('; ')}`
              : saved.error.message,
            EXIT.failed,
          );
        }
      }
      const settings = await callOrFail(link, 'getBackupSettings');
      const status = await callOrFail(link, 'getBackupStatus');
      if (values.json) {
        io.stdout.write(
          JSON.stringify({ settings, description: status.description, nextRun: status.nextRun }) + '\n',
        );
      } else {
        if (next)
          io.stdout.write(
            'Saved. A running "repo-server serve" for this data directory applies it at once.\n',
          );
        io.stdout.write(settingsText(settings, status));
      }
      return EXIT.ok;
    });
  },
};
