import path from 'node:path';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { refuseNoWaitInProcess, startedOnlyJobs } from './backup';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
import { jobsFailure, formatBytes, formatDuration, jobJson } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server export NAME... --to DIR [--no-history] [--no-wait] [--json]`: one archive per repository. */
export const exportCommand: CliCommand = {
  usage: 'export  NAME... --to DIR [--no-history] [--no-wait] [--json]',
  summary: 'export repositories to archive files',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      {
        to: { type: 'string' },
        'no-history': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    if (values._.length === 0) throw new CliError('Name at least one repository to export.', 2);
    const folder = values.to as string | undefined;
    if (!folder) throw new CliError('--to DIR is required: the folder the archives are written to.', 2);
    const output = new ProgressOutput(io, values.json === true);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'An export' }, async (link) => {
      // The running server writes them on; the ids are for `wait`.
      if (values['no-wait']) {
        refuseNoWaitInProcess(link);
        const { jobs } = await callOrFail(link, 'startExport', {
          repositories: values._,
          destination: { kind: 'folder', folder: path.resolve(folder) },
          includeHistory: !values['no-history'],
          trigger: 'cli',
        });
        return startedOnlyJobs(io, values.json === true, jobs);
      }
      const watch = new JobWatch(link, io, output);
      try {
        // One after the other, so a disk or network share is not written to twice at once.
        const results = [];
        for (const repository of values._) {
          const { jobs } = await callOrFail(link, 'startExport', {
            repositories: [repository],
            // The user's folder, not the server's: a relative path is read against this shell's.
            destination: { kind: 'folder', folder: path.resolve(folder) },
            includeHistory: !values['no-history'],
            trigger: 'cli',
          });
          const [result] = await watch.jobs(jobs.map((j) => j.jobId));
          results.push(result!);
          if (!values.json && result!.status === 'done') {
            io.stdout.write(
              `Exported "${repository}" to ${result!.file} (${formatBytes(result!.sizeBytes)} in ${formatDuration(result!.durationMs)}).\n`,
            );
          }
          if (result!.status === 'cancelled') break;
        }
        if (values.json) output.result({ jobs: results.map(jobJson) });
        jobsFailure('Export of', results, (r) => `"${r.repository}"`);
        return EXIT.ok;
      } finally {
        watch.dispose();
      }
    });
  },
};
