import { dataDirHolder, describeHolder } from '../../core/data-dir-lock';
import { parseCommandArgs } from '../cli-args';
import { openServer } from '../open-server';
import type { CliCommand } from './index';
import { statusText } from './schedule-cli-format';

/** `repo-server status [--json]`: the automatic backup at a glance, and each repository's last result. */
export const statusCommand: CliCommand = {
  usage: 'status  [--json]',
  summary: 'automatic backup status and each repository’s last backup',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } });
    const server = await openServer(dataDir!);
    try {
      const status = server.scheduler.status();
      // Scheduled backups happen only while a server runs: say whether one does.
      const holder = dataDirHolder(server.dataDir);
      const servedBy = holder ? describeHolder(holder) : null;
      if (values.json) io.stdout.write(JSON.stringify({ ...status, servedBy }, null, 2) + '\n');
      else
        io.stdout.write(
          statusText(status) +
            (servedBy
              ? `Served by ${servedBy}.\n`
              : 'No server is running on this data directory: scheduled backups run only while ' +
                '"repo-server serve" or the desktop app runs.\n'),
        );
      // Scripts and monitoring can alert on this: 3 when a repository is overdue.
      return status.perRepository.some((r) => r.overdue) ? 3 : 0;
    } finally {
      await server.stop();
    }
  },
};
