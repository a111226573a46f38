import type { BaseWindow, Dialog } from 'electron';
import type { EventBus } from '../core/event-bus';
import type { Clock } from '../core/clock';
import type { CoreHandlers } from '../shared/contract';
import type { JobProgress } from '../shared/contract/archives';

export type QuitChoice = 'wait' | 'cancel' | 'stay';

export interface QuitGuardDeps {
  handlers: Pick<CoreHandlers, 'listJobs' | 'cancelJob' | 'getBackupStatus'>;
  events: Pick<EventBus, 'on'>;
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Asks the user what to do with the jobs still running (a native message box in the app). */
  ask(jobs: JobProgress[]): Promise<QuitChoice>;
  /** Told while the app waits, e.g. to hide the window and say so in the tray. */
  onWaiting?(jobs: JobProgress[]): void;
  logger?: Pick<Console, 'warn'>;
}

/** Checked again this often while waiting, in case a jobFinished event was missed. */
const RECHECK_MS = 2_000;

/**
 * Decides whether the app may quit now. With a backup, export or import running it asks: wait for it,
 * cancel it (the core removes its partial file), or stay. Resolves true once nothing is running, and
 * false when the user chose to stay. Never resolves true while a job still runs.
 */
export function createQuitGuard(deps: QuitGuardDeps) {
  const logger = deps.logger ?? console;

  // A core that cannot answer (it is stopping, say) has no job left to wait for; the quit is bounded anyway.
  const runningJobs = async (): Promise<JobProgress[]> => {
    try {
      return await deps.handlers.listJobs({});
    } catch (error) {
      logger.warn(`Could not list running jobs: ${(error as Error).message}`);
      return [];
    }
  };
  const backupRunning = async (): Promise<boolean> => {
    try {
      return (await deps.handlers.getBackupStatus({})).running !== null;
    } catch {
      return false;
    }
  };
  const cancelled = new Set<string>();
  const cancel = async (jobs: JobProgress[]) => {
    for (const job of jobs) {
      if (cancelled.has(job.jobId)) continue;
      cancelled.add(job.jobId);
      try {
        await deps.handlers.cancelJob({ jobId: job.jobId });
      } catch (error) {
        // It may have just finished; waiting covers both cases.
        logger.warn(`Could not cancel job ${job.jobId}: ${(error as Error).message}`);
      }
    }
  };

  /** Resolves once nothing runs; in cancel mode, also cancels a job a backup run starts next. */
  const untilIdle = (cancelling: boolean) =>
    new Promise<void>((resolve) => {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      let done = false;
      const check = async () => {
        if (done) return;
        const jobs = await runningJobs();
        if (cancelling && jobs.length) await cancel(jobs);
        if (jobs.length || (await backupRunning()) || done) return;
        done = true;
        off();
        if (timer) deps.clock.clearTimeout(timer);
        resolve();
      };
      const tick = () => {
        void check().finally(() => {
          if (!done) timer = deps.clock.setTimeout(tick, RECHECK_MS);
        });
      };
      const off = deps.events.on('jobFinished', () => void check());
      tick();
    });

  return {
    async mayQuit(): Promise<boolean> {
      const jobs = await runningJobs();
      if (jobs.length === 0 && !(await backupRunning())) return true;
      const choice = await deps.ask(jobs);
      if (choice === 'stay') return false;
      if (choice === 'cancel') await cancel(jobs);
      deps.onWaiting?.(jobs);
      await untilIdle(choice === 'cancel');
      return true;
    },
  };
}

/** The message box's wording, kept here so it is tested and reads the same everywhere. */
export function quitQuestion(jobs: JobProgress[]) {
  const names = jobs.map((j) => (j.repository ? `${j.kind} of ${j.repository}` : j.kind));
  const what = names.length ? names.join(', ') : 'An automatic backup';
  return {
    type: 'question' as const,
    title: 'Quit Repository Server',
    message: jobs.length > 1 ? 'Jobs are still running.' : 'A job is still running.',
    detail:
      `${what[0]!.toUpperCase()}${what.slice(1)} is in progress. Quit when it has finished, or cancel it ` +
      'now: a cancelled job leaves no partial file behind.',
    buttons: ['Quit When Finished', 'Cancel and Quit', 'Keep Running'],
    defaultId: 0,
    cancelId: 2,
    choices: ['wait', 'cancel', 'stay'] as const satisfies readonly QuitChoice[],
  };
}

/**
 * Asks with a native message box, over the window when there is one (`parent` may show it first); a box
 * closed without a choice keeps the app running.
 */
export function askWithMessageBox(
  dialog: Pick<Dialog, 'showMessageBox'>,
  parent: () => BaseWindow | null,
): QuitGuardDeps['ask'] {
  return async (jobs) => {
    const { choices, ...question } = quitQuestion(jobs);
    const window = parent();
    const { response } = await (window
      ? dialog.showMessageBox(window, question)
      : dialog.showMessageBox(question));
    return choices[response] ?? 'stay';
  };
}
