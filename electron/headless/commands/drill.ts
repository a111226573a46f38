import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { failureLine } from './backup-cli-format';
import type { CliCommand } from './index';

/** How often the command looks whether the drill is still going. */
const POLL_MS = 250;

/**
 * `repo-server drill [NAME...] [--json]`: a restore test now — the newest verified backup of every
 * repository (or the ones named) restored into the data dir's temp area, checked, and removed. A running
 * server does it when one holds the folder; Ctrl-C cancels it where it runs.
 */
export const drillCommand: CliCommand = {
  usage: 'drill   [NAME...] [--json]',
  summary: 'test-restore the newest verified backup of each repository now',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'A restore test' }, async (link) => {
      const started = Date.now();
      await callOrFail(link, 'runRestoreDrill', {
        repositories: values._.length > 0 ? values._ : undefined,
        trigger: 'cli',
      });
      let stopAsked = false;
      void io.untilStopped.then(() => (stopAsked = true));
      let status = await callOrFail(link, 'getBackupStatus');
      while (status.drill?.running) {
        if (stopAsked && status.drill.running.jobId)
          await link.call('cancelJob', { jobId: status.drill.running.jobId });
        await sleep(POLL_MS);
        status = await callOrFail(link, 'getBackupStatus');
      }
      // This run's results: each repository's newest drill, ended since the command started.
      const results = (status.drill?.results ?? []).filter((r) => Date.parse(r.at) >= started - 1000);
      if (values.json) io.stdout.write(JSON.stringify({ results }) + '\n');
      else
        for (const r of results)
          if (r.status === 'ok') io.stdout.write(`Restore test of "${r.name}" OK: ${r.file}\n`);
      if (results.length === 0 && !values.json)
        io.stdout.write('Nothing was tested: no repository has a verified backup yet.\n');
      const failed = failureLine(
        'Restore test of',
        results
          .filter((r) => r.status !== 'ok')
          .map((r) => ({ label: `"${r.name}"`, message: r.error ?? r.status })),
      );
      if (failed) throw new CliError(failed, stopAsked ? EXIT.cancelled : EXIT.failed);
      return EXIT.ok;
    });
  },
};
