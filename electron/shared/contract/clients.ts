import { z } from 'zod';
import { Port } from '../port';
import { TokenRequiredFrom } from '../settings-schema';
import { event, method } from './define';
import { NumberedStream, numberedChange } from './numbered';

export const ServerStatus = z.object({
  state: z.enum(['running', 'stopped', 'starting', 'stopping']),
  host: z.string(),
  port: z.number().int(),
  /** Where clients connect, e.g. ws://127.0.0.1:53400/v1/repositories/<name>. */
  addresses: z.array(z.string()),
  /** ISO 8601 of the moment the listener started; null when stopped. */
  startedAt: z.string().nullable(),
  sessionCount: z.number().int().nonnegative(),
  /** Who must present the access token: clients on other machines, or every client. */
  accessTokenRequiredFrom: TokenRequiredFrom,
  /** Why the last start or port change failed, for the server panel. */
  lastError: z.string().nullable(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

export const ClientSession = z.object({
  id: z.string(),
  label: z.string(),
  address: z.string(),
  repository: z.string(),
  connectedSince: z.string(),
  lastActivity: z.string(),
  operations: z.number().int().nonnegative(),
});
export type ClientSession = z.infer<typeof ClientSession>;

/** Every connected client, with the last clientsChanged it includes (shared/contract/numbered.ts). */
export const ClientList = z.object({
  ...NumberedStream,
  clients: z.array(ClientSession),
});
export type ClientList = z.infer<typeof ClientList>;

/**
 * What changed since the announcement before (seq - 1), keyed by session id: sessions that connected or
 * worked (whole), ids of those gone, and, when a session came or went, every id in the list's order.
 */
export const ClientsChange = numberedChange(ClientSession);
export type ClientsChange = z.infer<typeof ClientsChange>;

export const ClientAccessToken = z.object({
  token: z.string(),
  requiredFrom: TokenRequiredFrom,
});
export type ClientAccessToken = z.infer<typeof ClientAccessToken>;

const NoInput = z.object({}).strict().optional();

export const clientMethods = {
  getServerStatus: method(NoInput, ServerStatus, 'Whether the client server runs, where, and for how long.'),
  startClientServer: method(NoInput, ServerStatus, 'Start listening for clients.'),
  stopClientServer: method(NoInput, ServerStatus, 'Disconnect every client and stop listening.'),
  changePort: method(
    z.object({ port: Port }),
    ServerStatus,
    'Listen on another port; if it is in use, PORT_IN_USE and the old port keeps serving.',
  ),
  listClients: method(NoInput, z.array(ClientSession), 'The connected clients.'),
  followClients: method(
    NoInput,
    ClientList,
    'The connected clients, with the last clientsChanged the list includes (the changes to apply after it).',
  ),
  getClientAccessToken: method(
    NoInput,
    ClientAccessToken,
    'The token test tools present (made on the first start), and who must present it.',
  ),
  newClientAccessToken: method(
    NoInput,
    ClientAccessToken,
    'Replace the access token: connected clients stay, new connections need the new one.',
  ),
  disconnectClient: method(
    z.object({ id: z.string().min(1), reason: z.string().max(200).optional() }),
    z.null(),
    'Close one client session.',
  ),
};

export const clientEvents = {
  serverStateChanged: event(
    ServerStatus,
    'The client server started, stopped or moved, or a client connected or left.',
  ),
  clientsChanged: event(
    ClientsChange,
    'Clients connected, disconnected or worked: only those, numbered in order (followClients).',
  ),
};
