// The one contract between the UIs and the core. Every method and event is declared here once; the IPC
// registration, the preload, the HTTP bridge and the renderer's client are all typed from it.
import type { z } from 'zod';
import type { Result } from '../result';
import type { EventSpec, MethodSpec } from './define';
import { hostMethods, type HostMethodName } from './host';
import { archiveEvents, archiveMethods } from './archives';
import { catalogMethods } from './catalog';
import { clientEvents, clientMethods } from './clients';
import { repositoryEvents, repositoryMethods } from './repositories';
import { backupScheduleEvents, backupScheduleMethods } from './schedule';
import { offsiteEvents, offsiteMethods } from './offsite';
import { recoveryMethods } from './recovery';
import { serverInfoEvents, serverInfoMethods } from './server-info';

export const methods = {
  ...serverInfoMethods,
  ...repositoryMethods,
  ...clientMethods,
  ...archiveMethods,
  ...catalogMethods,
  ...backupScheduleMethods,
  ...offsiteMethods,
  ...recoveryMethods,
  ...hostMethods,
} satisfies Record<string, MethodSpec>;

export const events = {
  ...serverInfoEvents,
  ...repositoryEvents,
  ...clientEvents,
  ...archiveEvents,
  ...backupScheduleEvents,
  ...offsiteEvents,
} satisfies Record<string, EventSpec>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Events = typeof events;
export type EventName = keyof Events;

export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

/** Every method as a plain async function that may throw AppFailure. */
export type Handlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodOutput<M>> };
/** What the core implements; the host (Electron shell or headless web host) adds the rest. */
export type CoreHandlers = Omit<Handlers, HostMethodName>;
export type HostHandlers = Pick<Handlers, HostMethodName>;

/** What a UI calls: every method answers with a Result, never throws for a known failure. */
export type ApiClient = {
  [M in MethodName]: undefined extends MethodInput<M>
    ? (args?: MethodInput<M>) => Promise<Result<MethodOutput<M>>>
    : (args: MethodInput<M>) => Promise<Result<MethodOutput<M>>>;
};

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

/**
 * What a transport knows about its own link, beyond the heartbeat: the web console's event stream
 * opened, dropped, or was refused because the page's token is not the server's.
 */
export type ConnectionSignal = 'open' | 'lost' | 'unauthorized';

export interface ConnectionLink {
  /** Tells the listener of every change; returns the unsubscribe. */
  subscribe(listener: (signal: ConnectionSignal) => void): () => void;
  /** Drop the link and connect again now (the UI heard no heartbeat, or the user asked). */
  reconnect(): void;
}

/** The object the preload exposes as `window.api`, and the HTTP bridge implements in a browser. */
export type RendererApi = ApiClient & {
  /** Subscribe to a core event; returns the unsubscribe. */
  on<E extends EventName>(name: E, listener: EventListener<E>): () => void;
  /** Which host the UI runs in; the desktop app also offers native pickers. */
  readonly host: 'electron' | 'headless';
  /** The web console's link; the desktop app has none (its core is in-process: the heartbeat tells). */
  readonly connection?: ConnectionLink;
};

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];
export const isMethodName = (name: string): name is MethodName => Object.hasOwn(methods, name);
export const isEventName = (name: string): name is EventName => Object.hasOwn(events, name);

/** IPC channel names, derived so that main and preload cannot drift. */
export const ipcChannel = {
  call: 'contract:call',
  event: 'contract:event',
  ready: 'contract:ready',
} as const;

export type { HostMethodName } from './host';
export { hostMethodNames } from './host';
