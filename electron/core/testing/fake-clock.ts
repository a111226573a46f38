import type { Clock, TimerHandle } from '../clock';

/** A clock for tests: time moves only when the test says so, and due timers fire in order. */
export class FakeClock implements Clock {
  private nextId = 1;
  private timers = new Map<number, { at: number; callback: () => void }>();

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if ('id' in handle && typeof handle.id === 'number') this.timers.delete(handle.id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Jump to `ms` without firing anything: a machine that slept. */
  jumpTo(ms: number): void {
    this.current = ms;
  }

  /** Move forward, firing every timer that falls due on the way, each at its own time. */
  async advanceTo(ms: number): Promise<void> {
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= ms && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.current = Math.max(this.current, ms);
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }
}
