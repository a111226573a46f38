import v8 from 'node:v8';

// V8 starts marking the old generation for a full collection as soon as the room left under its limit
// is no larger than the young generation (one scavenge could promote all of it). The server's heap is
// small (~17 MB live) and V8 sets the limit at about twice that, so the room is always about one young
// generation: the main isolate ran a full mark-compact about every 100 ms while clients wrote and a
// backup ran (62 in a 7 s backup window), each reclaiming ~1 % of the heap and each a 5–15 ms stall (the
// atomic pause, and finishing the sweep of dead ArrayBuffers as the next marking starts). Issue #17's
// note has the traces. With these triggers marking starts once a quarter of the room since the last
// collection is used, at once past 75 %: collections follow what the server allocates, not its size.
// (At a half and 90 %, collections were fewer still, but each larger: /health answered 40 puts of 15 MiB
// 50 % later than with V8's rule; at a quarter, about as fast.)
// Dead Buffers are still freed by V8's own trigger on external memory (64 MB of growth), so a peak holds
// more of them: the price, measured in the same note.
export const GC_TRIGGER_FLAGS = [
  '--incremental-marking-soft-trigger=25',
  '--incremental-marking-hard-trigger=75',
] as const;
/** V8's own rule again (benchmarks compare against it). */
export const DEFAULT_GC_TRIGGER_FLAGS = [
  '--incremental-marking-soft-trigger=0',
  '--incremental-marking-hard-trigger=0',
] as const;

/**
 * Sets the triggers for this process (every isolate; V8 reads them at each check, so from now on).
 * Not in Electron: its main process may freeze V8's flags after start-up, and a change then aborts;
 * there they can only be given on the command line (`--js-flags`).
 */
export function tuneGarbageCollection(flags: readonly string[] = GC_TRIGGER_FLAGS): void {
  if (process.versions.electron) return;
  for (const flag of flags) v8.setFlagsFromString(flag);
}
