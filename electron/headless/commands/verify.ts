import path from 'node:path';
import type { JobResult } from '../../shared/contract/archives';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
import { formatDuration, jobsFailure } from './backup-cli-format';
import { refuseNoWaitInProcess, startInCalls, startedOnlyJobs } from './backup';
import type { CliCommand } from './index';

/**
 * `repo-server verify FILE... [--no-wait] [--json]`: manifest, sizes, SHA-256 and the snapshot's
 * integrity, each file a job (progress on stderr, Ctrl-C cancels, 5 when cancelled); with --no-wait the
 * running server carries them on and the job ids are printed for `wait`.
 */
export const verifyCommand: CliCommand = {
  usage: 'verify  FILE... [--no-wait] [--json]',
  summary: 'check archive files fully (--no-wait: job ids for `wait`, a running server only)',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      { json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
      true,
    );
    if (values._.length === 0) throw new CliError('Name at least one archive file to verify.', 2);
    const files = values._.map((f) => path.resolve(f));
    const json = values.json === true;
    return withContractLink(dataDir!, { beside: 'in-process', what: 'A verification' }, async (link) => {
      if (values['no-wait']) {
        refuseNoWaitInProcess(link);
        const jobs = await startInCalls(files, (chunk) =>
          callOrFail(link, 'startVerify', { files: chunk, trigger: 'cli' }),
        );
        return startedOnlyJobs(io, json, jobs);
      }
      const output = new ProgressOutput(io, json);
      const watch = new JobWatch(link, io, output);
      try {
        const archives = [];
        const results: JobResult[] = [];
        // One after the other: each extracts a full snapshot into the data directory.
        for (const file of files) {
          const { jobs } = await callOrFail(link, 'startVerify', { files: [file], trigger: 'cli' });
          const [result] = await watch.jobs(jobs.map((j) => j.jobId));
          results.push(result!);
          if (result!.status === 'cancelled') break;
          // What the archive holds, from its manifest (read again: the job says only how it ended).
          const [preview] = await callOrFail(link, 'previewArchives', { files: [file] });
          const manifest = preview?.manifest ?? null;
          archives.push({
            file,
            verified: result!.status === 'done',
            manifest,
            error: result!.error,
            durationMs: result!.durationMs,
          });
          if (!json && result!.status === 'done' && manifest)
            io.stdout.write(
              `Verified ${file}: "${manifest.repository.name}", ${manifest.itemCount} items, ${manifest.revisionCount} revisions, ` +
                `taken ${manifest.startedAt} (${formatDuration(result!.durationMs)}).\n`,
            );
        }
        if (json) output.result({ archives });
        jobsFailure('Verification of', results, (r) => r.file ?? 'an archive');
        return EXIT.ok;
      } finally {
        watch.dispose();
      }
    });
  },
};
