// The main thread's event-loop delay, as the goal means it: how late a timer fires. Node's
// monitorEventLoopDelay records the whole interval between its timer's ticks, so an idle loop sampled
// every 5 ms reads 5.1 ms at p99, not ~0.1 (nodejs/node#62935 calls it "an implicit floor of
// resolution ms"; Elastic's APM agent subtracts it too). The resolution is taken off every figure here.
// Also kept: the longest garbage-collection pause in the same window, the usual suspect of a max.
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const RESOLUTION_MS = 5;

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** The longest GC pause meanwhile, and the time all GC pauses took together. */
  longestGcMs: number;
  gcTotalMs: number;
  /** GC pauses by kind (minor: scavenges of the young generation; major: mark-compact), count and ms. */
  gcByKind: Record<string, { count: number; ms: number }>;
  /**
   * The worst stalls, each as its lateness and the monotonic clock (µs, as a V8 CPU profile's
   * timestamps) when the late timer finally ran: bench/cpu-profile-stalls.mjs --at shows what ran.
   */
  worst: Array<{ lateMs: number; endUs: number }>;
  /** The whole window, as END_US:LENGTH_MS for cpu-profile-stalls --at (where its time went). */
  window: string;
}

const WORST_KEPT = 5;

/** Starts measuring; `stop()` ends it and returns the figures. */
export function watchEventLoop(): { stop(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let longestGcMs = 0;
  const gcByKind: LoopDelay['gcByKind'] = {};
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longestGcMs = Math.max(longestGcMs, entry.duration);
      const kind = kinds[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      const k = (gcByKind[kind] ??= { count: 0, ms: 0 });
      k.count++;
      k.ms += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const startedUs = nowUs();
  // A timer of our own beside the histogram, only to know when the worst stalls happened.
  const worst: LoopDelay['worst'] = [];
  let expected = process.hrtime.bigint() + BigInt(RESOLUTION_MS * 1e6);
  const tick = () => {
    const now = process.hrtime.bigint();
    const lateMs = Number(now - expected) / 1e6;
    if (lateMs > (worst.at(-1)?.lateMs ?? 0) || worst.length < WORST_KEPT) {
      worst.push({ lateMs, endUs: Number(now / 1000n) });
      worst.sort((a, b) => b.lateMs - a.lateMs).splice(WORST_KEPT);
    }
    expected = now + BigInt(RESOLUTION_MS * 1e6);
    timer = setTimeout(tick, RESOLUTION_MS);
  };
  let timer = setTimeout(tick, RESOLUTION_MS);
  const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    stop() {
      const endedUs = nowUs();
      clearTimeout(timer);
      histogram.disable();
      gc.disconnect();
      return {
        p99Ms: late(histogram.percentile(99)),
        maxMs: late(histogram.max),
        samples: histogram.count,
        longestGcMs,
        gcTotalMs: Object.values(gcByKind).reduce((total, k) => total + k.ms, 0),
        gcByKind,
        worst,
        window: `${endedUs}:${Math.round((endedUs - startedUs) / 1000)}`,
      };
    },
  };
}
