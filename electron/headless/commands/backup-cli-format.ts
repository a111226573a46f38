import type { JobResult } from '../../shared/contract/archives';
import { formatSize } from '../../shared/format-size';
import { CliError } from '../cli-io';
import { EXIT } from '../exit-codes';

// Shared by export, import and verify: sizes and durations as a person reads them.

/** Sizes as the Control Panel writes them; '-' when not known. */
export const formatBytes = (bytes: number | null) => (bytes === null ? '-' : formatSize(bytes));

export const formatDuration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** What --json prints for one job. */
export const jobJson = (r: JobResult) => ({
  repository: r.repository,
  status: r.status,
  file: r.file,
  sizeBytes: r.sizeBytes,
  durationMs: r.durationMs,
  restoredAs: r.restoredAs,
  error: r.error,
});

/** One stderr line for every failure of a batch: the first reason, and how many more failed. */
export function failureLine(
  what: string,
  failures: Array<{ label: string; message: string }>,
): string | null {
  if (failures.length === 0) return null;
  const first = `${what} ${failures[0]!.label} failed: ${failures[0]!.message}`;
  return failures.length === 1 ? first : `${first} (and ${failures.length - 1} more failed)`;
}

/** The jobs of a batch that did not end well, as one CliError: exit 5 when one was cancelled, else 1. */
export function jobsFailure(what: string, results: JobResult[], label: (r: JobResult) => string): void {
  const failed = failureLine(
    what,
    results.filter((r) => r.error).map((r) => ({ label: label(r), message: r.error!.message })),
  );
  if (failed)
    throw new CliError(failed, results.some((r) => r.status === 'cancelled') ? EXIT.cancelled : EXIT.failed);
}
