import type { PowerMonitor } from 'electron';

/** What resume needs from the scheduler: run once what was missed while the machine slept. */
export interface CatchUpScheduler {
  catchUp(): Promise<void>;
}

/** The scheduler of a core that has one (`server.scheduler.catchUp`), else null. */
export function catchUpSchedulerOf(server: object): CatchUpScheduler | null {
  const scheduler = (server as { scheduler?: unknown }).scheduler;
  if (scheduler && typeof (scheduler as CatchUpScheduler).catchUp === 'function') {
    return scheduler as CatchUpScheduler;
  }
  return null;
}

/**
 * Timers do not fire while the machine sleeps: on resume the scheduler runs what was missed, once.
 * Returns the unsubscribe.
 */
export function catchUpOnResume(
  powerMonitor: Pick<PowerMonitor, 'on' | 'removeListener'>,
  scheduler: CatchUpScheduler,
  logger: Pick<Console, 'info' | 'error'> = console,
): () => void {
  let running: Promise<void> | null = null;
  const onResume = () => {
    logger.info('The system resumed: checking for missed backups.');
    // Some systems report resume twice: one catch-up at a time.
    running ??= scheduler
      .catchUp()
      .catch((error: unknown) => logger.error(`Catch-up after resume failed: ${(error as Error).message}`))
      .finally(() => {
        running = null;
      });
  };
  const onSuspend = () => logger.info('The system is going to sleep.');
  powerMonitor.on('resume', onResume);
  powerMonitor.on('suspend', onSuspend);
  return () => {
    powerMonitor.removeListener('resume', onResume);
    powerMonitor.removeListener('suspend', onSuspend);
  };
}
