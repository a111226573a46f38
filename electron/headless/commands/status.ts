import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import type { CliCommand } from './index';
import { statusText } from './schedule-cli-format';

/** `repo-server status [--json]`: the automatic backup at a glance, and each repository's last result. */
export const statusCommand: CliCommand = {
  usage: 'status  [--json]',
  summary: 'automatic backup status and each repository’s last backup',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } });
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Status' }, async (link) => {
      const status = await callOrFail(link, 'getBackupStatus');
      // Scheduled backups happen only while a server runs: say whether one does.
      const servedBy = link.servedBy;
      if (values.json) io.stdout.write(JSON.stringify({ ...status, servedBy }) + '\n');
      else
        io.stdout.write(
          statusText(status) +
            (servedBy
              ? `Served by ${servedBy}.\n`
              : 'No server is running on this data directory: scheduled backups run only while ' +
                '"repo-server serve" or the desktop app runs.\n'),
        );
      // Scripts and monitoring can alert on this: 3 when a repository is overdue.
      return status.perRepository.some((r) => r.overdue) ? EXIT.overdue : EXIT.ok;
    });
  },
};
