import { parseArgs } from 'node:util';
import { defaultDataDir } from '../core/data-dir';
import { CliError, type CliIo } from './cli-io';
import { serve } from './commands/serve';

export const USAGE = `Usage: repo-server <command> [options]

Commands:
  serve   [--host H] [--port P] [--console-port C]   server, scheduler and web Control Panel
  help                                               this text

Options for every command:
  --data-dir DIR   the data directory (or REPO_SERVER_DATA_DIR)
`;

const parsePort = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`${flag} must be a port number from 0 to 65535, not "${value}".`, 2);
  }
  return port;
};

/** Runs one CLI command; returns the exit code. Failures print one line on stderr. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({
          args: rest,
          options: {
            'data-dir': { type: 'string' },
            host: { type: 'string' },
            port: { type: 'string' },
            'console-host': { type: 'string' },
            'console-port': { type: 'string' },
          },
          strict: true,
        });
        return await serve(
          {
            dataDir: values['data-dir'] ?? defaultDataDir(io.env),
            consoleHost: values['console-host'] ?? '127.0.0.1',
            consolePort: parsePort(values['console-port'], '--console-port', 53480),
          },
          io,
        );
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`Unknown command "${command}". Run "repo-server help" for the list.`, 2);
    }
  } catch (error) {
    const message =
      error instanceof CliError || (error instanceof TypeError && 'code' in error)
        ? error.message
        : `repo-server ${command} failed: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr.write(`repo-server: ${message.split('\n')[0]}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
