import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
import { backupReportExit } from './backup';
import { formatBytes, formatDuration, jobJson, jobsFailure } from './backup-cli-format';
import type { CliCommand } from './index';

/**
 * `repo-server wait ID [--json]`: waits for a job or a backup run the running server knows (started with
 * `--no-wait`, or from the Control Panel), with its progress; exits as the job ended (0, 1, 5).
 */
export const waitCommand: CliCommand = {
  usage: 'wait    ID [--json]',
  summary: 'wait for a job or backup run on the running server (started with --no-wait) and its result',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    if (values._.length !== 1) throw new CliError('Give one job or run id, as --no-wait printed it.', 2);
    const id = values._[0]!;
    const output = new ProgressOutput(io, values.json === true);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Waiting' }, async (link) => {
      const watch = new JobWatch(link, io, output);
      try {
        const run = await link.call('getBackupRun', { runId: id });
        if (run.ok) return backupReportExit(await watch.run(id), values.json === true, io, output, watch);
        const job = await link.call('getJob', { jobId: id });
        if (!job.ok || (!job.value.progress && !job.value.result))
          throw new CliError(
            link.mode === 'server'
              ? `${link.servedBy} knows no job or backup run "${id}" (it keeps the last 100 jobs and 20 runs).`
              : `No server is running on this data directory, so no job "${id}" runs: jobs end with the server that ran them.`,
            EXIT.failed,
          );
        const [result] = await watch.jobs([id]);
        if (values.json) output.result({ jobs: [jobJson(result!)] });
        else if (result!.status === 'done')
          io.stdout.write(
            `${result!.kind} of ${result!.repository ?? result!.file}: done (${formatBytes(result!.sizeBytes)} in ${formatDuration(result!.durationMs)})${result!.file ? `, ${result!.file}` : ''}.\n`,
          );
        jobsFailure('Job', [result!], (r) => `${r.kind} of "${r.repository ?? r.file}"`);
        return EXIT.ok;
      } finally {
        watch.dispose();
      }
    });
  },
};
