import { randomUUID } from 'node:crypto';
import type { NumberedChange, NumberedList } from '../shared/contract/numbered';

/** An item as last announced, with its JSON to tell whether it changed. */
export interface Shown<T> {
  item: T;
  json: string;
}

export const shown = <T>(item: T): Shown<T> => ({ item, json: JSON.stringify(item) });

/**
 * The one rule for a list announced in numbered changes (shared/contract/numbered.ts): it keeps what it
 * last announced, by key, in the list's order, and announces only what differs from it, numbered.
 * `follow()` answers that list with the number of its last change, so a UI knows which changes come
 * after it. Used for repositoriesChanged (RepositoryAnnouncer) and clientsChanged (create-server).
 */
export class NumberedAnnouncer<T> {
  /** This run's stream: a restarted core numbers its changes anew. */
  readonly stream = randomUUID();
  private seq = 0;
  /** By key, in the list's order; null until first needed (nothing was announced before it). */
  private shown: Map<string, Shown<T>> | null = null;

  constructor(
    private readonly opts: {
      keyOf(item: T): string;
      /** The whole list as it is now. */
      read(): T[];
      emit(change: NumberedChange<T>): void;
      /**
       * The list before the first change, when it is known (no session exists before the client
       * server does); else the first announcement's own reading, so nothing before it is announced.
       */
      initial?: T[];
    },
  ) {
    if (opts.initial)
      this.shown = new Map(opts.initial.map((item) => [opts.keyOf(item), shown(item)] as const));
  }

  /** The whole list with the number of the last change it includes (announcing any change not yet told). */
  follow(): NumberedList<T> {
    this.announceAll();
    return { stream: this.stream, seq: this.seq, items: [...this.current().values()].map((s) => s.item) };
  }

  /** Reads the whole list again (or takes it as it is now) and announces the items that differ. */
  announceAll(now: T[] = this.opts.read()): void {
    const { keyOf } = this.opts;
    const before = this.current();
    const after = new Map(now.map((item) => [keyOf(item), shown(item)] as const));
    const changed = [...after].filter(([key, s]) => before.get(key)?.json !== s.json).map(([, s]) => s);
    const removed = [...before.keys()].filter((key) => !after.has(key));
    this.publish(after, changed, removed);
  }

  /** What was last announced (the list read once, if nothing was yet). */
  current(): Map<string, Shown<T>> {
    this.shown ??= new Map(this.opts.read().map((item) => [this.opts.keyOf(item), shown(item)] as const));
    return this.shown;
  }

  /**
   * Announces the list `after` (what will be shown), given the items that changed in it and the keys
   * removed; nothing when nothing changed. The order goes along when the keys or their order changed.
   */
  publish(after: Map<string, Shown<T>>, changed: Shown<T>[], removed: string[]): void {
    const { keyOf } = this.opts;
    const before = this.current();
    this.shown = after;
    const added = changed.some((s) => !before.has(keyOf(s.item)));
    const reordered = added || removed.length > 0 || !sameOrder(before, after);
    if (changed.length === 0 && !reordered) return;
    this.seq++;
    this.opts.emit({
      stream: this.stream,
      seq: this.seq,
      changed: changed.map((s) => s.item),
      removed,
      ...(reordered ? { order: [...after.keys()] } : {}),
    });
  }
}

function sameOrder(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  const bKeys = b.keys();
  for (const key of a.keys()) if (bKeys.next().value !== key) return false;
  return true;
}
