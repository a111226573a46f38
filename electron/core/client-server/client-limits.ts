import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../clock';

// What one peer may hold of the client port (ARCHITECTURE §4), so that no connection or message can
// take the server down or exhaust it: sockets per address and in all, time to send the upgrade's
// headers and each message, and memory for large messages in flight and answers not yet read.

export interface ClientLimits {
  /** Open sockets in all (sessions and handshakes); more are answered 503 and closed. */
  maxConnections: number;
  /** Open sockets from one address. */
  maxConnectionsPerAddress: number;
  /** Time to send the upgrade request's headers. */
  headersTimeoutMs: number;
  /**
   * A message whose first bytes came this long ago and still has not arrived is cut off, unless it comes
   * at least `minBytesPerSecond` (a 16 MiB put over a slow link is fine; a trickle is not).
   */
  messageDeadlineMs: number;
  minBytesPerSecond: number;
  /** A message larger than this waits for one of `largeMessageSlots` before more of it is read. */
  largeMessageBytes: number;
  largeMessageSlots: number;
  /** A session whose answers pile up unread beyond this is not read from until they drain. */
  maxUnreadAnswerBytes: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  maxConnections: 2000,
  maxConnectionsPerAddress: 256,
  headersTimeoutMs: 10_000,
  messageDeadlineMs: 30_000,
  minBytesPerSecond: 32 * 1024,
  largeMessageBytes: 1024 * 1024,
  largeMessageSlots: 4,
  maxUnreadAnswerBytes: 8 * 1024 * 1024,
};

/** A bare HTTP answer for a socket refused before its request is read. */
export function refuseSocket(socket: Socket, message: string): void {
  const body = JSON.stringify({ ok: false, error: { code: 'BUSY', message } });
  socket.on('error', () => socket.destroy());
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** Counts open sockets per address and in all, across every listener (a port change keeps the old one). */
export class ConnectionCounter {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: () => ClientLimits) {}

  /** Takes the socket, or answers 503 and closes it when its address or the server is full. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const { maxConnections, maxConnectionsPerAddress } = this.limits();
    const mine = this.byAddress.get(address) ?? 0;
    if (this.total >= maxConnections) {
      refuseSocket(
        socket,
        `The server has ${maxConnections} open connections, its limit; try again shortly.`,
      );
      return false;
    }
    if (mine >= maxConnectionsPerAddress) {
      refuseSocket(
        socket,
        `${address} has ${maxConnectionsPerAddress} open connections, the limit for one address.`,
      );
      return false;
    }
    this.total++;
    this.byAddress.set(address, mine + 1);
    socket.once('close', () => {
      this.total--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
    return true;
  }

  get open(): number {
    return this.total;
  }
}

/** A few slots for large messages in flight: the others wait, paused, with at most 1 MiB read each. */
export class LargeMessageSlots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly count: () => number) {}

  /** Runs `granted` now or when a slot frees; returns a cancel for a wait that is no longer wanted. */
  request(granted: () => void): () => void {
    if (this.held < this.count()) {
      this.held++;
      granted();
      return () => undefined;
    }
    this.waiting.push(granted);
    return () => {
      const at = this.waiting.indexOf(granted);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }

  get inUse(): number {
    return this.held;
  }
}

type PauseReason = 'slot' | 'unread' | 'turn' | 'answer';

/** What handling one message does; a large message's may return its rest, run in a later turn. */
export type MessageWork = () => void | (() => void);

/**
 * Large messages are handled one per turn of the event loop: parsing and storing 15 MiB blocks the
 * thread for a while, and between two of them everything else (GET /health, small requests) gets its turn.
 */
export class LargeMessageTurns {
  private readonly queue: Array<() => void> = [];
  private scheduled = false;

  /** `gate`: null to go on, or a promise to wait for first (the WAL checkpoints catching up). */
  constructor(private readonly gate: () => Promise<void> | null = () => null) {}

  enqueue(work: () => void): void {
    this.queue.push(work);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    const wait = this.gate();
    if (wait) {
      void wait.then(() => {
        this.scheduled = false;
        this.schedule();
      });
      return;
    }
    // setImmediate runs after the poll phase: the I/O that is ready (a /health request) goes first.
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.queue.shift()!();
      } finally {
        this.schedule();
      }
    });
  }
}

export interface FlowOptions {
  ws: WebSocket;
  socket: Socket;
  clock: Clock;
  limits: () => ClientLimits;
  slots: LargeMessageSlots;
  /** The message in flight came too slowly: close the session with this reason. */
  onTooSlow(reason: string): void;
}

/**
 * Watches one session's incoming bytes between messages: the deadline of a message in flight, its slot
 * when it is large, and reading paused while its answers pile up unread. Raw socket data is seen after
 * ws has parsed it, so a message that completed in a chunk has already been handled.
 */
export class SessionFlow {
  private inFlightBytes = 0;
  private startedAt: number | null = null;
  private completedInChunk = false;
  private timer: TimerHandle | null = null;
  private slot: 'none' | 'waiting' | 'held' = 'none';
  private cancelWait: (() => void) | null = null;
  private readonly paused = new Set<PauseReason>();
  /** Messages that arrived while an earlier one waits its turn: handled after it, in order. */
  private readonly backlog: Array<() => void> = [];
  private waitingForTurn = false;
  private awaitedAnswers = 0;
  private closed = false;

  constructor(private readonly opts: FlowOptions) {
    opts.socket.on('data', (chunk: Buffer) => this.onData(chunk.length));
    opts.socket.on('drain', () => this.checkUnread());
    opts.ws.once('close', () => this.dispose());
  }

