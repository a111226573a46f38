import type { OffsiteRepositoryState, OffsiteStatus } from './contract/offsite';
import { CONFIG_ARCHIVE_NAME } from './contract/recovery';

// How offsite copies read for people, in one line: the status panel, the alert, and any other host's
// status (the CLI). "offsite: copied 12:31, checked" / "3 copies pending, host unreachable since 10:02".

/** What a failing copy waits for, in a few words, by the failure's code. */
export const OFFSITE_REASON_WORDS: Record<string, string> = {
  UNREACHABLE: 'host unreachable',
  NOT_RESPONDING: 'host not answering',
  AUTH_FAILED: 'login refused',
  HOST_KEY_CHANGED: 'host key changed',
  HOST_KEY_UNCONFIRMED: 'host key not confirmed',
  NO_SPACE: 'remote disk full',
  NOT_WRITABLE: 'remote folder not writable',
  NOT_SUPPORTED: 'no SFTP on the host',
};

export const reasonWords = (code: string | undefined) =>
  (code && OFFSITE_REASON_WORDS[code]) || 'copies failing';

/** What an offsite copy is of: a repository's backup, or the server's configuration backup. */
export type OffsiteCopyKind = 'repository' | 'configuration';

/** A copy's name says what it copies: '@' is never in a repository's name. */
export const copyKindOf = (name: string): OffsiteCopyKind =>
  name === CONFIG_ARCHIVE_NAME ? 'configuration' : 'repository';

/** What a copy is of, as a person reads it: the repository's name, or "Server configuration". */
export const offsiteCopyName = (state: Pick<OffsiteRepositoryState, 'name'>) =>
  copyKindOf(state.name) === 'configuration' ? 'Server configuration' : state.name;

/** The names of the copies pending longer than the alert threshold. */
export const lateCopyNames = (status: OffsiteStatus) =>
  status.perRepository.filter((r) => r.alert).map(offsiteCopyName);

const copies = (n: number) => (n === 1 ? '1 copy' : `${n} copies`);

/** `time` formats a moment as the reader expects it ("12:31", "yesterday 22:00"). */
export type TimeWords = (iso: string) => string;

/** The whole destination in one line. */
export function offsiteSummary(status: OffsiteStatus, time: TimeWords): string {
  if (!status.enabled)
    return status.pending ? `offsite copies are off; ${copies(status.pending)} waiting` : 'off';
  if (status.current && status.current.phase === 'uploading' && status.current.bytesTotal > 0) {
    const percent = Math.floor((100 * status.current.bytesDone) / status.current.bytesTotal);
    return (
      `copying ${offsiteCopyName({ name: status.current.repository })}, ${percent} %` +
      (status.pending > 1 ? `; ${copies(status.pending)} pending` : '')
    );
  }
  if (status.pending > 0) {
    const pending = `${copies(status.pending)} pending`;
    if (status.failingSince && status.lastError)
      return `${pending}, ${reasonWords(status.lastError.code)} since ${time(status.failingSince)}`;
    return status.current ? `${pending}, copying now` : pending;
  }
  const last = status.perRepository
    .map((r) => r.lastCopiedAt)
    .filter((at): at is string => at !== null)
    .sort()
    .at(-1);
  return last ? `all copied, last ${time(last)}, checked` : 'no copy yet';
}

/** One copy's state, without saying offsite: "copied 12:31, checked" or what it waits for. */
export function offsiteCopyState(
  status: OffsiteStatus,
  repository: OffsiteRepositoryState,
  time: TimeWords,
): string {
  if (repository.pending > 0) {
    const pending = `${copies(repository.pending)} pending`;
    if (status.failingSince && status.lastError)
      return `${pending}, ${reasonWords(status.lastError.code)} since ${time(status.failingSince)}`;
    return pending;
  }
  if (repository.lastCopiedAt) return `copied ${time(repository.lastCopiedAt)}, checked`;
  return 'no copy yet';
}

/** One repository's line: "offsite: copied 12:31, checked" or what it waits for. */
export function offsiteRepositoryLine(
  status: OffsiteStatus,
  repository: OffsiteRepositoryState,
  time: TimeWords,
): string {
  return `offsite: ${offsiteCopyState(status, repository, time)}`;
}
