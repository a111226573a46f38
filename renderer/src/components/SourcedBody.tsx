import { useCallback, useLayoutEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { TableBody, type Key, type TableBodyProps } from 'react-aria-components';

/** A table's rows, read by its body alone: see SourcedBody. */
export interface ItemsSource<T> {
  get(): T[];
  subscribe(listener: () => void): () => void;
}

/**
 * The rows of a table as a source its body reads, kept at `items` after each render. Set once the
 * render that made them is committed, so a table whose other props did not change is not rendered
 * again for new rows: only its body is (see SourcedBody).
 */
export function useItemsSource<T>(items: T[]): ItemsSource<T> {
  const [source] = useState(() => {
    let current = items;
    const listeners = new Set<() => void>();
    return {
      get: () => current,
      subscribe(listener: () => void) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      set(next: T[]) {
        if (next === current) return;
        current = next;
        for (const listener of listeners) listener();
      },
    };
  });
  useLayoutEffect(() => source.set(items), [source, items]);
  return source;
}

/**
 * A TableBody whose items come from a source. react-stately makes a table's state (its selection
 * manager) new at every render of the Table, and every row and cell in view renders again with it: a
 * changed list rendered them twice, once with the Table and once more when the new collection came.
 * With the Table's element kept (useMemo) and only this body taking the new rows, they render once.
 */
export function SourcedBody<T extends object>({
  source,
  ...props
}: Omit<TableBodyProps<T>, 'items'> & { source: ItemsSource<T> }) {
  const items = useSyncExternalStore(source.subscribe, source.get);
  return <TableBody {...props} items={items} />;
}

/** Each row's changing values, by row id, read by its cells alone: see RowValue. */
export interface RowValues<V> {
  get(id: Key): V | undefined;
  subscribe(id: Key, listener: () => void): () => void;
}

/**
 * The values of a table's rows that change while the rows stay (counts, sizes, times), kept at `values`
 * after each render. Only the listeners of a row whose value object changed hear of it: give values
 * that keep their identity while unchanged (useStableItems). Kept out of a body's items, a count
 * leaves the table's collection as it was, and react-aria does not render every row in view again.
 */
export function useRowValues<V extends { id: Key }>(values: V[]): RowValues<V> {
  const [store] = useState(() => {
    let current = new Map(values.map((v) => [v.id, v]));
    const listeners = new Map<Key, Set<() => void>>();
    return {
      get: (id: Key) => current.get(id),
      subscribe(id: Key, listener: () => void) {
        const own = listeners.get(id) ?? new Set();
        listeners.set(id, own.add(listener));
        return () => {
          own.delete(listener);
          if (own.size === 0) listeners.delete(id);
        };
      },
      set(next: V[]) {
        const before = current;
        current = new Map(next.map((v) => [v.id, v]));
        for (const [id, own] of listeners) {
          if (current.get(id) !== before.get(id)) for (const listener of own) listener();
        }
      },
    };
  });
  useLayoutEffect(() => store.set(values), [store, values]);
  return store;
}

/** What a cell shows of its row's current value (see useRowValues); nothing once the row is gone. */
export function RowValue<V>({
  values,
  id,
  children,
}: {
  values: RowValues<V>;
  id: Key;
  children: (value: V) => ReactNode;
}) {
  const subscribe = useCallback((listener: () => void) => values.subscribe(id, listener), [values, id]);
  const value = useSyncExternalStore(subscribe, () => values.get(id));
  return value === undefined ? null : children(value);
}

/** A row's RowValue, bound once per row: `const value = rowValueOf(values, id)`, then `{value((v) => v.count)}`. */
export const rowValueOf =
  <V,>(values: RowValues<V>, id: Key) =>
  (show: (value: V) => ReactNode) => (
    <RowValue values={values} id={id}>
      {show}
    </RowValue>
  );
