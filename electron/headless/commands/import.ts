import { ConflictPolicy } from '../../shared/contract/archives';
import { refuseIfServed } from '../../core/data-dir-lock';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import { failureLine, formatDuration, jobJson } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server import FILE... [--as NAME] [--on-conflict …] [--no-history] [--json]`. */
export const importCommand: CliCommand = {
  usage: 'import  FILE... [--as NAME] [--on-conflict fail|rename|merge|replace] [--no-history] [--json]',
  summary: 'restore repositories from archive files',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      {
        as: { type: 'string' },
        'on-conflict': { type: 'string' },
        'no-history': { type: 'boolean' },
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
    // Restoring swaps repository files: a running server would keep writing to the old ones.
    refuseIfServed(dataDir!, 'A restore');
    const server = await openServer(dataDir!);
    try {
      const results = [];
      for (const file of values._) {
        const job = server.backups.startImportJob(
          { file, targetName, onConflict: policy.data, includeHistory: !values['no-history'] },
          'cli',
        );
        const result = await job.done;
        results.push(result);
        if (!values.json && result.status === 'done') {
          io.stdout.write(
            `Restored ${result.file} as "${result.restoredAs}" in ${formatDuration(result.durationMs)}.\n`,
          );
        }
      }
      if (values.json) io.stdout.write(JSON.stringify(results.map(jobJson), null, 2) + '\n');
      const failed = failureLine(
        'Import of',
        results.filter((r) => r.error).map((r) => ({ label: r.file ?? '?', message: r.error!.message })),
      );
      if (failed) throw new CliError(failed, 1);
      return 0;
    } finally {
      await server.stop();
    }
  },
};
