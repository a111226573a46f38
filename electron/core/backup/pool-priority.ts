import fs from 'node:fs';
import os from 'node:os';

// A backup keeps libuv's pool threads deflating on every core (parallel-deflate.ts). On a 2-core machine
// the main thread, which serves the clients, then waits for a core: timers fired 10–60 ms late with the
// main thread idle in the profile, descheduled (issue #17's note). The pool threads are given a lower
// priority (nice 10), so Linux runs the main thread first when both want a core, and compression gets
// every cycle the main thread leaves. Raising a nice value needs no privilege, lowering it back does:
// it is done once, for the process's life. The pool's other work here is local and short (the server's
// own files); a user's folders are read and written by the file agent, a process of its own.
// Linux only (threads are found in /proc); elsewhere nothing changes.

export const POOL_THREAD_NICE = 10;
const POOL_THREAD_NAME = 'libuv-worker';

let lowered = false;

/** The pool threads' ids (Linux), or none where /proc cannot say. */
export function poolThreadIds(): number[] {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .filter((tid) => {
        try {
          return fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === POOL_THREAD_NAME;
        } catch {
          return false; // a thread that ended meanwhile
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/** Lowers the pool threads' priority, once; the pool exists by then (the snapshot was opened through it). */
export function lowerPoolPriority(): void {
  if (lowered) return;
  const tids = poolThreadIds();
  if (tids.length === 0) return;
  lowered = true;
  for (const tid of tids) {
    try {
      if (os.getPriority(tid) < POOL_THREAD_NICE) os.setPriority(tid, POOL_THREAD_NICE);
    } catch {
      // Not allowed here (a sandbox): compression still works, at the same priority as the rest.
    }
  }
}
