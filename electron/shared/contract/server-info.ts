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

/** How often the core says it is alive. */
export const HEARTBEAT_EVERY_MS = 2_000;
/**
 * A UI that has heard nothing for this long treats the server as lost: two beats and a half, so one late
 * beat on a busy machine is not an alarm, and the banner still shows within a few seconds.
 */
export const CONNECTION_LOST_AFTER_MS = 5_000;

export const serverInfoEvents = {
  heartbeat: event(
    z.object({ at: z.string() }),
    'Sent every 2 s (HEARTBEAT_EVERY_MS) so a UI can tell the core is alive; silence means it is not.',
  ),
};
