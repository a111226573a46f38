import { ManifestV1 } from '../../shared/contract/archives';
import { JsonTooDeepError, parseBoundedJson } from '../../shared/bounded-json';
import { AppFailure } from '../../shared/result';

// Archive format v1 (ARCHITECTURE §5): what its entries are called and how its manifest is read.

export const MANIFEST_ENTRY = 'manifest.json';
export const SNAPSHOT_ENTRY = 'repository.sqlite';
export const ARCHIVE_FORMAT = 'repo-server-backup';
export const FORMAT_VERSION = 1;
/** The manifest's `kind` of a configuration archive (config-archive.ts); a repository's has none. */
export const SERVER_CONFIGURATION_KIND = 'server-configuration';
/** What opening a configuration archive as a repository's says. */
export const NOT_A_REPOSITORY_BACKUP =
  'This is a backup of the server’s configuration, not of a repository: recover a fresh server from ' +
  'its folder instead ("Recover from a backup folder…", or repo-server recover --from).';
/** A manifest is a few hundred bytes; anything near this is not one of ours. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/** `<repository>_YYYY-MM-DD-HH-mm-ss.zip`, in the local time of the start. */
export function archiveFileName(repository: string, startedAtMs: number, suffix = 0): string {
  const d = new Date(startedAtMs);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}` +
    `-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
  return `${repository}_${stamp}${suffix > 1 ? `-${suffix}` : ''}.zip`;
}

/** Parses manifest.json, telling "not ours", "from a newer version" and "damaged" apart. */
export function parseManifest(text: string): ManifestV1 {
  let raw: unknown;
  try {
    // Bounded: the archive is anyone's file, and a deeply nested value overflows whatever walks it.
    raw = parseBoundedJson(text);
  } catch (error) {
    throw new AppFailure(
      'INVALID_ARCHIVE',
      error instanceof JsonTooDeepError
        ? `The archive’s manifest.json is ${error.message}: not a manifest of ours.`
        : 'The archive’s manifest.json is not valid JSON.',
    );
  }
  const head = raw as { format?: unknown; formatVersion?: unknown; kind?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== ARCHIVE_FORMAT) {
    throw new AppFailure('INVALID_ARCHIVE', 'This ZIP file is not a Repository Server backup.');
  }
  if (head.kind === SERVER_CONFIGURATION_KIND)
    throw new AppFailure('INVALID_ARCHIVE', NOT_A_REPOSITORY_BACKUP);
  if (typeof head.formatVersion === 'number' && head.formatVersion > FORMAT_VERSION) {
    throw new AppFailure(
      'UNSUPPORTED_VERSION',
      `This backup uses archive format ${head.formatVersion}, made by a newer Repository Server; ` +
        `this one reads format ${FORMAT_VERSION}. Update the application to restore it.`,
    );
  }
  const parsed = ManifestV1.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppFailure(
      'INVALID_ARCHIVE',
      `The archive’s manifest is damaged: ${issue?.path.join('.') || 'manifest'}: ${issue?.message}.`,
    );
  }
  const names = parsed.data.entries.map((e) => e.name);
  if (!names.includes(SNAPSHOT_ENTRY) || new Set(names).size !== names.length) {
    throw new AppFailure('INVALID_ARCHIVE', `The archive’s manifest does not list ${SNAPSHOT_ENTRY} once.`);
  }
  return parsed.data;
}
