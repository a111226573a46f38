import { MAX_PER_CALL } from '../../shared/contract/define';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { JobWatch, ProgressOutput } from '../job-watch';
import { failureLine, formatBytes, formatDuration } from './backup-cli-format';
import type { CliCommand } from './index';
import type { BackupRunReport } from '../../shared/contract/schedule';
import type { CliIo } from '../cli-io';
import type { ContractLink } from '../contract-link';

/**
 * `repo-server backup [NAME...] [--json]`: the configured automatic backup, now: into its target folder,
 * verified, with retention; all selected repositories or the ones named.
 */
export const backupCommand: CliCommand = {
  usage: 'backup  [NAME...] [--no-wait] [--json]',
  summary: 'run the configured backup now; --no-wait prints the run id for `wait` (a running server only)',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      { json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
      true,
    );
    const output = new ProgressOutput(io, values.json === true);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'A backup' }, async (link) => {
      const watch = new JobWatch(link, io, output);
      try {
        if (values['no-wait']) refuseNoWaitInProcess(link);
        const { runId } = await callOrFail(link, 'runBackupNow', {
          repositories: values._.length > 0 ? values._ : undefined,
          trigger: 'cli',
        });
        if (values['no-wait']) return startedOnly(io, values.json === true, runId);
        return backupReportExit(await watch.run(runId), values.json === true, io, output, watch);
      } finally {
        watch.dispose();
      }
    });
  },
};

/** `--no-wait` leaves the job to a running server; in this process it would end with the command. */
export function refuseNoWaitInProcess(link: ContractLink): void {
  if (link.mode === 'in-process')
    throw new CliError(
      '--no-wait needs a running server on this data directory ("repo-server serve"): without one the job ends with this command.',
      EXIT.usage,
    );
}

/** `--no-wait`: the id to `wait` for; the server runs the job on. */
export function startedOnly(io: CliIo, json: boolean, id: string): number {
  io.stdout.write(json ? JSON.stringify({ type: 'started', id }) + '\n' : `${id}\n`);
  return EXIT.ok;
}

/** Jobs started for `list` in calls of at most MAX_PER_CALL: a glob over a target folder may name more. */
export async function startInCalls<T, J>(
  list: T[],
  start: (chunk: T[]) => Promise<{ jobs: J[] }>,
): Promise<J[]> {
  const jobs: J[] = [];
  for (let at = 0; at < list.length; at += MAX_PER_CALL)
    jobs.push(...(await start(list.slice(at, at + MAX_PER_CALL))).jobs);
  return jobs;
}

/** `--no-wait` of jobs (verify, export, import): their ids, one a line (or JSON), to `wait` for each. */
export function startedOnlyJobs(
  io: CliIo,
  json: boolean,
  jobs: Array<{ jobId: string; file: string | null; repository: string | null }>,
): number {
  for (const job of jobs)
    io.stdout.write(
      json
        ? JSON.stringify({ type: 'started', id: job.jobId, file: job.file, repository: job.repository }) +
            '\n'
        : `${job.jobId}\n`,
    );
  return EXIT.ok;
}

/** Prints a run's report and gives its exit code: 0 all verified, 5 cancelled, 1 otherwise. */
export function backupReportExit(
  report: BackupRunReport,
  json: boolean,
  io: CliIo,
  output: ProgressOutput,
  watch: JobWatch,
): number {
  if (json) output.result({ runId: report.runId, outcomes: report.outcomes });
  else {
    for (const o of report.outcomes) {
      if (o.status !== 'ok') continue;
      const pruned = o.deleted.length ? `; removed ${o.deleted.length} older backup(s)` : '';
      io.stdout.write(
        `Backed up "${o.repository}" to ${o.file} (${formatBytes(o.sizeBytes)} in ${formatDuration(o.durationMs)}, verified${pruned}).\n`,
      );
    }
  }
  const failed = failureLine(
    'Backup of',
    report.outcomes
      .filter((o) => o.status !== 'ok')
      .map((o) => ({ label: `"${o.repository}"`, message: o.error ?? o.status })),
  );
  const cancelled = watch.cancelAsked || report.outcomes.some((o) => o.status === 'cancelled');
  if (failed) throw new CliError(failed, cancelled ? EXIT.cancelled : EXIT.failed);
  if (report.error) throw new CliError(report.error, EXIT.failed);
  return EXIT.ok;
}
