import { shownText } from '../../shared/shown-text';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import type { CliCommand } from './index';
import { archiveArgument } from './items';

// `repo-server restore-items ARCHIVE PATH... --into NAME [--prefix P] [--new]`: items of a backup
// written into a repository as a new version of each (the current one stays in its revisions), or with
// --new into a repository made for them.

export const restoreItemsCommand: CliCommand = {
  usage: 'restore-items ARCHIVE [PATH...] [--prefix P] --into NAME [--new] [--json]',
  summary: 'restore items of a backup as new versions (or into a new repository)',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(
      args,
      {
        into: { type: 'string' },
        prefix: { type: 'string' },
        new: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    const [archive, ...paths] = values._;
    const file = archiveArgument(archive);
    const into = values.into as string | undefined;
    if (!into?.trim()) throw new CliError('Say which repository to restore into: --into NAME.', 2);
    const prefix = values.prefix as string | undefined;
    if (paths.length === 0 && !prefix) throw new CliError('Name the items to restore, or --prefix P.', 2);
    return withContractLink(dataDir!, { beside: 'refuse', what: 'Restoring items' }, async (link) => {
      const result = await callOrFail(link, 'restoreArchiveItems', {
        file,
        paths,
        prefix,
        into,
        create: values.new === true,
      });
      if (values.json) {
        io.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return EXIT.ok;
      }
      const added = result.restored.filter((r) => r.newVersion !== null);
      io.stdout.write(
        `Restored ${added.length} item${added.length === 1 ? '' : 's'} into ${result.created ? 'the new repository ' : ''}"${shownText(result.repository)}"` +
          (result.restored.length > added.length
            ? ` (${result.restored.length - added.length} already as in the backup)`
            : '') +
          '.\n',
      );
      for (const r of result.restored)
        io.stdout.write(
          r.newVersion === null
            ? `  ${shownText(r.path, { max: 120 })}  unchanged (already version ${r.backupVersion}'s content)\n`
            : `  ${shownText(r.path, { max: 120 })}  backup version ${r.backupVersion} -> now version ${r.newVersion}\n`,
        );
      return EXIT.ok;
    });
  },
};
