import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import type { EventName, EventPayload, RendererApi } from '../../../electron/shared/contract';
import type { AppError, Result } from '../../../electron/shared/result';
import { useApi } from '../api/context';
import { useConnection } from './connection';

export interface Live<T> {
  value: T | null;
  /** Why the last load failed (the core's message), shown in the panel that needed it. */
  error: AppError | null;
  reload(): void;
}

interface LiveOptions<T, E extends EventName> {
  load: (api: RendererApi) => Promise<Result<T>>;
  /** Events that carry the whole new value, or null to mean "load again". */
  events?: { [K in E]?: (payload: EventPayload<K>) => T | null };
}

/**
 * Load once, then follow the core's events: no polling. An event that carries the value replaces it;
 * an event that only says "something changed" triggers one reload; after a lost connection comes back,
 * everything loads again (events sent meanwhile were never heard). The last value stays while lost.
 */
export function useLive<T, E extends EventName = never>({ load, events }: LiveOptions<T, E>): Live<T> {
  const api = useApi();
  const { generation: connection } = useConnection();
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let live = true;
    void load(api).then((result) => {
      if (!live) return;
      if (result.ok) {
        setValue(result.value);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      live = false;
    };
    // `load` is a stable module-level function at every call site.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, generation, connection]);

  useEffect(() => {
    const offs = Object.entries(events ?? {}).map(([name, pick]) =>
      api.on(name as E, (payload) => {
        const next = (pick as (p: unknown) => T | null)(payload);
        if (next === null) setGeneration((g) => g + 1);
        else
          // A transition: one event's render (500 repositories) never holds back another's (the new
          // client's row a connect also sends), nor what a person types meanwhile.
          startTransition(() => {
            setValue(next);
            setError(null);
          });
      }),
    );
    return () => offs.forEach((off) => off());
    // The events map is declared inline but never changes shape.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  // The same object while nothing changed: a panel given it (memo) renders again only when its own data does.
  return useMemo(() => ({ value, error, reload }), [value, error, reload]);
}

/**
 * The current time, ticking once a second: for "in 3 h 12 min" and uptimes, never for loading data.
 * While the server is not heard it stands still at the moment it was last heard, so "started 59 s ago"
 * or "running for 3 min" do not go on counting for a server that may be gone.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  const { lastHeardAt } = useConnection();
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return lastHeardAt ?? now;
}
