import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import { failureLine, formatDuration } from './backup-cli-format';
import type { CliCommand } from './index';

/** `repo-server verify FILE... [--json]`: manifest, sizes, SHA-256 and the snapshot's integrity. */
export const verifyCommand: CliCommand = {
  usage: 'verify  FILE... [--json]',
  summary: 'check archive files fully',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    if (values._.length === 0) throw new CliError('Name at least one archive file to verify.', 2);
    const server = await openServer(dataDir!);
    try {
      const results = [];
      for (const file of values._) {
        const result = await server.backups.verify(file, 'cli');
        results.push(result);
        if (!values.json && result.verified) {
          const m = result.manifest!;
          io.stdout.write(
            `Verified ${result.file}: "${m.repository.name}", ${m.itemCount} items, ${m.revisionCount} revisions, ` +
              `taken ${m.startedAt} (${formatDuration(result.durationMs)}).\n`,
          );
        }
      }
      if (values.json) io.stdout.write(JSON.stringify(results, null, 2) + '\n');
      const failed = failureLine(
        'Verification of',
        results.filter((r) => r.error).map((r) => ({ label: r.file, message: r.error!.message })),
      );
      if (failed) throw new CliError(failed, 1);
      return 0;
    } finally {
      await server.stop();
    }
  },
};
