import { isFullPath } from '../../shared/full-path';
import { shownText } from '../../shared/shown-text';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import { formatBytes } from './backup-cli-format';
import type { CliCommand } from './index';
import { formatTable } from './table';

// `repo-server items ARCHIVE [--prefix P] [--filter TEXT]`: what one backup holds, item by item. The
// archive is checked in full and rebuilt as untrusted input before a single item is shown.

export function archiveArgument(value: string | undefined): string {
  if (value === undefined) throw new CliError('Name the archive file.', 2);
  if (!isFullPath(value))
    throw new CliError(
      `Give the archive as a full path, such as /var/backups/login_2026-11-22-22-00-00.zip; not "${value}".`,
      2,
    );
  return value;
}

export const itemsCommand: CliCommand = {
  usage: 'items   ARCHIVE [--prefix P] [--filter TEXT] [--json]',
  summary: 'list the items of one backup archive',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      { prefix: { type: 'string' }, filter: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (values._.length !== 1) throw new CliError('Name one archive file.', 2);
    const file = archiveArgument(values._[0]);
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Listing items' }, async (link) => {
      const listed = await callOrFail(link, 'listArchiveItems', {
        file,
        prefix: values.prefix as string | undefined,
        filter: values.filter as string | undefined,
      });
      if (values.json) {
        io.stdout.write(JSON.stringify(listed, null, 2) + '\n');
        return EXIT.ok;
      }
      io.stdout.write(
        `${shownText(listed.repository)}, backed up ${listed.createdAt}: ${listed.total} item${listed.total === 1 ? '' : 's'}` +
          `${values.prefix ? ` under "${shownText(values.prefix as string)}"` : ''}.\n`,
      );
      const rows = [
        ['PATH', 'KIND', 'VERSION', 'UPDATED', 'SIZE'],
        ...listed.items.map((i) => [
          shownText(i.path, { max: 120 }),
          shownText(i.kind, { max: 40 }),
          String(i.version),
          i.updatedAt.slice(0, 19).replace('T', ' '),
          formatBytes(i.sizeBytes),
        ]),
      ];
      io.stdout.write(formatTable(rows));
      if (listed.total > listed.items.length)
        io.stdout.write(`(the first ${listed.items.length} shown; narrow with --prefix or --filter)\n`);
      return EXIT.ok;
    });
  },
};
