import { defaultDataDir } from '../core/data-dir';
import { CliError, type CliIo } from './cli-io';
import { commands } from './commands';

export function usage(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  const lines = Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}   ${c.summary}`);
  return `Usage: repo-server <command> [options]

Commands:
${lines.join('\n')}
  help

Every command takes --data-dir DIR (or REPO_SERVER_DATA_DIR) to pick the data directory.
Commands that print results take --json for the same as JSON.
`;
}

/** Takes --data-dir (anywhere in the arguments) out, so commands get only their own flags. */
function splitDataDir(args: string[]): { dataDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--data-dir') {
      dataDir = args[++i];
      if (dataDir === undefined) throw new CliError('--data-dir needs a folder.', 2);
    } else if (arg.startsWith('--data-dir=')) dataDir = arg.slice('--data-dir='.length);
    else rest.push(arg);
  }
  return { dataDir, rest };
}

/** Runs one CLI command; returns the exit code. Failures print one line on stderr. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) throw new CliError(`Unknown command "${name}". Run "repo-server help" for the list.`, 2);
    const { dataDir, rest } = splitDataDir(args);
    return await command.run(rest, io, { dataDir: dataDir ?? defaultDataDir(io.env) });
  } catch (error) {
    const message =
      error instanceof CliError
        ? error.message
        : `${name} failed: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr.write(`repo-server: ${message.split('\n')[0]}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