  /** A whole message arrived: the clock of the next one starts with its first bytes. */
  private arrived(): void {
    this.completedInChunk = true;
    this.inFlightBytes = 0;
    this.startedAt = null;
    this.clearTimer();
  }

  /** A message was handled: its slot (held until now, as its memory was) goes to the next one. */
  private completed(): void {
    if (this.slot === 'held') this.opts.slots.release();
    this.cancelWait?.();
    this.cancelWait = null;
    this.slot = 'none';
    this.resume('slot');
  }

  /**
   * A ping or pong arrived. Between messages it ends nothing and starts nothing; inside a fragmented
   * message it must not reset the message's clock (fragments with pings between would dodge it).
   */
  control(): void {
    if (this.inFlightBytes === 0) this.completedInChunk = true;
  }

  /**
   * A request waits in the group commit for its answer: nothing more is read from this peer until it is
   * sent, so the unread-answers check below sees it. Without this, every request read in one turn was
   * run and answered at the turn's end — 49 answers of 4 MiB queued for a peer that reads nothing.
   */
  awaitAnswer(): void {
    this.awaitedAnswers++;
    this.pause('answer');
  }

  /** The awaited answer was sent: read again unless the peer leaves its answers unread. */
  answered(): void {
    if (this.awaitedAnswers > 0 && --this.awaitedAnswers === 0) this.resume('answer');
    this.checkUnread();
  }

  /** An answer was queued: stop reading from a peer that does not read its answers. */
  checkUnread(): void {
    if (this.opts.ws.bufferedAmount > this.opts.limits().maxUnreadAnswerBytes) this.pause('unread');
    else this.resume('unread');
  }

  private onData(bytes: number): void {
    if (this.closed) return;
    if (this.completedInChunk) {
      // The chunk ended a message; any rest of it belongs to the next one, whose clock starts with its next chunk.
      this.completedInChunk = false;
      return;
    }
    this.inFlightBytes += bytes;
    if (this.startedAt === null) {
      this.startedAt = this.opts.clock.now();
      this.armDeadline();
    }
    const { largeMessageBytes } = this.opts.limits();
    if (this.inFlightBytes > largeMessageBytes && this.slot === 'none') {
      this.slot = 'waiting';
      // Paused at once; if a slot is free, resumed by the grant in the same turn.
      this.pause('slot');
      this.clearTimer();
      this.cancelWait = this.opts.slots.request(() => {
        this.cancelWait = null;
        if (this.closed) return this.opts.slots.release();
        this.slot = 'held';
        // Time spent waiting for the slot is ours, not the peer's.
        this.startedAt = this.opts.clock.now();
        this.inFlightBytes = 0;
        this.armDeadline();
        this.resume('slot');
      });
    }
  }

  private armDeadline(): void {
    this.clearTimer();
    const { messageDeadlineMs, minBytesPerSecond } = this.opts.limits();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      if (this.closed || this.startedAt === null) return;
      const seconds = (this.opts.clock.now() - this.startedAt) / 1000;
      if (this.inFlightBytes / Math.max(seconds, 0.001) >= minBytesPerSecond) return this.armDeadline();
      this.opts.onTooSlow(
        `A message took over ${Math.round(messageDeadlineMs / 1000)} s to arrive at under ` +
          `${Math.round(minBytesPerSecond / 1024)} KiB/s: the connection was closed.`,
      );
    }, messageDeadlineMs);
  }

  /**
   * Handles one message in the order it came: a large one waits for its turn in `turns` (one per turn of
   * the event loop, so /health and small requests are answered between them), with reading paused.
   * `work` of a large message may return the rest of it (the write, after its parsing): that runs in a
   * turn of its own too, still holding the message's slot and before anything later of this session.
   */
  handle(bytes: number, work: MessageWork, turns: LargeMessageTurns): void {
    this.arrived();
    if (this.waitingForTurn) return void this.backlog.push(() => this.handleInOrder(bytes, work, turns));
    this.handleInOrder(bytes, work, turns);
  }

  private handleInOrder(bytes: number, work: MessageWork, turns: LargeMessageTurns): void {
    const finish = () => {
      this.completed();
      this.checkUnread();
    };
    if (bytes <= this.opts.limits().largeMessageBytes) {
      work()?.();
      return finish();
    }
    this.waitingForTurn = true;
    this.pause('turn');
    const next = () => {
      this.waitingForTurn = false;
      this.resume('turn');
      while (this.backlog.length > 0 && !this.waitingForTurn) this.backlog.shift()!();
    };
    turns.enqueue(() => {
      let rest: (() => void) | void = undefined;
      try {
        if (this.closed) return;
        rest = work();
        if (!rest) finish();
      } finally {
        if (!rest) next();
      }
      if (!rest) return;
      const remaining = rest;
      turns.enqueue(() => {
        try {
          remaining();
          finish();
        } finally {
          next();
        }
      });
    });
  }

  private pause(reason: PauseReason): void {
    if (this.paused.size === 0) this.opts.ws.pause();
    this.paused.add(reason);
  }

  private resume(reason: PauseReason): void {
    if (!this.paused.delete(reason) || this.paused.size > 0 || this.closed) return;
    this.opts.ws.resume();
  }

  private clearTimer(): void {
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.cancelWait?.();
    this.cancelWait = null;
    if (this.slot === 'held') this.opts.slots.release();
    this.slot = 'none';
  }
}
