import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import { failureLine, formatBytes, formatDuration, jobJson } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server export NAME... --to DIR [--no-history] [--json]`: one archive per repository. */
export const exportCommand: CliCommand = {
  usage: 'export  NAME... --to DIR [--no-history] [--json]',
  summary: 'export repositories to archive files',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      { to: { type: 'string' }, 'no-history': { type: 'boolean' }, json: { type: 'boolean' } },
      true,
    );
    if (values._.length === 0) throw new CliError('Name at least one repository to export.', 2);
    const folder = values.to as string | undefined;
    if (!folder) throw new CliError('--to DIR is required: the folder the archives are written to.', 2);
    const server = await openServer(dataDir!);
    try {
      // One after the other, so a disk or network share is not written to twice at once.
      const results = [];
      for (const repository of values._) {
        const job = server.backups.startExportJob({
          repository,
          destination: { kind: 'folder', folder },
          includeHistory: !values['no-history'],
          trigger: 'cli',
        });
        const result = await job.done;
        results.push(result);
        if (!values.json && result.status === 'done') {
          io.stdout.write(
            `Exported "${repository}" to ${result.file} (${formatBytes(result.sizeBytes)} in ${formatDuration(result.durationMs)}).\n`,
          );
        }
      }
      if (values.json) io.stdout.write(JSON.stringify(results.map(jobJson), null, 2) + '\n');
      const failed = failureLine(
        'Export of',
        results
          .filter((r) => r.error)
          .map((r) => ({ label: `"${r.repository}"`, message: r.error!.message })),
      );
      if (failed) throw new CliError(failed, 1);
      return 0;
    } finally {
      await server.stop();
    }
  },
};
