import { formatSize } from '../../shared/format-size';
import path from 'node:path';
import { parseCommandArgs } from '../cli-args';
import { callOrFail, withContractLink } from '../contract-link';
import type { CliCommand } from './index';

/** `repo-server list [--json]`: every repository with its size, item and revision counts. */
export const listCommand: CliCommand = {
  usage: 'list    [--json]',
  summary: 'list the repositories',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } });
    return withContractLink(dataDir!, { beside: 'in-process', what: 'Listing' }, async (link) => {
      // From the server when one runs: it also knows who is connected.
      const repositories = await callOrFail(link, 'listRepositories');
      if (values.json) {
        io.stdout.write(JSON.stringify(repositories) + '\n');
        return 0;
      }
      if (repositories.length === 0) {
        io.stdout.write(
          `No repositories in ${path.resolve(dataDir!)}. Create one with "repo-server create NAME".\n`,
        );
        return 0;
      }
      const rows = [
        ['NAME', 'ITEMS', 'REVISIONS', 'SIZE', 'LAST MODIFIED'],
        ...repositories.map((r) => [
          r.name,
          String(r.itemCount),
          String(r.revisionCount),
          formatSize(r.sizeBytes),
          r.lastModified ?? '-',
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows)
        io.stdout.write(
          row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd() + '\n',
        );
      return 0;
    });
  },
};
