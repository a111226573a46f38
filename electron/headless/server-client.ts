import http from 'node:http';
import { CONNECTION_LOST_AFTER_MS } from '../shared/contract/server-info';
import { events, isEventName, methods, type EventName, type MethodName } from '../shared/contract';
import { fail, type AppError, type Result } from '../shared/result';

// The CLI's side of the web host's API (web-host.ts): `POST /api/<method>` and the event stream, with the
// token in a header. A server is hostile until checked like any peer: answers and events are validated
// against the contract, and silence is noticed (the core beats every 2 s, as the Control Panel knows).

const CONNECT_TIMEOUT_MS = 5_000;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface ServerClient {
  call(name: MethodName, args: unknown): Promise<Result<unknown>>;
  onEvent(listener: (name: EventName, payload: unknown) => void): () => void;
  /** Resolves with a reason once the server is gone or silent; calls waiting then end with UNAVAILABLE. */
  readonly lost: Promise<string>;
  close(): void;
}

const unavailable = (message: string): Result<never> => fail('UNAVAILABLE', message);

/** Opens the event stream first: once it answers, the token is known good and silence can be told. */
export async function connectToServer(origin: string, token: string): Promise<ServerClient> {
  const base = new URL(origin);
  const listeners = new Set<(name: EventName, payload: unknown) => void>();
  let lastHeard = Date.now();
  let closed = false;
  let markLost!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  let lostReason: string | null = null;
  const loseWith = (reason: string) => {
    if (lostReason !== null || closed) return;
    lostReason = reason;
    markLost(reason);
  };

  const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(
      new URL('/api/events', base),
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          readAll(res)
            .then((body) => reject(new StreamRefused(res.statusCode ?? 0, errorOf(body))))
            .catch(reject);
          return;
        }
        resolve(res);
      },
    );
    req.setTimeout(CONNECT_TIMEOUT_MS, () =>
      req.destroy(new Error(`it did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`)),
    );
    req.on('error', reject);
  });
  stream.socket.setTimeout(0);
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    lastHeard = Date.now();
    buffer += chunk;
    if (buffer.length > MAX_ANSWER_BYTES) return stream.destroy();
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      deliver(frame);
    }
  });
  stream.on('close', () => loseWith('the server closed the connection (it stopped)'));
  stream.on('error', () => loseWith('the connection to the server broke'));
  const deliver = (frame: string) => {
    let name = '';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!name || !isEventName(name)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = events[name].payload.safeParse(payload);
    if (!parsed.success) return;
    for (const listener of listeners) listener(name, parsed.data);
  };
  const watchdog = setInterval(() => {
    const silent = Date.now() - lastHeard;
    if (silent > CONNECTION_LOST_AFTER_MS)
      loseWith(`the server stopped answering (nothing heard for ${Math.round(silent / 1000)} s)`);
  }, 1_000);
  watchdog.unref();

  const call = async (name: MethodName, args: unknown): Promise<Result<unknown>> => {
    if (lostReason !== null) return unavailable(`Nothing was asked: ${lostReason}.`);
    const answer = post(new URL(`/api/${name}`, base), token, args);
    const result = await Promise.race([
      answer,
      lost.then((reason) => unavailable(`No answer to ${name}: ${reason}.`)),
    ]);
    if (!result.ok) return result;
    const parsed = methods[name].output.safeParse(result.value);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : fail('INTERNAL', `The server's answer to ${name} is not what the contract says; nothing is trusted.`);
  };

  return {
    call,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lost,
    close() {
      closed = true;
      clearInterval(watchdog);
      stream.destroy();
    },
  };
}

export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly error: AppError | null,
  ) {
    super(error?.message ?? `HTTP ${status}`);
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) res.destroy(new Error('the answer is over 64 MiB'));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function errorOf(body: string): AppError | null {
  try {
    const value = JSON.parse(body) as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
    if (
      value.ok === false &&
      typeof value.error?.message === 'string' &&
      typeof value.error.code === 'string'
    )
      return value.error as AppError;
  } catch {
    // Not ours.
  }
  return null;
}

function post(url: URL, token: string, args: unknown): Promise<Result<unknown>> {
  const body = JSON.stringify(args ?? null);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        readAll(res).then(
          (text) => {
            const error = errorOf(text);
            if (error) return resolve({ ok: false, error });
            try {
              const value = JSON.parse(text) as { ok?: unknown; value?: unknown };
              if (value.ok === true) return resolve({ ok: true, value: value.value });
            } catch {
              // Said below.
            }
            resolve(
              fail(
                'INTERNAL',
                `The server answered ${url.pathname} with HTTP ${res.statusCode} and no result.`,
              ),
            );
          },
          (error: Error) =>
            resolve(unavailable(`The answer to ${url.pathname} broke off: ${error.message}.`)),
        );
      },
    );
    req.on('error', (error) => resolve(unavailable(`The server could not be asked: ${error.message}.`)));
    req.end(body);
  });
}
