import { renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStableItems } from './stable-items';

describe('useStableItems', () => {
  it('keeps each unchanged item as the same object and gives changed or new ones as they come', () => {
    const first = [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ];
    const { result, rerender } = renderHook(({ items }) => useStableItems(items), {
      initialProps: { items: first },
    });
    expect(result.current).toEqual(first);
    const second = [
      { id: 'c', n: 0 },
      { id: 'a', n: 1 },
      { id: 'b', n: 3 },
    ];
    rerender({ items: second });
    expect(result.current).toEqual(second);
    expect(result.current[1]).toBe(first[0]);
    expect(result.current[2]).toBe(second[2]);
    // The same list again renders nothing new.
    const kept = result.current;
    rerender({ items: second });
    expect(result.current).toBe(kept);
    // An equal new list is the very array too: a table given it keeps its collection.
    rerender({ items: second.map((item) => ({ ...item })) });
    expect(result.current).toBe(kept);
  });
});
