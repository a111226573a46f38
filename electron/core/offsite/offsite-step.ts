import type { PipelineStep } from '../backup/pipeline';
import type { CopyQueue } from './copy-queue';
import { sha256OfFile } from './uploader';

// The pipeline's step after a verified backup (ARCHITECTURE §2, §7): it only queues the copy — the
// uploader makes it, apart from the backups, so a slow or dead offsite server never holds the next
// local backup. The archive's SHA-256 is taken now, from the file that was just verified: the copy on
// the server must be exactly these bytes, whatever happens to the local file later.

export interface OffsiteStepDeps {
  queue: CopyQueue;
  /** Offsite copies on, and the destination's label (null when off). */
  destination(): string | null;
  /** A copy was queued: the uploader starts on it. */
  queued(): void;
}

export const offsiteStep = (deps: OffsiteStepDeps): PipelineStep => ({
  name: 'offsite',
  phase: 'finishing',
  // Backups (scheduled, Back Up Now, the CLI's backup) leave the machine; exports and the safety
  // backups a restore takes stay where they were written.
  applies: (request) =>
    request.kind === 'backup' && request.trigger !== 'pre-restore' && deps.destination() !== null,
  async run(context) {
    const destination = deps.destination();
    if (!destination) return;
    const sha256 = await sha256OfFile(context.io, context.archive.file, (done, total) =>
      context.job.progress({ bytesDone: done, bytesTotal: total }),
    );
    deps.queue.enqueue({
      historyId: context.historyId ?? null,
      repository: context.repository.name,
      repositoryId: context.repository.id,
      archiveStartedAt: context.archive.manifest.startedAt,
      localFile: context.archive.file,
      sizeBytes: context.archive.sizeBytes,
      sha256,
      destination,
    });
    deps.queued();
  },
});
