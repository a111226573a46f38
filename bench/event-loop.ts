// The main thread's event-loop delay, as the goal means it: how late a timer fires. Node's
// monitorEventLoopDelay records the whole interval between its timer's ticks, so an idle loop sampled
// every 5 ms reads 5.1 ms at p99, not ~0.1 (nodejs/node#62935 calls it "an implicit floor of
// resolution ms"; Elastic's APM agent subtracts it too). The resolution is taken off every figure here.
// Also kept: the longest garbage-collection pause in the same window, the usual suspect of a max.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const RESOLUTION_MS = 5;

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** The longest GC pause meanwhile, and the time all GC pauses took together. */
  longestGcMs: number;
  gcTotalMs: number;
}

/** Starts measuring; `stop()` ends it and returns the figures. */
export function watchEventLoop(): { stop(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let longestGcMs = 0;
  let gcTotalMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longestGcMs = Math.max(longestGcMs, entry.duration);
      gcTotalMs += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    stop() {
      histogram.disable();
      gc.disconnect();
      return {
        p99Ms: late(histogram.percentile(99)),
        maxMs: late(histogram.max),
        samples: histogram.count,
        longestGcMs,
        gcTotalMs,
      };
    },
  };
}
