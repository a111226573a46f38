import { z } from 'zod';

/**
 * Lists the core announces in numbered changes (repositoriesChanged, clientsChanged): an event carries
 * only the items that changed, and the list a follow method answers says which change it includes last.
 *
 * `stream` names one run of the core's announcer (a restarted core starts another), `seq` counts its
 * changes. A UI applies a change only to the list it follows, in order: any other stream or sequence
 * number means "load the list again" (renderer/src/state/followed-list.ts).
 */
export const NumberedStream = {
  stream: z.string().min(1).max(100),
  seq: z.number().int().nonnegative(),
};

/**
 * What changed since the change before (seq - 1): items added or changed (whole), keys removed, and,
 * when the set of keys or their order changed, every key in the list's order.
 */
export const numberedChange = <T extends z.ZodType>(item: T) =>
  z.object({
    ...NumberedStream,
    seq: z.number().int().positive(),
    changed: z.array(item),
    removed: z.array(z.string()),
    order: z.array(z.string()).optional(),
  });

/** A list as a follow method answers it, in the generic shape (each contract names its items). */
export interface NumberedList<T> {
  stream: string;
  seq: number;
  items: T[];
}

/** One numbered change, as numberedChange's schema gives it. */
export interface NumberedChange<T> {
  stream: string;
  seq: number;
  changed: T[];
  removed: string[];
  order?: string[];
}
