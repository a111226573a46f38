import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer } from '../core/create-server';
import { EventBus } from '../core/event-bus';
import { FakeClock } from '../core/testing/fake-clock';
import type { JobProgress, JobResult } from '../shared/contract/archives';
import { AppFailure } from '../shared/result';
import { askWithMessageBox, createQuitGuard, quitQuestion, type QuitChoice } from './quit-guard';
import { backupStatus, job } from './testing/statuses';

/**
 * The core's job registry as the contract shows it (listJobs, cancelJob, jobFinished): a cancelled
 * job ends as `cancelled` a moment later, as a real one does once it has removed its partial file.
 */
function jobsCore(running: JobProgress[]) {
  const events = new EventBus();
  const jobs = new Map(running.map((j) => [j.jobId, j]));
  const log: string[] = [];
  const finish = (jobId: string, status: JobResult['status']) => {
    const j = jobs.get(jobId)!;
    jobs.delete(jobId);
    log.push(`${status} ${jobId}`);
    events.emit('jobFinished', {
      jobId,
      kind: j.kind,
      repository: j.repository,
      status,
      file: status === 'done' ? `/b/${j.repository}.zip` : null,
      sizeBytes: status === 'done' ? 100 : null,
      durationMs: 10,
      restoredAs: null,
      error: status === 'cancelled' ? { code: 'CANCELLED', message: 'Cancelled.' } : null,
    });
  };
  const handlers = {
    listJobs: async () => [...jobs.values()],
    cancelJob: async ({ jobId }: { jobId: string }) => {
      if (!jobs.has(jobId)) throw new AppFailure('NOT_FOUND', `No job ${jobId}.`);
      log.push(`cancel ${jobId}`);
      setImmediate(() => finish(jobId, 'cancelled'));
      return null;
    },
    getBackupStatus: async () => backupStatus(),
  };
  return { events, handlers, jobs, log, finish, start: (j: JobProgress) => jobs.set(j.jobId, j) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function guard(core: ReturnType<typeof jobsCore>, choice: QuitChoice, clock = new FakeClock(0)) {
  const asked: JobProgress[][] = [];
  const waiting: JobProgress[][] = [];
  const quitGuard = createQuitGuard({
    handlers: core.handlers,
    events: core.events,
    clock,
    ask: async (jobs) => {
      asked.push(jobs);
      return choice;
    },
    onWaiting: (jobs) => waiting.push(jobs),
    logger: { warn: () => {} },
  });
  return { quitGuard, asked, waiting, clock };
}

describe('quitting while a job runs', () => {
  it('with nothing running, quits at once without asking', async () => {
    const core = jobsCore([]);
    const { quitGuard, asked } = guard(core, 'stay');
    expect(await quitGuard.mayQuit()).toBe(true);
    expect(asked).toEqual([]);
  });

  it('with the real core (no jobs service yet or idle), quits at once', async () => {
    const server = await createServer({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'quit-guard-')),
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'electron',
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    let asked = false;
    const quitGuard = createQuitGuard({
      handlers: server.handlers,
      events: server.events,
      clock: new FakeClock(0),
      ask: async () => {
        asked = true;
        return 'stay';
      },
      logger: { warn: () => {} },
    });
    expect(await quitGuard.mayQuit()).toBe(true);
    expect(asked).toBe(false);
    await server.stop();
  });

  it('"Keep Running" keeps the app and the job', async () => {
    const core = jobsCore([job({ jobId: 'b1' })]);
    const { quitGuard, asked } = guard(core, 'stay');
    expect(await quitGuard.mayQuit()).toBe(false);
    expect(asked).toEqual([[job({ jobId: 'b1' })]]);
    expect(core.log).toEqual([]);
  });

  it('"Quit When Finished" waits for the job to end on its own, then quits', async () => {
    const core = jobsCore([job({ jobId: 'b1' })]);
    const { quitGuard, waiting } = guard(core, 'wait');
    let quit = false;
    const deciding = quitGuard.mayQuit().then((ok) => (quit = ok));
    await settle();
    expect(quit).toBe(false);
    expect(waiting).toHaveLength(1);
    core.finish('b1', 'done');
    await deciding;
    expect(quit).toBe(true);
    expect(core.log).toEqual(['done b1']);
  });

  it('waiting also sees a job end without its event (checked again every 2 s)', async () => {
    const core = jobsCore([job({ jobId: 'b1' })]);
    const { quitGuard, clock } = guard(core, 'wait');
    let quit = false;
    const deciding = quitGuard.mayQuit().then((ok) => (quit = ok));
    await settle();
    core.jobs.delete('b1'); // ended, but the event was lost
    await clock.advanceBy(1_000);
    expect(quit).toBe(false);
    await clock.advanceBy(1_000);
    await deciding;
    expect(quit).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('"Cancel and Quit" cancels every job, and quits only once each has ended', async () => {
    const core = jobsCore([
      job({ jobId: 'b1' }),
      job({ jobId: 'e1', kind: 'export', repository: 'Billing' }),
    ]);
    const { quitGuard } = guard(core, 'cancel');
    expect(await quitGuard.mayQuit()).toBe(true);
    expect(core.log.sort()).toEqual(['cancel b1', 'cancel e1', 'cancelled b1', 'cancelled e1']);
    expect(core.jobs.size).toBe(0);
  });

  it('"Cancel and Quit" also cancels the next repository a backup run moves on to', async () => {
    const core = jobsCore([job({ jobId: 'b1' })]);
    const next = job({ jobId: 'b2', repository: 'Billing' });
    core.events.on('jobFinished', (r) => {
      if (r.jobId === 'b1') core.start(next);
    });
    const { quitGuard } = guard(core, 'cancel');
    expect(await quitGuard.mayQuit()).toBe(true);
    expect(core.log).toEqual(['cancel b1', 'cancelled b1', 'cancel b2', 'cancelled b2']);
  });

  it('the question names what runs and offers wait, cancel, keep running', () => {
    const q = quitQuestion([job({ repository: 'Sales' })]);
    expect(q.message).toBe('A job is still running.');
    expect(q.detail).toMatch(/^Backup of Sales is in progress\./);
    expect(q.detail).toContain('leaves no partial file behind');
    expect(q.buttons).toEqual(['Quit When Finished', 'Cancel and Quit', 'Keep Running']);
    expect(q.choices[q.cancelId]).toBe('stay');
    expect(q.choices[q.defaultId]).toBe('wait');
    expect(quitQuestion([]).detail).toMatch(/^An automatic backup is in progress/);
  });

  it('asks with a message box over the window if there is one; a box closed without a choice stays', async () => {
    const calls: unknown[][] = [];
    let response = 1;
    const dialog = {
      showMessageBox: async (...args: unknown[]) => {
        calls.push(args);
        return { response, checkboxChecked: false };
      },
    };
    const window = { id: 1 };
    expect(await askWithMessageBox(dialog as never, () => window as never)([job()])).toBe('cancel');
    expect(calls[0]![0]).toBe(window);
    expect(calls[0]![1]).toMatchObject({ buttons: quitQuestion([job()]).buttons, cancelId: 2 });
    expect(calls[0]![1]).not.toHaveProperty('choices');
    response = 0;
    expect(await askWithMessageBox(dialog as never, () => null)([job()])).toBe('wait');
    expect(calls[1]).toHaveLength(1); // no window: an app-modal box
    response = 2; // Escape or the close button answer cancelId
    expect(await askWithMessageBox(dialog as never, () => null)([job()])).toBe('stay');
    response = 7;
    expect(await askWithMessageBox(dialog as never, () => null)([job()])).toBe('stay');
  });
});
