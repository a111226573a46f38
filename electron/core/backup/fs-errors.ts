import fs from 'node:fs';
import path from 'node:path';
import { AppFailure } from '../../shared/result';

/** The file that stands where a folder of `folder`'s path should be (what ENOTDIR means), if any. */
function fileInPlaceOfFolder(folder: string): string | null {
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    try {
      if (!fs.statSync(at).isDirectory()) return at;
    } catch {
      // Missing, or beneath the file we are looking for: keep going up.
    }
    if (path.dirname(at) === at) return null;
  }
}

/** Turns a file system error into a failure a person can act on, naming the folder and the cause. */
export function describeFsError(error: unknown, folder: string): AppFailure {
  if (error instanceof AppFailure) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new AppFailure('NOT_WRITABLE', `The folder ${folder} is not writable (${code}).`);
    case 'EROFS':
      return new AppFailure('NOT_WRITABLE', `The folder ${folder} is on a read-only disk (EROFS).`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppFailure('NO_SPACE', `Not enough space on the disk of ${folder} (${code}).`);
    case 'ENOTDIR': {
      const file = fileInPlaceOfFolder(folder);
      if (file)
        return new AppFailure(
          'NOT_WRITABLE',
          `${file} is a file, not a folder, so ${folder} cannot be used; choose a folder.`,
        );
      return new AppFailure('NOT_WRITABLE', `The folder ${folder} does not exist or was removed (ENOTDIR).`);
    }
    case 'ENOENT':
      return new AppFailure('NOT_WRITABLE', `The folder ${folder} does not exist or was removed (${code}).`);
    case 'EEXIST':
      return new AppFailure(
        'CONFLICT',
        `A file with the archive's name appeared in ${folder} meanwhile; try again.`,
      );
    case 'EIO':
    case 'ETIMEDOUT':
    case 'EHOSTDOWN':
    case 'ESTALE':
      return new AppFailure(
        'NOT_WRITABLE',
        `Writing to ${folder} failed (${code}); check the disk or the network share.`,
      );
    default:
      return new AppFailure(
        'INTERNAL',
        `Writing to ${folder} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
  }
}

export const isAbortError = (error: unknown): boolean =>
  (error as { name?: string } | undefined)?.name === 'AbortError';

export const cancelled = () => new AppFailure('CANCELLED', 'Cancelled; no file was left behind.');
