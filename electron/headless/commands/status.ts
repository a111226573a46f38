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
      io.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : statusText(status));
      // Scripts and monitoring can alert on this: 3 when a repository is overdue.
      return status.perRepository.some((r) => r.overdue) ? 3 : 0;
    } finally {
      await server.stop();
    }
  },
};
