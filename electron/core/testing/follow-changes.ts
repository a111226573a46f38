import { expect } from 'vitest';
import type { NumberedChange } from '../../shared/contract/numbered';

/**
 * What the Control Panel does with a list's numbered changes (renderer/src/state/followed-list.ts),
 * strictly: each change must come from the list's stream and follow the one before, and the keys it
 * leaves must be its order's.
 */
export function followChanges<T>(
  start: { stream: string; seq: number; items: T[] },
  keyOf: (item: T) => string,
) {
  let seq = start.seq;
  const byKey = new Map(start.items.map((item) => [keyOf(item), item]));
  let order = start.items.map(keyOf);
  return {
    apply(c: NumberedChange<T>) {
      expect(c.stream).toBe(start.stream);
      expect(c.seq).toBe(seq + 1);
      seq = c.seq;
      for (const key of c.removed) byKey.delete(key);
      for (const item of c.changed) byKey.set(keyOf(item), item);
      order = c.order ?? order;
      expect([...byKey.keys()].sort()).toEqual([...order].sort());
    },
    list: (): T[] => order.map((key) => byKey.get(key)!),
  };
}
