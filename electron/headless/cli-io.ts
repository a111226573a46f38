/** What a CLI command may touch of the process, passed in so that commands are testable in-process. */
export interface CliIo {
  /** A TTY gets a progress line redrawn in place; a pipe gets only results. */
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM); tests resolve it themselves. */
  untilStopped: Promise<void>;
}

/** A failure the CLI reports as one line on stderr with a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
