import { dispatch } from '../../core/dispatch';
import type { Handlers } from '../../shared/contract';
import { parseCommandArgs } from '../cli-args';
import { CliError } from '../cli-io';
import { openServer } from '../open-server';
import type { CliCommand } from './index';

/** `repo-server create NAME [--json]`: an empty repository, with the same rules as the Control Panel. */
export const createCommand: CliCommand = {
  usage: 'create  NAME [--json]',
  summary: 'create an empty repository',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
    if (values._.length !== 1)
      throw new CliError('Give exactly one repository name, e.g. repo-server create "Login Tests".', 2);
    const server = await openServer(dataDir!);
    try {
      // Through the contract, so the CLI refuses exactly what the Control Panel refuses.
      const result = await dispatch(server.handlers as Handlers, 'createRepository', { name: values._[0] });
      if (!result.ok)
        throw new CliError(result.error.message, result.error.code === 'INVALID_ARGUMENT' ? 2 : 1);
      const summary = result.value as { name: string };
      io.stdout.write(
        values.json ? JSON.stringify(summary, null, 2) + '\n' : `Created repository "${summary.name}".\n`,
      );
      return 0;
    } finally {
      await server.stop();
    }
  },
};
