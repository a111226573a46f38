import { describe, expect, it } from 'vitest';
import type { JobProgress, JobResult } from '../../shared/contract/archives';
import { AppFailure } from '../../shared/result';
import { EventBus } from '../event-bus';
import { FakeClock } from '../testing/fake-clock';
import { JobRegistry, type JobContext } from './jobs';

function registry() {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 12, 0, 0));
  const events = new EventBus();
  const progress: JobProgress[] = [];
  const finished: JobResult[] = [];
  events.on('jobProgress', (p) => progress.push(p));
  events.on('jobFinished', (r) => finished.push(r));
  return { clock, jobs: new JobRegistry(events, clock), progress, finished };
}

/** A job that waits for the test to move it on. */
function controllable() {
  let context!: JobContext;
  let finish!: (outcome: { file: string; sizeBytes: number }) => void;
  const work = (ctx: JobContext) =>
    new Promise<{ file: string; sizeBytes: number }>((resolve, reject) => {
      context = ctx;
      finish = resolve;
      ctx.signal.addEventListener('abort', () => reject(new AppFailure('CANCELLED', 'Cancelled.')));
    });
  return {
    work,
    context: () => context,
    finish: (o: { file: string; sizeBytes: number }) => finish(o),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('job registry', () => {
  it('reports phase, bytes and an ETA from the rate so far, then the result', async () => {
    const t = registry();
    const job = controllable();
    const { jobId, done } = t.jobs.start({ kind: 'export', repository: 'Alpha', file: null }, job.work);
    await tick();
    const ctx = job.context();
    ctx.progress({ phase: 'compressing', bytesDone: 0, bytesTotal: 1000 });
    await t.clock.advanceBy(1000);
    ctx.progress({ bytesDone: 250 });
    // 250 bytes in 1 s: 750 left take 3 s.
    expect(t.jobs.list()).toEqual([
      expect.objectContaining({
        jobId,
        phase: 'compressing',
        bytesDone: 250,
        bytesTotal: 1000,
        etaSeconds: 3,
      }),
    ]);
    expect(t.progress.at(-1)).toMatchObject({ bytesDone: 250, etaSeconds: 3 });
    await t.clock.advanceBy(500);
    job.finish({ file: '/x/Alpha.zip', sizeBytes: 42 });
    expect(await done).toMatchObject({
      jobId,
      status: 'done',
      file: '/x/Alpha.zip',
      sizeBytes: 42,
      durationMs: 1500,
      error: null,
    });
    expect(t.finished).toHaveLength(1);
    expect(t.jobs.list()).toEqual([]);
  });

  it('runs two jobs at once; the others wait as queued, and a queued job can be cancelled', async () => {
    const t = registry();
    const a = controllable();
    const b = controllable();
    const c = controllable();
    t.jobs.start({ kind: 'export', repository: 'A', file: null }, a.work);
    t.jobs.start({ kind: 'export', repository: 'B', file: null }, b.work);
    const third = t.jobs.start({ kind: 'export', repository: 'C', file: null }, c.work);
    await tick();
    expect(t.jobs.list().map((j) => [j.repository, j.phase])).toEqual([
      ['A', 'preparing'],
      ['B', 'preparing'],
      ['C', 'queued'],
    ]);
    t.jobs.cancel(third.jobId);
    expect(await third.done).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    a.finish({ file: 'a', sizeBytes: 1 });
    b.finish({ file: 'b', sizeBytes: 1 });
    await tick();
    expect(t.jobs.list()).toEqual([]);
  });

  it('a failure keeps its code and message; cancelling an unknown job says so', async () => {
    const t = registry();
    const { done } = t.jobs.start({ kind: 'import', repository: null, file: '/x.zip' }, async () => {
      throw new AppFailure('INVALID_ARCHIVE', '/x.zip: not a ZIP archive.');
    });
    expect(await done).toMatchObject({
      status: 'failed',
      file: '/x.zip',
      error: { code: 'INVALID_ARCHIVE', message: '/x.zip: not a ZIP archive.' },
    });
    expect(() => t.jobs.cancel('nope')).toThrow(/not running/);
  });
});
