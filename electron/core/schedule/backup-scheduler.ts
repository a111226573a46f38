import type { Clock, TimerHandle } from '../clock';
import type { Day } from '../../shared/settings-schema';
import { nextOccurrence, occurrencesBetween, systemTimeZone } from './schedule-rules';

// When scheduled backups start (ARCHITECTURE §7). Slots are computed here from the injected Clock, not by
// node-schedule: its timers are real ones, it skips a time in the spring-forward gap and runs a time in
// the fall-back hour twice, and it has no idea of a run missed while the machine slept.

export interface ScheduleSettings {
  enabled: boolean;
  days: readonly Day[];
  times: readonly string[];
  catchUp: boolean;
  /** ISO 8601, or null. */
  pausedUntil: string | null;
}

export interface RunOutcome {
  ok: boolean;
}

export interface SchedulerHooks {
  /** Carry out one scheduled run; `attempt` is 0, then 1…3 for the retries of a failed run. */
  run(slotAt: number, attempt: number): Promise<RunOutcome>;
  /** Whether any backup run (scheduled or manual) is going on now. */
  isRunning(): boolean;
  /** A slot that did not run, and why (recorded in the history as `skipped`). */
  skipped(slotAt: number, reason: string): void;
  /** Next run, retry or pause changed: the status should be sent again. */
  changed(): void;
}

/** Where the last handled slot is kept, so a run missed while the app was closed is caught up at start. */
export interface SchedulerState {
  load(): number | null;
  save(lastHandledSlot: number): void;
}

export class MemorySchedulerState implements SchedulerState {
  constructor(private value: number | null = null) {}
  load() {
    return this.value;
  }
  save(ms: number) {
    this.value = ms;
  }
}

const MINUTE = 60_000;
/** Retries of a failed run: 5, 15 and 40 minutes after each failure, so three within the hour. */
export const RETRY_DELAYS_MS = [5 * MINUTE, 15 * MINUTE, 40 * MINUTE] as const;
/**
 * A timer wakes at least this often and looks at the wall clock: timers do not count the time a machine
 * sleeps, and the wall clock may be changed by hand.
 */
export const MAX_TIMER_MS = 10 * MINUTE;
/** A slot found later than this is a missed one (the machine slept or the app was closed). */
const LATE_AFTER_MS = 5 * MINUTE;

export interface BackupSchedulerOptions {
  clock: Clock;
  settings: () => ScheduleSettings;
  hooks: SchedulerHooks;
  state?: SchedulerState;
  /** IANA zone the times are read in; the system's by default, read again at every check. */
  timeZone?: string;
  logger?: Pick<Console, 'info' | 'warn'>;
}

export class BackupScheduler {
  private readonly clock: Clock;
  /** The zone the next run was computed in: when the system's changes, the next run moves. */
  private zoneSeen: string;
  private readonly state: SchedulerState;
  private timer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  /** Slots up to here are handled (run, skipped or before the schedule existed). */
  private baseline = 0;
  /** The slot the timer is waiting for; checks before it need no calendar work. */
  private armedFor: number | null = null;
  private retry: { at: number; slotAt: number; attempt: number } | null = null;
  private started = false;

  constructor(private readonly options: BackupSchedulerOptions) {
    this.clock = options.clock;
    this.zoneSeen = this.timeZone;
    this.state = options.state ?? new MemorySchedulerState();
  }

  /** Starts the timers; a slot missed while the app was not running runs once now (catch-up). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const now = this.clock.now();
    // Kept at once: a first start must count as "handled up to here" for the next start's catch-up.
    this.setBaseline(this.state.load() ?? now);
    if (!this.options.settings().enabled) this.setBaseline(now);
    this.check();
  }

  stop(): void {
    this.started = false;
    this.clearTimer();
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retry = null;
  }

  /** The settings changed: slots before now are not "missed", and the next run moves. */
  reschedule(): void {
    // Changed while not running (the CLI, say): slots before now belong to the old schedule.
    if (!this.started) return this.setBaseline(Math.max(this.state.load() ?? 0, this.clock.now()));
    this.setBaseline(Math.max(this.baseline, this.clock.now()));
    if (!this.options.settings().enabled) this.cancelRetry();
    this.check(true);
    this.options.hooks.changed();
  }

  /** The machine woke up (the desktop shell's powerMonitor 'resume'): run a missed slot once, now. */
  catchUp(): void {
    if (this.started) this.check(true);
  }

  private get timeZone(): string {
    return this.options.timeZone ?? systemTimeZone();
  }

