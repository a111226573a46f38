import {
  eventNames,
  methodNames,
  type ConnectionSignal,
  type EventName,
  type EventListener,
  type RendererApi,
} from '../../../electron/shared/contract';
import type { Result } from '../../../electron/shared/result';

/** Waits between reconnection attempts: quick at first (a restart takes a second), then every 10 s. */
export const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 10_000];
const PROBE_TIMEOUT_MS = 10_000;

interface BridgeOptions {
  base?: string;
  /** For tests: how EventSources are made. */
  eventSource?: (url: string) => EventSource;
}

/**
 * The contract over HTTP, for the Control Panel served by `repo-server serve`: `POST /api/<method>`
 * with the token as a bearer, and events from one EventSource at `/api/events`. The bridge keeps that
 * stream open: when it drops it says so, then tries again with backoff, first asking whether the server
 * still takes the token (an EventSource cannot see a 401), so a wrong token is one clear state, not a
 * loop of errors.
 */
export function createHttpBridge(token: string, options: BridgeOptions = {}): RendererApi {
  const base = options.base ?? '';
  const makeSource = options.eventSource ?? ((url: string) => new EventSource(url));
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const linkListeners = new Set<(signal: ConnectionSignal) => void>();
  let source: EventSource | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let refused = false;

  const signal = (s: ConnectionSignal) => {
    if (s === 'unauthorized') refused = true;
    for (const listener of linkListeners) listener(s);
  };

  const dropSource = () => {
    source?.close();
    source = undefined;
  };

  const openSource = () => {
    dropSource();
    const opened = makeSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
    source = opened;
    opened.addEventListener('open', () => {
      attempts = 0;
      signal('open');
    });
    opened.addEventListener('error', () => {
      if (source !== opened) return;
      dropSource();
      signal('lost');
      scheduleReconnect();
    });
    for (const name of eventNames) {
      opened.addEventListener(name, (e) => {
        const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  };

  /** Does the server answer, and take our token? */
  const probe = async (): Promise<'ok' | 'down' | 'unauthorized'> => {
    try {
      const response = await fetch(`${base}/api/getServerInfo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '',
        // A server that hangs (stopped, swapping) must not hold the next attempt forever.
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      if (response.status === 401) return 'unauthorized';
      return response.ok ? 'ok' : 'down';
    } catch {
      return 'down';
    }
  };

  const scheduleReconnect = (delay?: number) => {
    if (retryTimer !== undefined || refused) return;
    const wait = delay ?? RECONNECT_DELAYS_MS[Math.min(attempts, RECONNECT_DELAYS_MS.length - 1)]!;
    attempts++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void probe().then((answer) => {
        if (answer === 'unauthorized') signal('unauthorized');
        else if (answer === 'down') scheduleReconnect();
        else openSource();
      });
    }, wait);
  };

  const call = async (name: string, args: unknown): Promise<Result<unknown>> => {
    let response: Response;
    try {
      response = await fetch(`${base}/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: args === undefined ? '' : JSON.stringify(args),
      });
    } catch {
      // The server is gone: say so once, and let the stream's reconnection bring it back.
      if (source) {
        dropSource();
        signal('lost');
        scheduleReconnect();
      }
      return {
        ok: false,
        error: {
          code: 'UNAVAILABLE',
          message: 'The server did not answer: the connection to it is lost. Nothing was changed.',
        },
      };
    }
    if (response.status === 401) signal('unauthorized');
    try {
      return (await response.json()) as Result<unknown>;
    } catch {
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `The server answered ${response.status} without a result.` },
      };
    }
  };

  const api: Record<string, unknown> = {
    host: 'headless',
    on<E extends EventName>(name: E, listener: EventListener<E>) {
      if (!source && retryTimer === undefined && !refused) openSource();
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    connection: {
      subscribe(listener: (s: ConnectionSignal) => void) {
        linkListeners.add(listener);
        return () => linkListeners.delete(listener);
      },
      reconnect() {
        if (refused) return;
        dropSource();
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        attempts = 0;
        scheduleReconnect(0);
      },
    },
  };
  for (const name of methodNames) api[name] = (args?: unknown) => call(name, args);
  return api as RendererApi;
}
