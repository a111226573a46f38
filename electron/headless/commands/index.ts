import type { CliIo } from '../cli-io';
import { createCommand } from './create';
import { exportCommand } from './export';
import { importCommand } from './import';
import { verifyCommand } from './verify';
import { listCommand } from './list';
import { serveCommand } from './serve';
import { scheduleCommand } from './schedule';
import { statusCommand } from './status';
import { backupCommand } from './backup';
import { backupsCommand } from './backups';
import { itemsCommand } from './items';
import { restoreItemsCommand } from './restore-items';
import { drillCommand } from './drill';
import { recoverCommand } from './recover';
import { tokenCommand } from './token';
import { waitCommand } from './wait';

/** One CLI command: its usage line and what it does with its arguments (after the command name). */
export interface CliCommand {
  usage: string;
  summary: string;
  run(args: string[], io: CliIo, context: { dataDir: string | undefined }): Promise<number>;
}

// Each command lives in its own file and is listed here once.
export const commands: Record<string, CliCommand> = {
  serve: serveCommand,
  list: listCommand,
  create: createCommand,
  export: exportCommand,
  import: importCommand,
  verify: verifyCommand,
  backup: backupCommand,
  backups: backupsCommand,
  items: itemsCommand,
  'restore-items': restoreItemsCommand,
  drill: drillCommand,
  recover: recoverCommand,
  schedule: scheduleCommand,
  status: statusCommand,
  token: tokenCommand,
  wait: waitCommand,
};
