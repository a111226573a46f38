import { z } from 'zod';
import { event, method } from './define';

export const ServerInfo = z.object({
  appName: z.string(),
  version: z.string(),
  dataDir: z.string(),
  hostname: z.string(),
  platform: z.string(),
  /** ISO 8601 with offset. */
  startedAt: z.string(),
  /** Which host serves this UI: the desktop app or the headless web host. */
  host: z.enum(['electron', 'headless']),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export const NoInput = z.object({}).strict().optional();

export const serverInfoMethods = {
  getServerInfo: method(NoInput, ServerInfo, 'App name and version, data directory, host and start time.'),
};

export const serverInfoEvents = {
  heartbeat: event(z.object({ at: z.string() }), 'Sent every 30 s so a UI can tell the core is alive.'),
};
