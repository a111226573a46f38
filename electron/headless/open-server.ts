import Conf from 'conf';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../../package.json';
import { createServer, type RepoServer } from '../core/create-server';
import type { SettingsBackend } from '../core/settings';

export const appInfo = { name: pkg.productName, version: pkg.version };

/** Settings of a headless data directory: conf, in `<dataDir>/settings.json`. */
export function confSettings(dataDir: string): SettingsBackend {
  return new Conf<Record<string, unknown>>({
    cwd: dataDir,
    configName: 'settings',
    projectName: 'repo-server',
    // It holds the client access token: readable by this OS user only.
    configFileMode: 0o600,
  }) as unknown as SettingsBackend;
}

/**
 * While `serve` runs, settings changed by another process (`repo-server schedule`) apply at once: the
 * file is polled (cheap, and works on network disks where change events do not).
 */
export function watchSettingsFile(server: RepoServer, intervalMs = 2000): () => void {
  const file = path.join(server.dataDir, 'settings.json');
  const onChange = (now: fs.Stats, before: fs.Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    try {
      server.settings.reload();
    } catch (error) {
      console.warn(`Could not read the changed settings: ${(error as Error).message}`);
    }
  };
  fs.watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return () => fs.unwatchFile(file, onChange);
}

/** The core over a data directory, as every CLI command uses it. */
export function openServer(dataDir: string): Promise<RepoServer> {
  const dir = path.resolve(dataDir);
  return createServer({ dataDir: dir, appInfo, host: 'headless', settings: confSettings(dir) });
}
