import { useState } from 'react';

type Kept<T> = Map<string | number, { json: string; item: T }>;

function stabilize<T extends { id: string | number }>(items: readonly T[], before: Kept<T>, last: T[]) {
  const byId: Kept<T> = new Map();
  const out = items.map((item) => {
    const json = JSON.stringify(item);
    const old = before.get(item.id);
    const kept = old && old.json === json ? old : { json, item };
    byId.set(item.id, kept);
    return kept.item;
  });
  // The very list before when no item changed: a table's collection stays the same too.
  const same = out.length === last.length && out.every((item, i) => item === last[i]);
  return { source: items, out: same ? last : out, byId };
}

/**
 * The same list with each item that did not change kept as the very object it was before (compared by
 * its JSON). The core sends whole lists on every change (500 repositories when one client connects); a
 * table caches each row by its item's identity, so only the rows that changed render again. A list
 * whose items all stayed is the very array it was.
 */
export function useStableItems<T extends { id: string | number }>(items: readonly T[]): T[] {
  const [state, setState] = useState(() => stabilize(items, new Map(), []));
  if (state.source === items) return state.out;
  // A new list: derived during render (React's pattern for state that follows a prop).
  const next = stabilize(items, state.byId, state.out);
  setState(next);
  return next.out;
}
