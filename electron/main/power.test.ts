import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { catchUpOnResume, catchUpSchedulerOf } from './power';

const quiet = { info: () => {}, error: () => {} };

describe('sleep and resume', () => {
  it('resume runs the scheduler’s catch-up', async () => {
    const powerMonitor = new EventEmitter();
    let catchUps = 0;
    catchUpOnResume(powerMonitor as never, { catchUp: async () => void catchUps++ }, quiet);
    powerMonitor.emit('suspend');
    expect(catchUps).toBe(0);
    powerMonitor.emit('resume');
    expect(catchUps).toBe(1);
  });

  it('a resume reported twice runs one catch-up at a time', async () => {
    const powerMonitor = new EventEmitter();
    let catchUps = 0;
    let finish: () => void = () => {};
    const scheduler = {
      catchUp: () => {
        catchUps++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    };
    catchUpOnResume(powerMonitor as never, scheduler, quiet);
    powerMonitor.emit('resume');
    powerMonitor.emit('resume');
    expect(catchUps).toBe(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    powerMonitor.emit('resume'); // a later sleep and wake catches up again
    expect(catchUps).toBe(2);
  });

  it('a failing catch-up is logged, not thrown', async () => {
    const powerMonitor = new EventEmitter();
    const errors: string[] = [];
    catchUpOnResume(
      powerMonitor as never,
      { catchUp: async () => Promise.reject(new Error('target folder missing')) },
      { info: () => {}, error: (m: string) => void errors.push(m) },
    );
    powerMonitor.emit('resume');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual(['Catch-up after resume failed: target folder missing']);
  });

  it('unsubscribes', () => {
    const powerMonitor = new EventEmitter();
    const off = catchUpOnResume(powerMonitor as never, { catchUp: async () => {} }, quiet);
    off();
    expect(powerMonitor.eventNames()).toEqual([]);
  });

  it('finds the core’s scheduler when it has catch-up, and nothing otherwise', () => {
    const scheduler = { catchUp: async () => {} };
    expect(catchUpSchedulerOf({ scheduler })).toBe(scheduler);
    expect(catchUpSchedulerOf({})).toBeNull();
    expect(catchUpSchedulerOf({ scheduler: { catchUp: 'soon' } })).toBeNull();
  });
});
