import { z } from 'zod';
import { AllowedOrigin, TokenRequiredFrom } from '../../shared/settings-schema';
import { ensureAccessToken, rotateAccessToken } from '../../core/client-server/access-token';
import { SettingsService } from '../../core/settings';
import { CliError } from '../cli-io';
import { parseCommandArgs } from '../cli-args';
import { confSettings } from '../open-server';
import type { CliCommand } from './index';

const REQUIRED_FROM_WORDS: Record<TokenRequiredFrom, string> = {
  'other-machines': 'clients on other machines',
  'every-client': 'every client',
};

/**
 * `repo-server token [--new] [--require other-machines|every-client] [--allow-origin URL]…
 * [--clear-origins] [--json]`: how a test tool gets in. Prints the client access token (made now if the
 * server never started), who must present it and which web origins may connect; the flags change them.
 * Only the settings file is touched, so it works beside a running `serve`, which applies it at once.
 */
export const tokenCommand: CliCommand = {
  usage: 'token   [--new] [--require other-machines|every-client] [--allow-origin URL] [--json]',
  summary: 'the access token test tools present, who needs it, which web origins may connect',
  async run(args, io, { dataDir }) {
    const values = parseCommandArgs(args, {
      new: { type: 'boolean' },
      require: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'clear-origins': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const settings = new SettingsService(confSettings(dataDir!), { warn: (m) => io.stderr.write(`${m}\n`) });
    const token = values.new ? rotateAccessToken(settings) : ensureAccessToken(settings);
    const current = settings.get().clientServer;
    let next = current;
    if (values.require !== undefined) {
      const required = TokenRequiredFrom.safeParse(values.require);
      if (!required.success)
        throw new CliError(
          `--require is other-machines or every-client, not "${String(values.require)}".`,
          2,
        );
      next = { ...next, tokenRequiredFrom: required.data };
    }
    const added = (values['allow-origin'] as string[] | undefined) ?? [];
    if (values['clear-origins'] || added.length > 0) {
      const parsed = z.array(AllowedOrigin).safeParse(added);
      if (!parsed.success) throw new CliError(parsed.error.issues[0]!.message, 2);
      const kept = values['clear-origins'] ? [] : next.allowedOrigins;
      next = { ...next, allowedOrigins: [...new Set([...kept, ...parsed.data])] };
    }
    if (next !== current) settings.update('clientServer', next);
    const { tokenRequiredFrom, allowedOrigins } = settings.get().clientServer;
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ token, requiredFrom: tokenRequiredFrom, allowedOrigins }, null, 2)}\n`,
      );
      return 0;
    }
    io.stdout.write(
      `${token}\n` +
        `Required from ${REQUIRED_FROM_WORDS[tokenRequiredFrom]}. A test tool sends "Authorization: Bearer <token>" ` +
        `or adds ?token=<token> to ws://HOST:PORT/v1/repositories/<name>.\n` +
        (allowedOrigins.length === 0
          ? 'No web page may connect (browser Origins allowed: none).\n'
          : `Web pages from these origins may connect: ${allowedOrigins.join(', ')}.\n`) +
        (values.new || next !== current
          ? 'Saved. A running "repo-server serve" applies it within seconds.\n'
          : ''),
    );
    return 0;
  },
};
