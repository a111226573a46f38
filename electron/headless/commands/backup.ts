import { isAppFailure } from '../../shared/result';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import { failureLine, formatBytes, formatDuration } from './backup-cli-format';
import type { CliCommand } from './index';

/**
 * `repo-server backup [NAME...] [--json]`: the configured automatic backup, now: into its target folder,
 * verified, with retention; all selected repositories or the ones named.
 */
export const backupCommand: CliCommand = {
  usage: 'backup  [NAME...] [--json]',
  summary: 'run the configured backup now',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    const server = await openServer(dataDir!);
    try {
      let started;
      try {
        started = server.scheduler.runNow('cli', values._.length > 0 ? values._ : undefined);
      } catch (error) {
        if (isAppFailure(error)) throw new CliError(error.message, error.code === 'INVALID_ARGUMENT' ? 2 : 1);
        throw error;
      }
      const report = await started.done;
      if (values.json) {
        io.stdout.write(JSON.stringify(report.outcomes, null, 2) + '\n');
      } else {
        for (const o of report.outcomes) {
          if (o.status !== 'ok') continue;
          const pruned = o.deleted.length ? `; removed ${o.deleted.length} older backup(s)` : '';
          io.stdout.write(
            `Backed up "${o.repository}" to ${o.file} (${formatBytes(o.sizeBytes)} in ${formatDuration(o.durationMs)}, verified${pruned}).\n`,
          );
        }
      }
      const failed = failureLine(
        'Backup of',
        report.outcomes
          .filter((o) => o.status !== 'ok')
          .map((o) => ({ label: `"${o.repository}"`, message: o.error ?? o.status })),
      );
      if (failed) throw new CliError(failed, 1);
      return 0;
    } finally {
      await server.stop();
    }
  },
};
