import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { z } from 'zod';
import type { EventName, RendererApi } from '../../../electron/shared/contract';
import type { NumberedChange, NumberedList } from '../../../electron/shared/contract/numbered';
import type { AppError, Result } from '../../../electron/shared/result';
import { useApi } from '../api/context';
import { useConnection } from './connection';
import type { Live } from './live';

interface Followed<T> {
  stream: string;
  seq: number;
  byKey: Map<string, T>;
  order: string[];
}

/**
 * The next list after a change, or null when the change does not follow the list (another stream, a
 * missed or repeated number, an order naming an item the list does not have): then only a reload
 * can tell what the list is, and an older list is never shown.
 */
export function applyChange<T>(
  list: Followed<T>,
  change: NumberedChange<T>,
  keyOf: (item: T) => string,
): Followed<T> | null {
  if (change.stream !== list.stream || change.seq !== list.seq + 1) return null;
  const byKey = new Map(list.byKey);
  for (const key of change.removed) byKey.delete(key);
  for (const item of change.changed) byKey.set(keyOf(item), item);
  const order = change.order ?? list.order;
  if (order.length !== byKey.size || order.some((key) => !byKey.has(key))) return null;
  return { stream: change.stream, seq: change.seq, byKey, order };
}

interface FollowOptions<T, E extends EventName> {
  load: (api: RendererApi) => Promise<Result<NumberedList<T>>>;
  event: E;
  /** The event's payload, checked against the contract (it crossed a process boundary). */
  change: z.ZodType<NumberedChange<T>>;
  keyOf: (item: T) => string;
}

const followed = <T>(list: NumberedList<T>, keyOf: (item: T) => string): Followed<T> => ({
  stream: list.stream,
  seq: list.seq,
  byKey: new Map(list.items.map((item) => [keyOf(item), item])),
  order: list.items.map(keyOf),
});

const itemsOf = <T>(list: Followed<T>): T[] => list.order.map((key) => list.byKey.get(key)!);

/**
 * Load a list once, then apply the core's numbered changes to it: an event carries only what changed
 * (one repository of 500), not the whole list. Changes that arrive while the list loads wait for it and
 * those it already includes are dropped; a change that does not follow (a gap, out of order, another
 * stream after a restart, a payload the contract refuses) loads the list again. After a lost
 * connection comes back, it loads again too. Unchanged items stay the very objects they were.
 */
export function useFollowedList<T, E extends EventName>({
  load,
  event,
  change,
  keyOf,
}: FollowOptions<T, E>): Live<T[]> {
  const api = useApi();
  const { generation: connection } = useConnection();
  const [value, setValue] = useState<T[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // The list the changes apply to, and those heard while it loads (null: none is loading).
  const list = useRef<Followed<T> | null>(null);
  const waiting = useRef<NumberedChange<T>[] | null>(null);

  useEffect(() => {
    let live = true;
    list.current = null;
    waiting.current = [];
    void load(api).then((result) => {
      if (!live) return;
      const heard = waiting.current ?? [];
      waiting.current = null;
      if (!result.ok) return setError(result.error);
      let next: Followed<T> | null = followed(result.value, keyOf);
      for (const c of heard) {
        if (c.stream === next.stream && c.seq <= next.seq) continue; // already in the list
        next = applyChange(next, c, keyOf);
        if (!next) return reload();
      }
      list.current = next;
      setValue(itemsOf(next));
      setError(null);
    });
    return () => {
      live = false;
    };
    // `load` and `keyOf` are stable module-level functions at every call site.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, generation, connection, reload]);

  useEffect(
    () =>
      api.on(event, (payload) => {
        const parsed = change.safeParse(payload);
        if (!parsed.success) return reload();
        if (waiting.current) {
          waiting.current.push(parsed.data);
          return;
        }
        if (!list.current) return; // the load failed: its error shows until a reload
        const next = applyChange(list.current, parsed.data, keyOf);
        list.current = next;
        if (!next) return reload();
        // A transition, as in useLive: one table's render never holds back another's.
        startTransition(() => {
          setValue(itemsOf(next));
          setError(null);
        });
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, event, reload],
  );

  return useMemo(() => ({ value, error, reload }), [value, error, reload]);
}