  /** The next scheduled run, after a pause if there is one; null when backups are off. */
  nextRun(): number | null {
    const s = this.options.settings();
    if (!s.enabled) return null;
    const now = this.clock.now();
    const pausedUntil = this.pausedUntil(s, now);
    return nextOccurrence(s, Math.max(this.baseline, now, pausedUntil ?? 0), this.timeZone);
  }

  retryAt(): number | null {
    return this.retry?.at ?? null;
  }

  private pausedUntil(s: ScheduleSettings, now: number): number | null {
    const until = s.pausedUntil ? Date.parse(s.pausedUntil) : Number.NaN;
    return Number.isFinite(until) && until > now ? until : null;
  }

  private setBaseline(ms: number) {
    this.baseline = ms;
    this.state.save(ms);
  }

  private check(forced = false): void {
    if (!this.started) return;
    const now = this.clock.now();
    // Looked at on every wake (at least every 10 minutes) and on resume: a laptop that travels.
    const zone = this.timeZone;
    const zoneChanged = zone !== this.zoneSeen;
    if (zoneChanged) {
      (this.options.logger ?? console).info(`The time zone changed from ${this.zoneSeen} to ${zone}.`);
      this.zoneSeen = zone;
      forced = true;
    }
    if (!forced && this.armedFor !== null && now < this.armedFor) return this.arm(now);
    const s = this.options.settings();
    if (!s.enabled) {
      this.setBaseline(now);
      this.clearTimer();
      this.armedFor = null;
      return;
    }
    // Slots inside a pause are dropped on purpose, not caught up when it ends.
    const pauseEnd = s.pausedUntil ? Date.parse(s.pausedUntil) || 0 : 0;
    const due = occurrencesBetween(s, Math.max(this.baseline, pauseEnd), now, this.timeZone);
    const slot = due.at(-1);
    if (slot !== undefined) {
      this.setBaseline(slot);
      this.handleDue(slot, due.length, now, s);
    }
    this.armedFor = this.nextRun();
    this.arm(now);
    if (zoneChanged) {
      const next = this.armedFor === null ? 'none' : new Date(this.armedFor).toISOString();
      (this.options.logger ?? console).info(`Next backup recomputed in ${zone}: ${next}.`);
      this.options.hooks.changed();
    }
  }

  private handleDue(slot: number, missed: number, now: number, s: ScheduleSettings): void {
    const { hooks, logger = console } = this.options;
    if (this.pausedUntil(s, now) !== null) return;
    const late = now - slot > LATE_AFTER_MS;
    if (late && !s.catchUp) {
      hooks.skipped(slot, 'Missed while the app was not running or the computer slept; catch-up is off.');
      return;
    }
    if (hooks.isRunning()) {
      hooks.skipped(slot, 'The previous backup was still running.');
      return;
    }
    if (late) logger.info(`Catching up ${missed} missed backup slot(s) with one run.`);
    this.cancelRetry();
    this.launch(slot, 0);
  }

  private launch(slotAt: number, attempt: number): void {
    this.options.hooks
      .run(slotAt, attempt)
      .catch(() => ({ ok: false }))
      .then((outcome) => {
        if (!this.started) return;
        if (!outcome.ok && attempt < RETRY_DELAYS_MS.length) this.scheduleRetry(slotAt, attempt + 1);
        else if (this.retry?.slotAt === slotAt) this.retry = null;
        this.options.hooks.changed();
      });
  }

  private scheduleRetry(slotAt: number, attempt: number): void {
    this.cancelRetry();
    const at = this.clock.now() + RETRY_DELAYS_MS[attempt - 1]!;
    this.retry = { at, slotAt, attempt };
    const fire = () => {
      this.retryTimer = undefined;
      if (!this.started || !this.retry) return;
      // Another run is going (a manual one, say): try again a minute later rather than overlap.
      if (this.options.hooks.isRunning()) {
        this.retryTimer = this.clock.setTimeout(fire, MINUTE);
        return;
      }
      this.retry = null;
      this.launch(slotAt, attempt);
    };
    this.retryTimer = this.clock.setTimeout(fire, at - this.clock.now());
  }

  private cancelRetry(): void {
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retry = null;
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(now: number): void {
    this.clearTimer();
    const s = this.options.settings();
    if (!s.enabled) return;
    const wake = Math.min(this.armedFor ?? Number.POSITIVE_INFINITY, this.pausedUntil(s, now) ?? Infinity);
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        const before = this.pausedUntil(this.options.settings(), now);
        this.check();
        // The pause ended on its own: say so.
        if (before !== null && this.pausedUntil(this.options.settings(), this.clock.now()) === null)
          this.options.hooks.changed();
      },
      Math.max(0, Math.min(wake - now, MAX_TIMER_MS)),
    );
  }
}
