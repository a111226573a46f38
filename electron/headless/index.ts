// The Node entry of `repo-server`: runs one CLI command with the real process around it.
import { runCli } from './cli';

const untilStopped = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  untilStopped,
});
// Exit explicitly: a one-shot command is done, and `serve` has already closed everything it opened.
process.exit(code);
