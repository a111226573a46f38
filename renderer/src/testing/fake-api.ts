import {
  methodNames,
  type EventName,
  type Handlers,
  type RendererApi,
} from '../../../electron/shared/contract';
import type { AppError } from '../../../electron/shared/result';

/**
 * A fake implementing the contract for component tests: give the handlers a test needs, and failures
 * by method; every other method answers NOT_SUPPORTED. `emit` plays a core event. `host` is headless
 * unless a test plays the desktop app.
 */
export function fakeApi(
  handlers: Partial<Handlers>,
  failures: Partial<Record<keyof Handlers, AppError>> = {},
  { host = 'headless' }: { host?: RendererApi['host'] } = {},
): RendererApi & { emit(name: EventName, payload: unknown): void; calls: { name: string; args: unknown }[] } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: { name: string; args: unknown }[] = [];
  const api: Record<string, unknown> = {
    host,
    calls,
    on: (name: string, listener: (payload: unknown) => void) => {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    emit: (name: string, payload: unknown) => {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    },
  };
  for (const name of methodNames) {
    api[name] = async (args: unknown) => {
      calls.push({ name, args });
      const failure = failures[name];
      if (failure) return { ok: false, error: failure };
      const handler = handlers[name] as ((a: unknown) => Promise<unknown>) | undefined;
      if (!handler)
        return { ok: false, error: { code: 'NOT_SUPPORTED', message: `${name} is not faked in this test.` } };
      return { ok: true, value: await handler(args) };
    };
  }
  return api as never;
}
