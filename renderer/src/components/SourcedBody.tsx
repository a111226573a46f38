import { useLayoutEffect, useState, useSyncExternalStore } from 'react';
import { TableBody, type TableBodyProps } from 'react-aria-components';

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
