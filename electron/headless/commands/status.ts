import { failedDrills } from '../../shared/drill-words';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import type { CliCommand } from './index';
import { liveStatusText } from './schedule-cli-format';

/**
 * `repo-server status [--json]`: the automatic backup at a glance — live from the running server (the
 * job running with its progress, the queue, the next run, each repository's last result and offsite
 * copy), or from the recorded history when none runs; it says which.
 */
export const statusCommand: CliCommand = {
  usage: 'status  [--json]',
  summary: 'live state (running job, queue, next run), each repository’s last backup and offsite copy',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } });
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Status' }, async (link) => {
      const status = await callOrFail(link, 'getBackupStatus');
      const jobs = await callOrFail(link, 'listJobs');
      const offsite = await callOrFail(link, 'getOffsiteStatus');
      const source = link.mode === 'server' ? 'server' : 'history';
      // Scheduled backups happen only while a server runs: say whether one does.
      const servedBy = link.servedBy;
      if (values.json) {
        io.stdout.write(JSON.stringify({ ...status, servedBy, source, jobs, offsite }) + '\n');
      } else {
        io.stdout.write(liveStatusText({ status, jobs, offsite, servedBy, source }));
      }
      // Scripts and monitoring can alert on this: 3 when a repository is overdue, 7 when the newest
      // restore test of one failed (its backup would not restore).
      if (status.perRepository.some((r) => r.overdue)) return EXIT.overdue;
      return failedDrills(status.drill).length > 0 ? EXIT.restoreTestFailed : EXIT.ok;
    });
  },
};
