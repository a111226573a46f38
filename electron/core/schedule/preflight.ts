import fs from 'node:fs';
import path from 'node:path';
import { AppFailure } from '../../shared/result';

// Before a run touches anything: the target folder exists or can be created, a test write succeeds, and
// its disk has room for the estimate. A failure names the folder and what to do about it.

/** The file system calls the checks make, so a test can stand in for a full disk. */
export interface PreflightFs {
  mkdir(folder: string): Promise<unknown>;
  writeProbe(file: string): Promise<void>;
  remove(file: string): Promise<void>;
  freeBytes(folder: string): Promise<number>;
}

export const realPreflightFs: PreflightFs = {
  mkdir: (folder) => fs.promises.mkdir(folder, { recursive: true }),
  async writeProbe(file) {
    const handle = await fs.promises.open(file, 'w');
    try {
      await handle.writeFile('repo-server write test\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  remove: (file) => fs.promises.rm(file, { force: true }),
  async freeBytes(folder) {
    const s = await fs.promises.statfs(folder);
    return s.bavail * s.bsize;
  },
};

const PROBE_NAME = '.repo-server-write-test';

const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MB`;

function cannotWrite(folder: string, error: unknown, doing: string): AppFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppFailure('NO_SPACE', `The disk of the backup folder ${folder} is full (${code}).`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new AppFailure(
        'NOT_WRITABLE',
        `The backup folder ${folder} cannot be created: part of its path is a file (${code}). Choose another folder.`,
      );
    case 'EACCES':
    case 'EPERM':
      return new AppFailure(
        'NOT_WRITABLE',
        `The backup folder ${folder} is not writable (${code}). Give this app write access or choose another folder.`,
      );
    case 'EROFS':
      return new AppFailure('NOT_WRITABLE', `The backup folder ${folder} is on a read-only disk (EROFS).`);
    default:
      return new AppFailure(
        'NOT_WRITABLE',
        `Could not ${doing} the backup folder ${folder}: ${error instanceof Error ? error.message : String(error)}. ` +
          'Check that the disk or network share is available.',
      );
  }
}

/** Throws an AppFailure (NOT_WRITABLE or NO_SPACE) a person can act on; resolves when all is well. */
export async function preflight(
  folder: string,
  estimateBytes: number,
  fsOps: PreflightFs = realPreflightFs,
): Promise<{ freeBytes: number }> {
  if (!path.isAbsolute(folder)) {
    throw new AppFailure('INVALID_ARGUMENT', `The backup folder must be a full path, not "${folder}".`);
  }
  try {
    await fsOps.mkdir(folder);
  } catch (error) {
    throw cannotWrite(folder, error, 'create');
  }
  const probe = path.join(folder, `${PROBE_NAME}-${process.pid}`);
  try {
    await fsOps.writeProbe(probe);
  } catch (error) {
    await fsOps.remove(probe).catch(() => {});
    throw cannotWrite(folder, error, 'write to');
  }
  await fsOps.remove(probe).catch(() => {});
  const freeBytes = await fsOps.freeBytes(folder).catch(() => Number.POSITIVE_INFINITY);
  if (freeBytes < estimateBytes) {
    throw new AppFailure(
      'NO_SPACE',
      `The backup needs about ${mb(estimateBytes)} but the disk of ${folder} has ${mb(freeBytes)} free. ` +
        'Free some space, lower "keep last", or choose another folder.',
    );
  }
  return { freeBytes };
}
