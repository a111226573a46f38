import { AppFailure } from '../../shared/result';

/**
 * Turns a file system error on a backup target into a failure a person can act on, naming the folder
 * and the cause: the one wording for the target check, the archive writer and retention.
 */
export function describeFsError(error: unknown, folder: string): AppFailure {
  if (error instanceof AppFailure) return error;
  const e = error as (NodeJS.ErrnoException & { blocker?: string }) | undefined;
  const code = e?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new AppFailure(
        'NOT_WRITABLE',
        `The target folder ${folder} is not writable (${code}). Give this app write access or choose another folder.`,
      );
    case 'EROFS':
      return new AppFailure('NOT_WRITABLE', `The target folder ${folder} is on a read-only disk (EROFS).`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppFailure('NO_SPACE', `The disk of the target folder ${folder} is full (${code}).`);
    case 'ENOTDIR':
      if (e?.blocker)
        return new AppFailure(
          'NOT_WRITABLE',
          `${e.blocker} is a file, not a folder, so ${folder} cannot be used; choose a folder.`,
        );
      return new AppFailure(
        'NOT_WRITABLE',
        `The target folder ${folder} does not exist or was removed (ENOTDIR).`,
      );
    case 'ENOENT':
      // mkdir's ENOENT with the parent present: a path the file system refuses (/proc/x, say).
      if (e?.syscall === 'mkdir')
        return new AppFailure(
          'NOT_WRITABLE',
          `The target folder ${folder} cannot be created there (ENOENT). Choose another folder.`,
        );
      return new AppFailure(
        'NOT_WRITABLE',
        `The target folder ${folder} does not exist or was removed (ENOENT).`,
      );
    case 'EEXIST':
      return new AppFailure(
        'CONFLICT',
        `A file with the archive's name appeared in ${folder} meanwhile; try again.`,
      );
    case 'EIO':
    case 'ETIMEDOUT':
    case 'EHOSTDOWN':
    case 'ESTALE':
    case 'ENOTCONN':
      return new AppFailure(
        'NOT_WRITABLE',
        `Writing to the target folder ${folder} failed (${code}); check the disk or the network share.`,
      );
    default:
      return new AppFailure(
        'INTERNAL',
        `Writing to the target folder ${folder} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
  }
}

export const isAbortError = (error: unknown): boolean =>
  (error as { name?: string } | undefined)?.name === 'AbortError';

export const cancelled = () => new AppFailure('CANCELLED', 'Cancelled; no file was left behind.');
