import { parseCommandArgs } from '../cli-args';
import { CliError } from '../cli-io';
import { callOrFail, withContractLink } from '../contract-link';
import { EXIT } from '../exit-codes';
import type { CliCommand } from './index';

/** `repo-server create NAME [--json]`: an empty repository, with the same rules as the Control Panel. */
export const createCommand: CliCommand = {
  usage: 'create  NAME [--json]',
  summary: 'create an empty repository',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    if (values._.length !== 1)
      throw new CliError('Give exactly one repository name, e.g. repo-server create "Login Tests".', 2);
    return withContractLink(
      dataDir!,
      { beside: 'in-process', what: 'Creating a repository' },
      async (link) => {
        // Through the contract, so the CLI refuses exactly what the Control Panel refuses.
        const summary = await callOrFail(link, 'createRepository', { name: values._[0]! });
        io.stdout.write(
          values.json ? JSON.stringify(summary) + '\n' : `Created repository "${summary.name}".\n`,
        );
        return EXIT.ok;
      },
    );
  },
};
