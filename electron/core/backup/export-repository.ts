import fs from 'node:fs';
import os from 'node:os';
import type { ManifestV1, Trigger } from '../../shared/contract/archives';
import { AppFailure } from '../../shared/result';
import type { ClientsPolicy, Compression } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import { toLocalIso, type Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import type { Repository } from '../storage/repository';
import { writeArchive } from './archive-writer';
import { withClientsPolicy } from './clients-policy';
import type { JobContext } from './jobs';
import { ARCHIVE_FORMAT, FORMAT_VERSION, SNAPSHOT_ENTRY } from './manifest';
import { takeSnapshot } from './snapshot';
import type { TargetFs } from './target-fs';
import { makeTempFolder } from './temp-area';

// The pipeline's middle (pipeline.ts): the snapshot, taken under the clients policy, and the archive
// written from it to the file the pipeline chose on the target.

export interface ExportDeps {
  dataDir: string;
  clock: Clock;
  appInfo: AppInfo;
  /** This server's id (RepositoryStore.serverId), written into the manifest. */
  serverId: string;
  clients: ClientsControl | null;
}

export interface ExportRequest {
  repository: Repository;
  /** Canonical name. */
  name: string;
  /** The repository's database file (its size sizes the snapshot's room). */
  databaseFile: string;
  /** The final name on the target, free when it was chosen. */
  file: string;
  /** When the backup started: the archive's name and its manifest's startedAt. */
  startedAt: number;
  includeHistory: boolean;
  trigger: Trigger;
  compression: Compression;
  clientsPolicy: ClientsPolicy;
  graceMinutes: number;
}

export interface ExportResult {
  file: string;
  sizeBytes: number;
  manifest: ManifestV1;
}

async function checkTempSpace(folder: string, needed: number): Promise<void> {
  const stats = await fs.promises.statfs(folder).catch(() => null);
  if (!stats) return;
  const free = stats.bavail * stats.bsize;
  if (free < needed) {
    const mb = (n: number) => `${Math.ceil(n / 1024 / 1024)} MB`;
    throw new AppFailure(
      'NO_SPACE',
      `Not enough space in the data folder for the snapshot: about ${mb(needed)} needed, ${mb(free)} free.`,
    );
  }
}

/** One repository to one archive. Cancelling or failing leaves no partial behind when the target answers. */
export async function exportRepository(
  deps: ExportDeps,
  request: ExportRequest,
  io: TargetFs,
  job: Pick<JobContext, 'signal' | 'progress'> & { onPublishing?: () => void },
): Promise<ExportResult> {
  const { repository, name } = request;
  const temp = makeTempFolder(deps.dataDir, 'export');
  try {
    await checkTempSpace(temp.dir, fs.statSync(request.databaseFile).size);
    const snapshotFile = temp.file(SNAPSHOT_ENTRY);
    const facts = await withClientsPolicy(
      {
        repository: name,
        policy: request.clientsPolicy,
        graceMinutes: request.graceMinutes,
        clients: deps.clients,
        clock: deps.clock,
        signal: job.signal,
        onWaiting: () => job.progress({ phase: 'waiting-for-clients' }),
      },
      () => {
        job.progress({ phase: 'snapshot' });
        return takeSnapshot(repository, snapshotFile, {
          includeHistory: request.includeHistory,
          clientsConnected: deps.clients ? deps.clients.connectedCount(name) > 0 : undefined,
          signal: job.signal,
          onProgress: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
        });
      },
    );
    const snapshotSize = fs.statSync(snapshotFile).size;
    job.progress({ phase: 'compressing', bytesDone: 0, bytesTotal: snapshotSize });
    let manifest!: ManifestV1;
    const written = await writeArchive({
      io,
      file: request.file,
      snapshotFile,
      compression: request.compression,
      mtime: new Date(request.startedAt),
      signal: job.signal,
      onBytes: (done) => job.progress({ bytesDone: done }),
      onPublishing: () => {
        job.progress({ phase: 'finishing' });
        job.onPublishing?.();
      },
      manifest: (digest) => {
        manifest = {
          format: ARCHIVE_FORMAT,
          formatVersion: FORMAT_VERSION,
          repository: { name, id: repository.id },
          schemaVersion: facts.schemaVersion,
          itemCount: facts.items ?? 0,
          revisionCount: facts.revisions ?? 0,
          includesHistory: request.includeHistory,
          startedAt: toLocalIso(request.startedAt),
          finishedAt: toLocalIso(deps.clock.now()),
          producer: { app: deps.appInfo.name, version: deps.appInfo.version, host: os.hostname() },
          server: { id: deps.serverId },
          trigger: request.trigger,
          clientsPolicy: request.clientsPolicy,
          ...(facts.contentSha256 ? { contentSha256: facts.contentSha256 } : {}),
          entries: [{ name: SNAPSHOT_ENTRY, size: digest.size, sha256: digest.sha256 }],
        };
        return manifest;
      },
    });
    return { file: request.file, sizeBytes: written.sizeBytes, manifest };
  } finally {
    await temp.remove();
  }
}
