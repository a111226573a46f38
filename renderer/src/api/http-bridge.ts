import {
  eventNames,
  methodNames,
  type EventName,
  type EventListener,
  type RendererApi,
} from '../../../electron/shared/contract';
import type { Result } from '../../../electron/shared/result';

/**
 * The contract over HTTP, for the Control Panel served by `repo-server serve`: `POST /api/<method>`
 * with the token as a bearer, and events from one EventSource at `/api/events`.
 */
export function createHttpBridge(token: string, base = ''): RendererApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSource | undefined;

  const ensureEvents = () => {
    if (source) return;
    source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
    for (const name of eventNames) {
      source.addEventListener(name, (e) => {
        const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  };

  const call = async (name: string, args: unknown): Promise<Result<unknown>> => {
    try {
      const response = await fetch(`${base}/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: args === undefined ? '' : JSON.stringify(args),
      });
      const body = (await response.json()) as Result<unknown>;
      return body;
    } catch (error) {
      return {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: `The server did not answer (${error instanceof Error ? error.message : String(error)}). Is repo-server serve still running?`,
        },
      };
    }
  };

  const api: Record<string, unknown> = {
    host: 'headless',
    on<E extends EventName>(name: E, listener: EventListener<E>) {
      ensureEvents();
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
  for (const name of methodNames) api[name] = (args?: unknown) => call(name, args);
  return api as RendererApi;
}
