import type { Clock, TimerHandle } from '../clock';
import { MAX_TIMER_MS } from './backup-scheduler';

// When restore drills run (ARCHITECTURE §7): every `drillEveryDays` days counted from the last drill's
// end (kept in the history, so a restart or a machine that slept through the day runs it at once), never
// while a backup run goes on (it waits a minute and looks again). The drill itself is backup/'s.

const DAY_MS = 24 * 60 * 60 * 1000;
/** A drill that is due while a backup runs looks again this much later. */
const BUSY_RETRY_MS = 60_000;
/** A drill that found nothing to test (no verified backup yet) is tried again this much later. */
export const NOTHING_TESTED_RETRY_MS = 60 * 60_000;

export interface DrillSchedulerOptions {
  clock: Clock;
  everyDays: () => number | null;
  /** When the last drill ended (ms), or null when none ever ran. */
  lastRunAt: () => number | null;
  /** A backup run or a drill goes on now. */
  isBusy: () => boolean;
  run: () => Promise<unknown>;
  logger?: Pick<Console, 'warn'>;
}

export class DrillScheduler {
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = true;
  /** When this process last ran a drill: one that tested nothing leaves no history to count from. */
  private attemptedAt: number | null = null;

  constructor(private readonly options: DrillSchedulerOptions) {}

  /** When the next drill is due (ms; now or earlier when it is due already), or null when drills are off. */
  nextRun(): number | null {
    const days = this.options.everyDays();
    if (days === null) return null;
    const last = this.options.lastRunAt();
    const due = last === null ? this.options.clock.now() : last + days * DAY_MS;
    return this.attemptedAt === null ? due : Math.max(due, this.attemptedAt + NOTHING_TESTED_RETRY_MS);
  }

  start(): void {
    this.stopped = false;
    this.reschedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The setting changed or a drill ended: look again. */
  reschedule(): void {
    if (this.stopped) return;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.nextRun();
    if (next === null) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next - this.options.clock.now()));
    this.timer = this.options.clock.setTimeout(() => this.check(), wait);
  }

  private check(): void {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    const next = this.nextRun();
    if (next === null) return;
    const now = this.options.clock.now();
    if (next > now) return this.reschedule();
    if (this.options.isBusy()) {
      this.timer = this.options.clock.setTimeout(() => this.check(), BUSY_RETRY_MS);
      return;
    }
    this.running = true;
    this.attemptedAt = now;
    void this.options
      .run()
      .catch((error: unknown) =>
        this.options.logger?.warn(`The restore test did not run: ${(error as Error).message}`),
      )
      .finally(() => {
        this.running = false;
        this.reschedule();
      });
  }
}
