import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BlockDeflater } from './parallel-deflate';
import { lowerPoolPriority, POOL_THREAD_NICE, poolThreadIds } from './pool-priority';
import { tempDir } from './test-support';

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

  it('gives the hasher thread of a compression the same lower priority', async () => {
    const dir = tempDir('pool-priority');
    const file = `${dir}/snapshot.bin`;
    fs.writeFileSync(file, Buffer.alloc(256 * 1024, 7));
    const threadsBefore = new Set(fs.readdirSync('/proc/self/task'));
    const deflater = new BlockDeflater({ level: 1, blockBytes: 64 * 1024 });
    try {
      for await (const block of deflater.compress(file)) void block;
      const started = fs.readdirSync('/proc/self/task').filter((tid) => !threadsBefore.has(tid));
      // The hasher is a worker thread of its own (kept for the next file, so still there now).
      expect(started.length).toBeGreaterThan(0);
      const nice = started.map((tid) => os.getPriority(Number(tid)));
      expect(nice.some((n) => n >= POOL_THREAD_NICE)).toBe(true);
    } finally {
      deflater.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
