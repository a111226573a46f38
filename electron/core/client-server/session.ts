import type { WebSocket } from 'ws';
import type { ClientSession } from '../../shared/contract/clients';
import { toLocalIso } from '../clock';
import type { Repository } from '../storage';

/** One connected client, as the registry and the Control Panel see it. */
export class Session {
  operations = 0;
  lastActivity: number;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly address: string,
    readonly repository: string,
    readonly repo: Repository,
    readonly socket: WebSocket,
    readonly connectedSince: number,
  ) {
    this.lastActivity = connectedSince;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  toJSON(): ClientSession {
    return {
      id: this.id,
      label: this.label,
      address: this.address,
      repository: this.repository,
      connectedSince: toLocalIso(this.connectedSince),
      lastActivity: toLocalIso(this.lastActivity),
      operations: this.operations,
    };
  }
}

/** A close reason must fit the close frame: at most 123 bytes of UTF-8, cut on a character boundary. */
export function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}
