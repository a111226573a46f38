import path from 'node:path';
import type {
  Catalog,
  CatalogArchive,
  CatalogOtherFile,
  CatalogTimeline,
  OffsiteCopyRecord,
  Verification,
} from '../../shared/contract/catalog';
import { repositoryKey } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import { describeFsError } from '../backup/fs-errors';
import { isArchiveNameOf } from '../backup/retention';
import type { TargetFs } from '../backup/target-fs';
import { toLocalIso, type Clock } from '../clock';
import { forEachLimited } from '../for-each-limited';
import {
  isIndexFile,
  readIndex,
  writeIndex,
  type IndexedFile,
  type IndexRead,
  type RecordedCheck,
} from './catalog-index';
import { readCatalogFile, type FileStamp } from './read-catalog-file';

// Opening a folder of archives as a catalog (ARCHITECTURE §6): list the folder, stat every file, take
// what the index beside them says of each file whose size and time are unchanged, read the manifest of
// every other one, and write the index again when anything changed. Every call goes through the
// folder's file agent, so a share that stops answering fails the opening with its name, never hangs it.

/** A folder with more files than this is read in part (by name), and the catalog says so. */
export const MAX_CATALOG_FILES = 20_000;
/** Names per stat call: a slow share answers each batch well within its deadline. */
const STAT_BATCH = 200;
/** Files read at once: the agent works on several while the server waits for none. */
const READ_CONCURRENCY = 8;

export interface OpenCatalogOptions {
  /** The folder's file agent (a user-chosen path): every call under its no-progress deadline. */
  io: TargetFs;
  clock: Clock;
  /**
   * What this server's history knows of a file of that size: its backup was verified before it was
   * published, or a verify ran on it. null when it knows nothing.
   */
  checkedByHistory?: (file: string, sizeBytes: number) => RecordedCheck | null;
  /** Keep the index beside the archives up to date (default true). */
  writeIndex?: boolean;
  /** The opening server's id: which archives are its own (Catalog.serverId). */
  serverId?: string;
  /**
   * The offsite copy (`io` answers from its remote folder under a local stand-in path): the catalog
   * names the folder by this label and each file as `<label>/<name>`.
   */
  remoteLabel?: string;
  /** The offsite copy: what the offsite queue recorded of a file of that name, size and time. */
  offsiteCopyOf?: (name: string, sizeBytes: number, mtimeMs: number) => OffsiteCopyRecord | null;
}

export async function openCatalog(folderIn: string, options: OpenCatalogOptions): Promise<Catalog> {
  const started = performance.now();
  const { io } = options;
  const folder = path.resolve(folderIn);
  const label = options.remoteLabel;
  const fileOf = (name: string) => (label !== undefined ? `${label}/${name}` : path.join(folder, name));
  const stat = await io.stat(folder).catch((error: unknown) => Promise.reject(readFailure(error, folder)));
  if (!stat) throw new AppFailure('NOT_FOUND', `The folder ${folder} does not exist.`);
  if (stat.type !== 'dir') throw new AppFailure('INVALID_ARGUMENT', `${folder} is not a folder.`);

  const listed = await io
    .readdir(folder)
    .catch((error: unknown) => Promise.reject(readFailure(error, folder)));
  const names = listed
    .filter((e) => e.type !== 'dir' && !isIndexFile(e.name))
    .map((e) => e.name)
    .sort();
  const truncated = names.length > MAX_CATALOG_FILES;
  const stamps = await statAll(io, folder, names.slice(0, MAX_CATALOG_FILES));

  const others: CatalogOtherFile[] = [];
  const candidates: FileStamp[] = [];
  for (const s of stamps) {
    const file = fileOf(s.name);
    if (s.type === 'other')
      others.push({
        file,
        name: s.name,
        kind: 'foreign',
        sizeBytes: null,
        reason: 'A link or special file; not followed.',
      });
    else if (s.name.endsWith('.partial'))
      others.push({
        file,
        name: s.name,
        kind: 'unfinished',
        sizeBytes: s.size,
        reason: 'A backup being written, or left unfinished by a stopped one.',
      });
    else candidates.push({ name: s.name, size: s.size, mtimeMs: s.mtimeMs });
  }

  const index = await readIndex(io, folder);
  const cached = new Map(index.state === 'found' ? index.files.map((f) => [f.name, f]) : []);
  const fresh = (s: FileStamp) => {
    const entry = cached.get(s.name);
    return entry && entry.size === s.size && entry.mtimeMs === s.mtimeMs ? entry : null;
  };
  const toRead = candidates.filter((s) => !fresh(s));
  const read = new Map<string, IndexedFile | null>();
  await forEachLimited(toRead, READ_CONCURRENCY, async (s) => {
    read.set(s.name, await readCatalogFile(io, folder, s));
  });

  const entries: IndexedFile[] = [];
  let checksChanged = false;
  for (const s of candidates) {
    const entry = read.has(s.name) ? read.get(s.name)! : fresh(s)!;
    if (!entry) continue;
    if (entry.kind === 'archive') {
      const known = options.checkedByHistory?.(fileOf(s.name), s.size) ?? null;
      if (known && (known.state !== entry.check?.state || known.at !== entry.check?.at)) {
        entries.push({ ...entry, check: known });
        checksChanged = true;
        continue;
      }
    }
    entries.push(entry);
  }

  const changed =
    index.state !== 'found' || toRead.length > 0 || checksChanged || cached.size !== entries.length;
  const openedAt = toLocalIso(options.clock.now());
  let written = false;
  let writeError: string | null = null;
  // A file of that name that is not our index is someone else's: never replaced.
  if (changed && index.state !== 'not-ours' && options.writeIndex !== false) {
    try {
      await writeIndex(io, folder, entries, openedAt);
      written = true;
    } catch (error) {
      writeError = describeFsError(error, folder).message;
    }
  }

  for (const e of entries) {
    if (e.kind !== 'archive')
      others.push({
        file: fileOf(e.name),
        name: e.name,
        kind: e.kind,
        sizeBytes: e.size,
        reason: e.reason,
      });
  }
  others.sort((a, b) => a.name.localeCompare(b.name));
  return {
    folder: label ?? folder,
    source: label !== undefined ? 'offsite' : 'folder',
    serverId: options.serverId ?? null,
    openedAt,
    timelines: buildTimelines(fileOf, entries, options),
    others,
    index: { found: foundState(index, changed), filesRead: toRead.length, written, writeError },
    truncated,
    durationMs: Math.round(performance.now() - started),
  };
}

