import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lowerPoolPriority, POOL_THREAD_NICE, poolThreadIds } from './pool-priority';

describe.runIf(fs.existsSync('/proc/self/task'))('lowerPoolPriority (Linux)', () => {
  it('gives every thread of libuv’s pool a lower priority, and leaves the main thread as it was', async () => {
    await promisify(zlib.deflate)(Buffer.alloc(1024)); // the pool exists once it has had work
    const before = os.getPriority();
    lowerPoolPriority();
    const tids = poolThreadIds();
    expect(tids.length).toBeGreaterThan(0);
    for (const tid of tids) expect(os.getPriority(tid)).toBeGreaterThanOrEqual(POOL_THREAD_NICE);
    expect(os.getPriority(process.pid)).toBe(before);
    lowerPoolPriority(); // once is enough: a second call changes nothing
    for (const tid of tids) expect(os.getPriority(tid)).toBeGreaterThanOrEqual(POOL_THREAD_NICE);
  });
});
