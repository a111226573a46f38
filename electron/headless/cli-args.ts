import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CliError } from './cli-io';

/** parseArgs with strict options; a bad flag becomes a one-line CliError (exit 2). */
export function parseCommandArgs(
  args: string[],
  options: ParseArgsOptionsConfig,
  allowPositionals = false,
): Record<string, string | boolean | (string | boolean)[] | undefined> & { _: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return Object.assign(values as Record<string, string | boolean | undefined>, { _: positionals });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

export function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`${flag} must be a port number from 0 to 65535, not "${value}".`, 2);
  }
  return port;
}
