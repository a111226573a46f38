import path from 'node:path';
import { ServerId, type RecoveryReport } from '../../shared/contract/recovery';
import { isAppFailure } from '../../shared/result';
import { refuseIfServed } from '../../core/data-dir-lock';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import { EXIT, exitCodeOf } from '../exit-codes';
import { failureLine } from './backup-cli-format';
import type { CliCommand } from './index';

/** "2026-11-20", "2026-11-20 22:00", "2026-11-20T22:00:30" (local time), or ISO 8601 with an offset. */
export function parseAt(text: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  const ms = local
    ? new Date(
        Number(local[1]),
        Number(local[2]) - 1,
        Number(local[3]),
        local[4] === undefined ? 23 : Number(local[4]),
        local[5] === undefined ? 59 : Number(local[5]),
        local[6] === undefined ? (local[4] === undefined ? 59 : 0) : Number(local[6]),
        local[4] === undefined ? 999 : 0,
      ).getTime()
    : /[zZ]|[+-]\d{2}:\d{2}$/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (!Number.isFinite(ms))
    throw new CliError(
      `--at takes a date and time such as "2026-11-20 22:00" (local time) or 2026-11-20T22:00:00+01:00, not "${text}".`,
      EXIT.usage,
    );
  return ms;
}

/** The summary a person reads: what was restored from when, and what could not be. */
export function recoveryText(report: RecoveryReport): string {
  const lines = [
    `Recovered from ${report.from}${report.at ? ` (archives from ${report.at} or earlier)` : ''}:`,
  ];
  if (report.configuration) {
    lines.push(
      `  Configuration from ${report.configuration.startedAt} (${path.basename(report.configuration.file)}): ` +
        'repositories, schedule, clients policy and offsite settings.',
      ...report.configuration.leftOut.map((what) => `    left out: ${what}`),
    );
  } else lines.push('  No configuration backup was found: the settings are the defaults.');
  for (const r of report.restored) {
    lines.push(
      `  Restored "${r.name}" from ${path.basename(r.file)} (${r.startedAt}): ${r.itemCount} items, ${r.revisionCount} revisions.`,
    );
    for (const newer of r.olderThanNewest ?? []) lines.push(`    a newer archive did not restore: ${newer}`);
  }
  for (const r of report.notRestored) lines.push(`  Not restored: "${r.name}": ${r.reason}.`);
  for (const skipped of report.skipped.slice(0, 20))
    lines.push(`  Left alone: ${path.basename(skipped.file)}: ${skipped.reason}`);
  if (report.skipped.length > 20)
    lines.push(`  … and ${report.skipped.length - 20} more .zip files left alone.`);
  return lines.join('\n') + '\n';
}

/**
 * `repo-server recover --from DIR [--at TIME] [--json]`: a fresh data directory gets back the server's
 * configuration and the newest verified archive of every repository. It runs in this process: a
 * recovery is for a data directory no server holds yet.
 */
export const recoverCommand: CliCommand = {
  usage: 'recover --from DIR [--at TIME] [--server ID] [--json]',
  summary: 'recover a fresh data directory from a backup folder (configuration and every repository)',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, {
      from: { type: 'string' },
      at: { type: 'string' },
      server: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (typeof values.from !== 'string' || values.from.trim() === '')
      throw new CliError('Name the backup folder to recover from: --from DIR.', EXIT.usage);
    const at = typeof values.at === 'string' ? parseAt(values.at) : undefined;
    let server: string | undefined;
    if (values.server !== undefined) {
      const parsed = ServerId.safeParse(values.server);
      if (!parsed.success) throw new CliError(`--server: ${parsed.error.issues[0]!.message}`, EXIT.usage);
      server = parsed.data;
    }
    refuseIfServed(dataDir!, 'A recovery');
    const opened = await openServer(dataDir!);
    try {
      let started;
      try {
        started = opened.recovery.start({ from: path.resolve(values.from), at, server }, 'cli');
      } catch (error) {
        if (isAppFailure(error)) throw new CliError(error.message, exitCodeOf(error.code));
        throw error;
      }
      // Ctrl-C cancels: what was restored so far is undone, the data dir is fresh again.
      void io.untilStopped.then(() => opened.backups.jobs.cancel(started.jobId)).catch(() => {});
      const result = await started.done;
      if (result.error)
        throw new CliError(
          result.error.message,
          exitCodeOf(result.error.code as Parameters<typeof exitCodeOf>[0]),
        );
      const report = opened.recovery.report(started.jobId)!;
      io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : recoveryText(report));
      const failed = failureLine(
        'Recovery of',
        report.notRestored.map((r) => ({ label: `"${r.name}"`, message: r.reason })),
      );
      if (failed) throw new CliError(failed, EXIT.failed);
      return EXIT.ok;
    } finally {
      await opened.stop();
    }
  },
};
