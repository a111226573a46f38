import path from 'node:path';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { ProgressOutput } from '../job-watch';
import { failureLine, formatDuration } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server verify FILE... [--json]`: manifest, sizes, SHA-256 and the snapshot's integrity. */
export const verifyCommand: CliCommand = {
  usage: 'verify  FILE... [--json]',
  summary: 'check archive files fully',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    if (values._.length === 0) throw new CliError('Name at least one archive file to verify.', 2);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'A verification' }, async (link) => {
      const results = [];
      for (const file of values._) {
        const [result] = await callOrFail(link, 'verifyArchives', {
          files: [path.resolve(file)],
          trigger: 'cli',
        });
        results.push(result!);
        if (!values.json && result!.verified) {
          const m = result!.manifest!;
          io.stdout.write(
            `Verified ${result!.file}: "${m.repository.name}", ${m.itemCount} items, ${m.revisionCount} revisions, ` +
              `taken ${m.startedAt} (${formatDuration(result!.durationMs)}).\n`,
          );
        }
      }
      if (values.json) new ProgressOutput(io, true).result({ archives: results });
      const failed = failureLine(
        'Verification of',
        results.filter((r) => r.error).map((r) => ({ label: r.file, message: r.error!.message })),
      );
      if (failed) throw new CliError(failed, EXIT.failed);
      return EXIT.ok;
    });
  },
};
