import path from 'node:path';
import { ConflictPolicy } from '../../shared/contract/archives';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { refuseNoWaitInProcess, startInCalls, startedOnlyJobs } from './backup';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
import { jobsFailure, formatDuration, jobJson } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server import FILE... [--as NAME] [--on-conflict …] [--no-history] [--no-wait] [--json]`. */
export const importCommand: CliCommand = {
  usage:
    'import  FILE... [--as NAME] [--on-conflict fail|rename|merge|replace] [--no-history] [--no-wait] [--json]',
  summary: 'restore repositories from archive files',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      {
        as: { type: 'string' },
        'on-conflict': { type: 'string' },
        'no-history': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    if (values._.length === 0) throw new CliError('Name at least one archive file to import.', 2);
    const targetName = values.as as string | undefined;
    if (targetName !== undefined && values._.length > 1) {
      throw new CliError('--as names one repository: import one file at a time with it.', 2);
    }
    const policy = ConflictPolicy.safeParse(values['on-conflict'] ?? 'fail');
    if (!policy.success) {
      throw new CliError(
        `--on-conflict must be fail, rename, merge or replace, not "${values['on-conflict']}".`,
        2,
      );
    }
    const output = new ProgressOutput(io, values.json === true);
    // Restoring swaps repository files: beside a server that cannot be asked (the desktop app), it is refused.
    return withContractLink(dataDir!, { beside: 'refuse', what: 'A restore' }, async (link) => {
      const items = values._.map((f) => ({
        file: path.resolve(f),
        targetName,
        onConflict: policy.data,
        includeHistory: !values['no-history'],
      }));
      // The running server restores them one at a time (the import lane); the ids are for `wait`.
      if (values['no-wait']) {
        refuseNoWaitInProcess(link);
        const jobs = await startInCalls(items, (chunk) =>
          callOrFail(link, 'startImport', { items: chunk, trigger: 'cli' }),
        );
        return startedOnlyJobs(io, values.json === true, jobs);
      }
      const watch = new JobWatch(link, io, output);
      try {
        const results = [];
        for (const file of values._.map((f) => path.resolve(f))) {
          const { jobs } = await callOrFail(link, 'startImport', {
            items: [{ file, targetName, onConflict: policy.data, includeHistory: !values['no-history'] }],
            trigger: 'cli',
          });
          const [result] = await watch.jobs(jobs.map((j) => j.jobId));
          results.push(result!);
          if (!values.json && result!.status === 'done') {
            io.stdout.write(
              `Restored ${result!.file} as "${result!.restoredAs}" in ${formatDuration(result!.durationMs)}.\n`,
            );
          }
          if (result!.status === 'cancelled') break;
        }
        if (values.json) output.result({ jobs: results.map(jobJson) });
        jobsFailure('Import of', results, (r) => r.file ?? '?');
        return EXIT.ok;
      } finally {
        watch.dispose();
      }
    });
  },
};
