import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../clock';
import { RepoClient, type ConnectOptions } from '../client/repo-client';
import type { ClientServerSettings } from '../../shared/settings-schema';
import { MemorySettingsBackend, SettingsService } from '../settings';
import { RepositoryStore } from '../storage';
import { ClientServer, type ClientServerOptions } from './client-server';

/** A real client server on 127.0.0.1 (a free port) over a temp data directory, and its clients. */
export async function startTestServer(
  opts: Partial<ClientServerOptions> & {
    repositories?: string[];
    clock?: Clock;
    /** The client-server settings to start with (the token, who needs it, allowed origins). */
    clientSettings?: Partial<ClientServerSettings>;
  } = {},
) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-server-'));
  const clock = opts.clock ?? systemClock;
  const store = new RepositoryStore({ dataDir, clock });
  for (const name of opts.repositories ?? ['Main']) store.create(name);
  const settings = new SettingsService(new MemorySettingsBackend());
  if (opts.clientSettings)
    settings.update('clientServer', { ...settings.get().clientServer, ...opts.clientSettings });
  const server = new ClientServer({ store, settings, clock, logger: quietLogger, ...opts });
  server.overrideAddress({ host: '127.0.0.1', port: 0 });
  await server.start();
  const clients: RepoClient[] = [];
  const url = () => `ws://127.0.0.1:${server.status().port}`;
  return {
    server,
    store,
    settings,
    dataDir,
    url,
    async connect(repository = 'Main', more: Partial<ConnectOptions> = {}) {
      const client = await RepoClient.connect({ server: url(), repository, label: 'test tool', ...more });
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
      store.closeAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Polls until the check passes (for effects that arrive over a socket), or fails after a while. */
export async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
