import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AppFailure } from '../../shared/result';
import type { RepositoryStore } from '../storage/repository-store';
import { PARTIAL_SUFFIX } from './archive-writer';
import { describeFsError } from './fs-errors';
import { archiveFileName } from './manifest';
import type { TargetFs } from './target-fs';

// Before a backup touches anything: the target folder exists or can be created, a test write succeeds,
// and its disk has room for the estimate. Every call goes through the job's file agent, under its
// deadline. A failure names the folder and what to do about it.

export const PROBE_NAME = '.repo-server-write-test';

const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MB`;

/**
 * What one repository's archive may take on the target: the database as the snapshot copies it, plus a
 * margin for the manifest (an archive of data that does not compress is as large as its snapshot).
 */
export function estimateArchiveBytes(store: RepositoryStore, repository: string): number {
  return Math.ceil(store.open(repository).databaseBytes() * 1.1) + 1024 * 1024;
}

/** Throws an AppFailure (NOT_WRITABLE, NO_SPACE, NOT_RESPONDING) a person can act on. */
/** The test write's name in `folder`: unique per job, so a stuck one can be found and removed later. */
export const probeFile = (folder: string) =>
  path.join(folder, `${PROBE_NAME}-${process.pid}-${randomUUID().slice(0, 8)}`);

export async function checkTarget(
  io: TargetFs,
  folder: string,
  neededBytes: number,
  probe = probeFile(folder),
): Promise<{ freeBytes: number }> {
  if (!path.isAbsolute(folder)) {
    throw new AppFailure('INVALID_ARGUMENT', `The target folder must be a full path, not "${folder}".`);
  }
  try {
    await io.mkdirp(folder);
    await io.probe(folder, path.basename(probe));
  } catch (error) {
    throw describeFsError(error, folder);
  }
  // Some file systems cannot tell their free space: then the write itself finds out.
  const freeBytes = await io.freeBytes(folder).catch((error: unknown) => {
    if (error instanceof AppFailure) throw error;
    return Number.POSITIVE_INFINITY;
  });
  if (freeBytes < neededBytes) {
    throw new AppFailure(
      'NO_SPACE',
      `The backup needs about ${mb(neededBytes)} but the disk of ${folder} has ${mb(freeBytes)} free. ` +
        'Free some space, lower "keep last", or choose another folder.',
    );
  }
  return { freeBytes };
}

/** The first `<repository>_<stamp>.zip`, `-2.zip`, … with neither it nor its partial present: never overwrite. */
export async function freeArchiveName(
  io: TargetFs,
  folder: string,
  repository: string,
  startedAt: number,
): Promise<string> {
  try {
    for (let n = 1; ; n++) {
      const file = path.join(folder, archiveFileName(repository, startedAt, n));
      if (!(await io.stat(file)) && !(await io.stat(file + PARTIAL_SUFFIX))) return file;
    }
  } catch (error) {
    throw describeFsError(error, folder);
  }
}

/** A file destination: its folder is checked like a target, and the file must not exist (never overwrite). */
export async function checkFileDestination(io: TargetFs, file: string): Promise<void> {
  let existing;
  try {
    existing = await io.stat(file);
  } catch (error) {
    throw describeFsError(error, path.dirname(file));
  }
  if (existing) {
    throw new AppFailure(
      'ALREADY_EXISTS',
      `${file} exists already; choose another file name (backups never overwrite).`,
    );
  }
}

/**
 * The file that stands where a folder of `folder`'s path should be, if any: checked when settings are
 * saved, so a target beneath a file is refused then, not discovered at the first run. Only reads.
 */
export async function fileInTheWay(io: TargetFs, folder: string): Promise<string | null> {
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    const stat = await io.stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOTDIR') return null; // beneath the file we are looking for: keep going up
      throw error;
    });
    if (stat) return stat.type === 'dir' ? null : at;
    if (path.dirname(at) === at) return null;
  }
}
