import os from 'node:os';
import type { CoreHandlers } from '../shared/contract';
import type { AppInfo } from './app-info';
import { toLocalIso } from './clock';

export function serverInfoHandlers(opts: {
  appInfo: AppInfo;
  dataDir: string;
  startedAt: number;
  host: 'electron' | 'headless';
}): Pick<CoreHandlers, 'getServerInfo'> {
  return {
    getServerInfo: async () => ({
      appName: opts.appInfo.name,
      version: opts.appInfo.version,
      dataDir: opts.dataDir,
      hostname: os.hostname(),
      platform: `${os.platform()} ${os.release()} (${os.arch()})`,
      startedAt: toLocalIso(opts.startedAt),
      host: opts.host,
    }),
  };
}