function foundState(index: IndexRead, changed: boolean): Catalog['index']['found'] {
  if (index.state !== 'found') return index.state;
  return changed ? 'stale' : 'fresh';
}

/** A listing that fails names the folder as a folder to read from, not as a backup target. */
function readFailure(error: unknown, folder: string): AppFailure {
  if (error instanceof AppFailure) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM')
    return new AppFailure(
      'NOT_READABLE',
      `The folder ${folder} cannot be read (${code}). Give this app read access.`,
    );
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new AppFailure('NOT_FOUND', `The folder ${folder} does not exist.`);
  return new AppFailure('NOT_READABLE', `The folder ${folder} cannot be read: ${(error as Error).message}`);
}

async function statAll(io: TargetFs, folder: string, names: string[]) {
  const out: Array<{ name: string; type: 'file' | 'other'; size: number; mtimeMs: number }> = [];
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = await io
      .statMany(folder, names.slice(i, i + STAT_BATCH))
      .catch((error: unknown) => Promise.reject(readFailure(error, folder)));
    for (const s of batch) {
      // Gone since the listing, or a folder the listing could not tell: not part of the catalog.
      if (s.type === 'gone' || s.type === 'dir') continue;
      out.push({ name: s.name, type: s.type, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return out;
}

const unchecked: Verification = { state: 'unchecked', at: null, source: null, error: null };

function verificationOf(
  file: string,
  entry: Extract<IndexedFile, { kind: 'archive' }>,
  checkedByHistory: OpenCatalogOptions['checkedByHistory'],
): Verification {
  const known = checkedByHistory?.(file, entry.size);
  if (known) return { ...known, source: 'history' };
  if (entry.check) return { ...entry.check, source: 'index' };
  return unchecked;
}

/** Archives grouped by repository id (a renamed repository keeps its timeline), newest first. */
function buildTimelines(
  fileOf: (name: string) => string,
  entries: IndexedFile[],
  { checkedByHistory, offsiteCopyOf }: OpenCatalogOptions,
): CatalogTimeline[] {
  const byId = new Map<string, CatalogArchive[]>();
  for (const e of entries) {
    if (e.kind !== 'archive') continue;
    const m = e.manifest;
    const file = fileOf(e.name);
    const archive: CatalogArchive = {
      file,
      name: e.name,
      repository: m.repository.name,
      repositoryId: m.repository.id,
      createdAt: m.startedAt,
      finishedAt: m.finishedAt,
      trigger: m.trigger,
      sizeBytes: e.size,
      itemCount: m.itemCount,
      revisionCount: m.revisionCount,
      includesHistory: m.includesHistory,
      producer: m.producer,
      serverId: m.server?.id ?? null,
      renamed: !isArchiveNameOf(e.name, m.repository.name),
      verification: verificationOf(file, e, checkedByHistory),
      offsiteCopy: offsiteCopyOf?.(e.name, e.size, e.mtimeMs) ?? null,
    };
    const list = byId.get(m.repository.id) ?? [];
    list.push(archive);
    byId.set(m.repository.id, list);
  }
  const timelines: CatalogTimeline[] = [];
  for (const [repositoryId, archives] of byId) {
    archives.sort((a, b) => newerFirst(a.createdAt, b.createdAt) || b.name.localeCompare(a.name));
    const newest = archives[0]!.repository;
    const formerNames = [
      ...new Map(
        archives
          .filter((a) => repositoryKey(a.repository) !== repositoryKey(newest))
          .map((a) => [repositoryKey(a.repository), a.repository]),
      ).values(),
    ];
    timelines.push({ repositoryId, repository: newest, formerNames, archives });
  }
  return timelines.sort(
    (a, b) => a.repository.localeCompare(b.repository) || a.repositoryId.localeCompare(b.repositoryId),
  );
}

/** By the manifests' instants (names are local time, and repeat on a fall-back night); unreadable last. */
function newerFirst(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) ? (Number.isNaN(tb) ? 0 : 1) : -1;
  return tb - ta;
}
