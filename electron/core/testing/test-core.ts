import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quietLogger } from '../client-server/test-support';
import { createServer, type ServerOptions } from '../create-server';

/** How the tests make a headless core over `dataDir` (again over the same one: a restarted core). */
export const testCoreOptions = (dataDir: string): ServerOptions => ({
  dataDir,
  appInfo: { name: 'Repository Server', version: '0.0.1' },
  host: 'headless',
  logger: quietLogger,
});

/** A started core over a new temp data dir, its client server on 127.0.0.1 at a free port. */
export async function startTestCore(prefix: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const server = await createServer(testCoreOptions(dataDir));
  server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
  await server.start();
  return { server, dataDir };
}
