import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ManifestV1, Trigger } from '../../shared/contract/archives';
import { AppFailure } from '../../shared/result';
import type { ClientsPolicy, Compression } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import { toLocalIso, type Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import type { RepositoryStore } from '../storage/repository-store';
import { PARTIAL_SUFFIX, writeArchive } from './archive-writer';
import { describeFsError } from './fs-errors';
import type { JobContext } from './jobs';
import { archiveFileName, ARCHIVE_FORMAT, FORMAT_VERSION, SNAPSHOT_ENTRY } from './manifest';
import { takeSnapshot } from './snapshot';
import { makeTempFolder } from './temp-area';

export interface ExportDeps {
  dataDir: string;
  store: RepositoryStore;
  clock: Clock;
  appInfo: AppInfo;
  clients?: ClientsControl | null;
}

export type Destination = { kind: 'folder'; folder: string } | { kind: 'file'; file: string };

export interface ExportRequest {
  repository: string;
  destination: Destination;
  includeHistory: boolean;
  trigger: Trigger;
  compression: Compression;
  /** disconnect: the repository's clients are closed (with a notice) and held off until the snapshot is taken. */
  clientsPolicy: ClientsPolicy;
}

export interface ExportResult {
  file: string;
  sizeBytes: number;
  manifest: ManifestV1;
}

type Progress = Pick<JobContext, 'signal' | 'progress'>;

/** The folder exists (it is created if missing, as the schedule's target folder is) and is writable. */
async function checkFolder(folder: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(folder).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      await fs.promises.mkdir(folder, { recursive: true });
      return fs.promises.stat(folder);
    });
  } catch (error) {
    throw describeFsError(error, folder);
  }
  if (!stat.isDirectory()) throw new AppFailure('NOT_WRITABLE', `${folder} is not a folder.`);
  try {
    await fs.promises.access(folder, fs.constants.W_OK);
  } catch (error) {
    throw describeFsError(error, folder);
  }
}

async function checkFreeSpace(folder: string, needed: number): Promise<void> {
  const stats = await fs.promises.statfs(folder).catch(() => null);
  if (!stats) return;
  const free = stats.bavail * stats.bsize;
  if (free < needed) {
    const mb = (n: number) => `${Math.ceil(n / 1024 / 1024)} MB`;
    throw new AppFailure(
      'NO_SPACE',
      `Not enough space on ${folder}: about ${mb(needed)} needed, ${mb(free)} free.`,
    );
  }
}

/** The first `<repository>_<stamp>.zip`, `-2.zip`, … with neither it nor its partial present: never overwrite. */
function freeArchiveName(folder: string, repository: string, startedAt: number): string {
  for (let n = 1; ; n++) {
    const file = path.join(folder, archiveFileName(repository, startedAt, n));
    if (!fs.existsSync(file) && !fs.existsSync(file + PARTIAL_SUFFIX)) return file;
  }
}

/** Chooses and checks where the archive goes, before any work is done. */
export async function resolveDestination(
  destination: Destination,
  repository: string,
  startedAt: number,
): Promise<string> {
  if (destination.kind === 'folder') {
    const folder = path.resolve(destination.folder);
    await checkFolder(folder);
    return freeArchiveName(folder, repository, startedAt);
  }
  const file = path.resolve(destination.file);
  await checkFolder(path.dirname(file));
  if (fs.existsSync(file)) {
    throw new AppFailure(
      'ALREADY_EXISTS',
      `${file} exists already; choose another file name (backups never overwrite).`,
    );
  }
  return file;
}

/**
 * One repository to one archive: snapshot (clients keep writing, unless the policy is disconnect),
 * then the streaming ZIP with its manifest. Cancelling or failing leaves no file behind.
 */
export async function exportRepository(
  deps: ExportDeps,
  request: ExportRequest,
  job: Progress,
): Promise<ExportResult> {
  const name = deps.store.resolve(request.repository);
  if (!name) throw new AppFailure('NOT_FOUND', `There is no repository named "${request.repository}".`);
  const repository = deps.store.open(name);
  const startedAt = deps.clock.now();
  const file = await resolveDestination(request.destination, name, startedAt);
  job.progress({ file });
  const liveSize = fs.statSync(deps.store.pathOf(name)).size;
  await checkFreeSpace(path.dirname(file), Math.min(liveSize, 64 * 1024 * 1024));
  const temp = makeTempFolder(deps.dataDir, 'export');
  try {
    await checkFreeSpace(temp.dir, liveSize);
    const snapshotFile = temp.file(SNAPSHOT_ENTRY);
    let release: (() => void) | undefined;
    if (request.clientsPolicy === 'disconnect' && deps.clients) {
      job.progress({ phase: 'waiting-for-clients' });
      const reason = `A backup of "${name}" is being taken; connect again in a moment.`;
      release = deps.clients.hold(name, reason);
      deps.clients.notify(name, { kind: 'backup', message: reason });
      await deps.clients.disconnectAll(name, reason);
    }
    let facts;
    try {
      job.progress({ phase: 'snapshot' });
      facts = await takeSnapshot(repository, snapshotFile, {
        includeHistory: request.includeHistory,
        clientsConnected: deps.clients ? deps.clients.connectedCount(name) > 0 : undefined,
        signal: job.signal,
        onProgress: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
      });
    } finally {
      release?.();
    }
    const snapshotSize = fs.statSync(snapshotFile).size;
    job.progress({ phase: 'compressing', bytesDone: 0, bytesTotal: snapshotSize });
    let manifest!: ManifestV1;
    const written = await writeArchive({
      file,
      snapshotFile,
      compression: request.compression,
      mtime: new Date(startedAt),
      signal: job.signal,
      onBytes: (done) => job.progress({ bytesDone: done }),
      manifest: (digest) => {
        manifest = {
          format: ARCHIVE_FORMAT,
          formatVersion: FORMAT_VERSION,
          repository: { name, id: repository.id },
          schemaVersion: facts.schemaVersion,
          itemCount: facts.items ?? 0,
          revisionCount: facts.revisions ?? 0,
          includesHistory: request.includeHistory,
          startedAt: toLocalIso(startedAt),
          finishedAt: toLocalIso(deps.clock.now()),
          producer: { app: deps.appInfo.name, version: deps.appInfo.version, host: os.hostname() },
          trigger: request.trigger,
          clientsPolicy: request.clientsPolicy,
          entries: [{ name: SNAPSHOT_ENTRY, size: digest.size, sha256: digest.sha256 }],
        };
        return manifest;
      },
    });
    job.progress({ phase: 'finishing' });
    return { file, sizeBytes: written.sizeBytes, manifest };
  } finally {
    await temp.remove();
  }
}
