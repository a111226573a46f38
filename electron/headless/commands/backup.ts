import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
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
    const output = new ProgressOutput(io, values.json === true);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'A backup' }, async (link) => {
      const watch = new JobWatch(link, io, output);
      try {
        const { runId } = await callOrFail(link, 'runBackupNow', {
          repositories: values._.length > 0 ? values._ : undefined,
          trigger: 'cli',
        });
        const report = await watch.run(runId);
        if (values.json) output.result({ runId, outcomes: report.outcomes });
        else {
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
        const cancelled = watch.cancelAsked || report.outcomes.some((o) => o.status === 'cancelled');
        if (failed) throw new CliError(failed, cancelled ? EXIT.cancelled : EXIT.failed);
        if (report.error) throw new CliError(report.error, EXIT.failed);
        return EXIT.ok;
      } finally {
        watch.dispose();
      }
    });
  },
};
