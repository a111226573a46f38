import type { OffsiteStatus } from '../../shared/contract/offsite';
import { repositoryKey } from '../../shared/repository-name';
import type { OffsiteSettings } from '../../shared/settings-schema';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import { toLocalIso } from '../clock';
import type { CopyRow } from './copy-queue';

// Offsite copies at a glance: per repository the newest checked copy and what waits; a copy pending
// longer than `alertAfterHours` is an alert, like an overdue backup. The server's configuration archive
// has its line too, last, under its name CONFIG_ARCHIVE_NAME (`copyKindOf` tells it apart). The words are
// the UI's and the CLI's (shared/offsite-words.ts); this is the state they are made from.

export interface OffsiteStatusInputs {
  now: number;
  settings: OffsiteSettings;
  destination: string | null;
  /** The auto-backup's repositories, shown even before their first copy. */
  repositories: string[];
  waiting: CopyRow[];
  lastCopied: Map<string, CopyRow>;
  current: OffsiteStatus['current'];
  failingSince: number | null;
  lastError: { code: string; message: string } | null;
}

export function buildOffsiteStatus(inputs: OffsiteStatusInputs): OffsiteStatus {
  const { now, settings, waiting } = inputs;
  const alertAfterMs = settings.alertAfterHours * 3_600_000;
  const late = (row: CopyRow) => now - row.queuedAt > alertAfterMs;
  const names = new Map<string, string>();
  for (const name of [
    ...inputs.repositories,
    ...waiting.map((r) => r.repository),
    ...inputs.lastCopied.keys(),
  ])
    if (!names.has(repositoryKey(name))) names.set(repositoryKey(name), name);
  const lastCopiedOf = (name: string) =>
    [...inputs.lastCopied.values()]
      .filter((r) => repositoryKey(r.repository) === repositoryKey(name))
      .at(-1) ?? null;
  const next = waiting
    .map((r) => r.nextAttemptAt ?? now)
    .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  // After a restart the uploader has not failed yet: the rows still say since when copies fail.
  const failingSince =
    inputs.failingSince ??
    waiting
      .map((r) => r.firstFailedAt)
      .reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.min(a, b)), null);
  const failed = waiting.find((r) => r.error !== null);
  const lastError =
    inputs.lastError ?? (failed ? { code: failed.errorCode ?? 'INTERNAL', message: failed.error! } : null);
  return {
    enabled: settings.enabled,
    destination: inputs.destination,
    pending: waiting.length,
    failingSince: waiting.length && failingSince !== null ? toLocalIso(failingSince) : null,
    lastError: waiting.length ? lastError : null,
    nextAttemptAt: waiting.length && Number.isFinite(next) ? toLocalIso(next) : null,
    alert: waiting.some(late),
    alertAfterHours: settings.alertAfterHours,
    current: inputs.current,
    // The configuration after the repositories.
    perRepository: [...names.values()]
      .sort((a, b) => Number(a === CONFIG_ARCHIVE_NAME) - Number(b === CONFIG_ARCHIVE_NAME))
      .map((name) => {
        const mine = waiting.filter((r) => repositoryKey(r.repository) === repositoryKey(name));
        const last = lastCopiedOf(name);
        return {
          name,
          lastCopiedAt: last?.copiedAt ? toLocalIso(last.copiedAt) : null,
          checkedBy: last?.checkedBy ?? null,
          pending: mine.length,
          alert: mine.some(late),
        };
      }),
  };
}
