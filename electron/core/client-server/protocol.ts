import { z } from 'zod';
import type { ErrorCode } from '../../shared/result';
import { ItemKind, ItemPath } from '../storage/item-rules';

// Client protocol v1 (ARCHITECTURE §4). A client connects to ws://HOST:PORT/v1/repositories/<name>
// and sends JSON text messages {id, op, …}; every request gets exactly one {id, ok, result | error}.
// The server may push {notice: {kind, message, at}} at any time.

export const PROTOCOL_VERSION = 1;
export const CONNECT_PATH_PREFIX = '/v1/repositories/';
/** Larger messages close the connection with 1009 (ws's maxPayload); items are at most this big. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** WebSocket close codes the server uses, with the reason a person reads in the close frame. */
export const CloseCode = {
  /** The server stops (or its listener moved and this session is ended by stop()). */
  goingAway: 1001,
  tooLarge: 1009,
  /** The administrator, a backup or a restore disconnected the clients of a repository. */
  disconnected: 4001,
  /** A web page whose origin is not allowed tried to connect (cross-site WebSocket hijacking). */
  forbiddenOrigin: 4003,
  /** The client sent nothing for too long. */
  idle: 4008,
  /** A message in flight did not arrive in time (a trickle that holds the connection). */
  tooSlow: 4009,
} as const;

const RequestId = z.union([z.string().min(1).max(200), z.number().int()], {
  error: 'id must be a string or an integer, so the answer can be matched to the request.',
});
const IfVersion = z
  .number({ error: 'ifVersion must be a whole number (0: only if the item does not exist).' })
  .int('ifVersion must be a whole number.')
  .min(0, 'ifVersion must be 0 or more.')
  .optional();

export const ClientRequest = z.discriminatedUnion(
  'op',
  [
    z.object({ id: RequestId, op: z.literal('list'), prefix: z.string().max(1024).optional() }).strict(),
    z.object({ id: RequestId, op: z.literal('get'), path: ItemPath }).strict(),
    z
      .object({
        id: RequestId,
        op: z.literal('put'),
        path: ItemPath,
        kind: ItemKind,
        content: z
          .string({ error: 'content must be a string (text, or base64 with encoding "base64").' })
          // A lone surrogate would be stored as U+FFFD: the text read back would not be the text written.
          .refine((c) => c.isWellFormed(), 'content must be valid Unicode text; send bytes as base64.'),
        encoding: z.enum(['utf8', 'base64']).default('utf8'),
        ifVersion: IfVersion,
      })
      .strict(),
    z.object({ id: RequestId, op: z.literal('delete'), path: ItemPath, ifVersion: IfVersion }).strict(),
  ],
  { error: 'op must be one of "list", "get", "put", "delete".' },
);
export type ClientRequest = z.infer<typeof ClientRequest>;
export const OPS = ['list', 'get', 'put', 'delete'] as const;

export type RequestIdValue = z.infer<typeof RequestId>;

/** An item as it travels: bytes as base64 so that every message stays JSON. */
export interface WireItem {
  path: string;
  kind: string;
  content: string;
  encoding: 'utf8' | 'base64';
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export type ClientResponse =
  | { id: RequestIdValue | null; ok: true; result: unknown }
  | { id: RequestIdValue | null; ok: false; error: { code: ErrorCode; message: string } };

export interface ServerNotice {
  notice: { kind: string; message: string; at: string };
}

/** The first message of every session: who the server thinks we are. */
export interface WelcomeMessage {
  welcome: { protocol: number; repository: string; sessionId: string; label: string };
}
