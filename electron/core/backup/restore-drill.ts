import { AppFailure, isAppFailure } from '../../shared/result';
import { openArchive } from './archive-reader';
import type { JobContext } from './jobs';
import { SNAPSHOT_ENTRY } from './manifest';
import { checkIntegrity } from './sqlite-worker';
import type { TargetFs } from './target-fs';
import { makeTempFolder } from './temp-area';
import { rebuildUntrustedSnapshot } from './untrusted-snapshot';
import { verifyOpenedArchive } from './verify-archive';

// A restore drill of one archive (ARCHITECTURE §6, "Restore drills"): the restore an administrator
// would do, carried out for real into a temporary folder inside the data dir — the archive verified
// (sizes, SHA-256, integrity), its snapshot rebuilt through the untrusted-snapshot path as an import
// does — then the restored database checked again (integrity, item and revision counts, content digest)
// against what the manifest promised, and removed whatever happens. A crash midway leaves a temp folder
// of a dead process, which the next start removes (temp-area.ts).

export interface DrillRequest {
  file: string;
  /** The repository the archive must belong to (the live one's id): a file that now holds another is a failure. */
  repository: { name: string; id: string };
}

export interface DrillReport {
  items: number;
  revisions: number;
  /** Whether the manifest had a content digest to compare with (archives made before it have none). */
  digestChecked: boolean;
}

type Job = Pick<JobContext, 'signal' | 'progress'>;

const failed = (file: string, why: string) =>
  new AppFailure('INVALID_ARCHIVE', `${file}: the restored repository ${why}.`);

export async function drillArchive(
  deps: { dataDir: string; io: TargetFs },
  request: DrillRequest,
  job: Job,
): Promise<DrillReport> {
  job.progress({ phase: 'verifying', file: request.file });
  const archive = await openArchive(request.file, deps.io);
  const temp = makeTempFolder(deps.dataDir, 'drill');
  try {
    const { manifest } = archive;
    if (manifest.repository.id !== request.repository.id) {
      throw new AppFailure(
        'INVALID_ARCHIVE',
        `${request.file}: it holds the repository "${manifest.repository.name}" (id ${manifest.repository.id}), ` +
          `not "${request.repository.name}".`,
      );
    }
    const extracted = temp.file(SNAPSHOT_ENTRY);
    await verifyOpenedArchive(archive, {
      dataDir: deps.dataDir,
      extractTo: extracted,
      signal: job.signal,
      onBytes: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
    });
    if (job.signal.aborted)
      throw new AppFailure('CANCELLED', 'Cancelled; the restore test was not finished.');
    job.progress({ phase: 'restoring' });
    const restored = temp.file('restored.sqlite');
    const rebuilt = await rebuildUntrustedSnapshot(extracted, restored, {
      includeHistory: true,
      label: request.file,
      signal: job.signal,
      onRows: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
    });
    job.progress({ phase: 'finishing' });
    const facts = await checkIntegrity(restored, request.file, { digest: true });
    const revisions = manifest.includesHistory ? manifest.revisionCount : 0;
    if (rebuilt.items !== manifest.itemCount || facts.items !== manifest.itemCount)
      throw failed(request.file, `holds ${facts.items} items; the manifest says ${manifest.itemCount}`);
    if (rebuilt.revisions !== revisions || facts.revisions !== revisions)
      throw failed(request.file, `holds ${facts.revisions} revisions; the manifest says ${revisions}`);
    if (manifest.contentSha256 && facts.contentSha256 !== manifest.contentSha256)
      throw failed(
        request.file,
        'differs in content from what was backed up (its content digest does not match)',
      );
    return { items: manifest.itemCount, revisions, digestChecked: manifest.contentSha256 !== undefined };
  } catch (error) {
    if (job.signal.aborted || (isAppFailure(error) && error.code === 'CANCELLED'))
      throw new AppFailure('CANCELLED', 'Cancelled; the restore test was not finished.');
    throw error;
  } finally {
    archive.close();
    await temp.remove();
  }
}
