import type { PipelineStep } from '../backup/pipeline';
import type { TargetFs } from '../backup/target-fs';
import type { CopyQueue } from './copy-queue';
import { sha256OfFile } from './uploader';

// The pipeline's step after a verified backup (ARCHITECTURE §2, §7): it only queues the copy — the
// uploader makes it, apart from the backups, so a slow or dead offsite server never holds the next
// local backup. The archive's SHA-256 is taken now, from the file that was just verified: the copy on
// the server must be exactly these bytes, whatever happens to the local file later. The server's
// configuration archive (backup/config-backup.ts) is queued the same way, by queueOffsiteCopy.

export interface OffsiteStepDeps {
  queue: CopyQueue;
  /** Offsite copies on, and the destination's label (null when off). */
  destination(): string | null;
  /** A copy was queued: the uploader starts on it. */
  queued(): void;
}

/** A verified archive to copy: its file (read through `io`, the job's file agent) and whose it is. */
export interface VerifiedArchive {
  io: TargetFs;
  file: string;
  sizeBytes: number;
  /** The manifest's startedAt (remote retention orders by it). */
  startedAt: string;
  /** The canonical name and id retention matches on: a repository's, or the configuration's. */
  repository: { name: string; id: string };
  historyId: number | null;
  onBytes?: (done: number, total: number) => void;
}

/** Queues the offsite copy of a verified archive; false when copies are off (nothing queued). */
export async function queueOffsiteCopy(deps: OffsiteStepDeps, archive: VerifiedArchive): Promise<boolean> {
  const destination = deps.destination();
  if (!destination) return false;
  const sha256 = await sha256OfFile(archive.io, archive.file, archive.onBytes);
  deps.queue.enqueue({
    historyId: archive.historyId,
    repository: archive.repository.name,
    repositoryId: archive.repository.id,
    archiveStartedAt: archive.startedAt,
    localFile: archive.file,
    sizeBytes: archive.sizeBytes,
    sha256,
    destination,
  });
  deps.queued();
  return true;
}

export const offsiteStep = (deps: OffsiteStepDeps): PipelineStep => ({
  name: 'offsite',
  phase: 'finishing',
  // Backups (scheduled, Back Up Now, the CLI's backup) leave the machine; exports and the safety
  // backups a restore takes stay where they were written.
  applies: (request) =>
    request.kind === 'backup' && request.trigger !== 'pre-restore' && deps.destination() !== null,
  async run(context) {
    await queueOffsiteCopy(deps, {
      io: context.io,
      file: context.archive.file,
      sizeBytes: context.archive.sizeBytes,
      startedAt: context.archive.manifest.startedAt,
      repository: context.repository,
      historyId: context.historyId ?? null,
      onBytes: (done, total) => context.job.progress({ bytesDone: done, bytesTotal: total }),
    });
  },
});
