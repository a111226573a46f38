import type { ErrorCode } from '../shared/result';

// The CLI's exit codes (ARCHITECTURE §8, README "Scripting backups"). Scripts test them, so they never
// change meaning; a new one gets a new number.
export const EXIT = {
  ok: 0,
  /** The work failed (a backup that did not verify, a repository that does not exist, …). */
  failed: 1,
  /** The command line was wrong: an unknown flag, a missing argument, a value a rule refuses. */
  usage: 2,
  /** `status`: a repository has had no good backup for too long. */
  overdue: 3,
  /** Not allowed: the data directory or its running server belongs to another OS user. */
  refused: 4,
  /** The job was cancelled (Ctrl-C, or someone cancelled it in the Control Panel). */
  cancelled: 5,
  /** The running server could not be reached, or stopped answering while the command waited. */
  unreachable: 6,
  /** `status`: the newest restore test of a repository failed (its backup would not restore). */
  restoreTestFailed: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a contract failure: the same whether a server answered or the core in this process. */
export function exitCodeOf(code: ErrorCode): ExitCode {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return EXIT.usage;
    case 'CANCELLED':
      return EXIT.cancelled;
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return EXIT.refused;
    case 'UNAVAILABLE':
      return EXIT.unreachable;
    default:
      return EXIT.failed;
  }
}
