import Conf from 'conf';
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
  }) as unknown as SettingsBackend;
}

/** The core over a data directory, as every CLI command uses it. */
export function openServer(dataDir: string): Promise<RepoServer> {
  const dir = path.resolve(dataDir);
  return createServer({ dataDir: dir, appInfo, host: 'headless', settings: confSettings(dir) });
}
