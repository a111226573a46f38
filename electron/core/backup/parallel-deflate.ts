import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { KeptWorkers } from './kept-workers';
import { lowerPoolPriority, POOL_THREAD_NICE } from './pool-priority';

// Compressing the snapshot is nearly all of a backup's time (the note of issue #17 has the profile), and
// one deflate stream uses one core. Here the file is cut into blocks, pigz-style, and several blocks are
// deflated at once, each on its own: raw deflate with the block before's last 32 KB as its dictionary
// (so matches reach back as in one stream and the ratio does not move), every block but the last ended
// with a sync flush (byte-aligned, not final) and the last with a final one. Concatenated in order they
// are one valid deflate stream: the ZIP entry's data as any unzip reads it.
//
// The blocks are deflated by zlib on libuv's thread pool (zlib's async API), one block per pool thread,
// at most one per core and never more than 3 of the pool's 4 threads (file calls keep one). Node worker
// threads did the same work measurably slower on this loaded machine and held ~130 MB more (an isolate
// each, and zlib's output buffers their small heaps collect late): the note of #17 has the figures.
// A worker thread reads the file through once for its SHA-256 (the manifest) and CRC-32 (the ZIP), so
// the main thread only reads blocks, hands them out, orders their output and writes it. A fixed number
// of blocks is in flight in a fixed set of buffers (memory stays flat whatever the size), and close()
// ends the hasher on every path where it may still read the file (one that finished waits, unref'd, for
// the next backup: starting it was ~45 ms of each); a block being deflated finishes within milliseconds.

/** Deflate's window: the most a match can reach back, and so all the dictionary a block can use. */
const WINDOW_BYTES = 32 * 1024;
export const DEFAULT_BLOCK_BYTES = 1024 * 1024;
/** Deflate's worst case is a few bytes per 16 KB stored (zlib's deflateBound); this covers it with room. */
const OUTPUT_SLACK_BYTES = 16 * 1024;

// The hasher reads the file itself, through the descriptor the main thread opened (descriptors belong
// to the process): hashing costs the main thread two messages whatever the size.
const readFullySource = `
const fs = require('node:fs');
function readFully(fd, buffer, length, position) {
  for (let at = 0; at < length; ) {
    const n = fs.readSync(fd, buffer, at, length - at, position + at);
    if (n === 0) throw new Error('the snapshot copy shrank while it was compressed');
    at += n;
  }
}
`;

const hashWorkerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
${readFullySource}
// Background work, as the deflating pool threads are (pool-priority.ts): Linux names this thread in /proc.
try {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (require('node:os').getPriority(tid) < ${POOL_THREAD_NICE}) require('node:os').setPriority(tid, ${POOL_THREAD_NICE});
} catch {}
parentPort.on('message', ({ id, fd, size }) => {
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let crc32 = 0;
    for (let at = 0; at < size; ) {
      const length = Math.min(buffer.length, size - at);
      readFully(fd, buffer, length, at);
      const chunk = buffer.subarray(0, length);
      hash.update(chunk);
      crc32 = zlib.crc32(chunk, crc32);
      at += length;
    }
    parentPort.postMessage({ id, digest: { size, crc32, sha256: hash.digest('hex') } });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

export interface FileDigest {
  size: number;
  crc32: number;
  sha256: string;
}

export interface BlockDeflaterOptions {
  /** zlib level; 0 stores the blocks as they are. */
  level: number;
  /** Blocks deflated at once; by default one per core the process may use, at most 3. */
  workers?: number;
  blockBytes?: number;
}

let liveWorkers = 0;
let deflating = 0;
/**
 * The hasher threads and block deflates of this module still running (tests: none may outlive a
 * backup, whatever ended it).
 */
export const runningDeflateWorkers = () => liveWorkers - keptHashers.size + deflating;

/** Hashers that finished their file and wait for the next (kept-workers.ts). */
const keptHashers = new KeptWorkers<TaskWorker>((hasher) => hasher.close());
/** Hashers waiting for a next file (tests). */
export const idleHasherCount = () => keptHashers.size;

/** One block deflated by zlib on the thread pool; `deflating` counts it until zlib is done with it. */
function deflateBlock(
  block: Buffer,
  dictionary: Buffer | null,
  last: boolean,
  level: number,
): Promise<Buffer> {
  deflating++;
  return new Promise<Buffer>((resolve, reject) => {
    zlib.deflateRaw(
      block,
      {
        level,
        // Room for the whole block's output, incompressible data included: zlib's async API hands out
        // one buffer per chunk, each a trip to the thread pool and an ArrayBuffer the main thread's GC
        // must sweep, and joins several with a copy. One chunk is one buffer, one trip, no copy.
        chunkSize: block.length + OUTPUT_SLACK_BYTES,
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        // Copied into zlib's window when the call starts: the buffer it came from is free after.
        ...(dictionary ? { dictionary } : {}),
      },
      (error, out) => (error ? reject(error) : resolve(out)),
    );
  }).finally(() => deflating--);
}

interface Task {
  resolve(value: { buffer?: ArrayBuffer; digest?: FileDigest }): void;
  reject(error: Error): void;
}

/** One worker and its pending tasks, answered in the order sent. */
class TaskWorker {
  private readonly worker: Worker;
  private readonly tasks = new Map<number, Task>();
  private nextId = 1;
  private failure: Error | null = null;

  readonly exited: Promise<void>;

  constructor(source: string) {
    this.worker = new Worker(source, { eval: true });
    liveWorkers++;
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on(
      'message',
      (m: { id: number; error?: string; buffer?: ArrayBuffer; digest?: FileDigest }) => {
        const task = this.tasks.get(m.id);
        this.tasks.delete(m.id);
        if (m.error !== undefined) task?.reject(new Error(`Compressing the snapshot failed: ${m.error}`));
        else task?.resolve(m);
      },
    );
    this.worker.on('error', (error) => this.fail(error));
    this.worker.once('exit', (code) => {
      liveWorkers--;
      keptHashers.drop(this);
      this.fail(new Error(`A compression worker stopped (code ${code}).`));
    });
  }

  /** Whether it can take another file: nothing in flight and nothing failed. */
  get reusable(): boolean {
    return this.failure === null && this.tasks.size === 0;
  }

  ref(): void {
    this.worker.ref();
  }

  unref(): void {
    this.worker.unref();
  }

  send(
    message: object,
    transfer: ArrayBuffer[] = [],
  ): Promise<{ buffer?: ArrayBuffer; digest?: FileDigest }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.tasks.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const task of this.tasks.values()) task.reject(this.failure);
    this.tasks.clear();
  }

  close(): void {
    this.fail(new Error('The compression was stopped.'));
    void this.worker.terminate();
  }
}

export interface CompressedBlock {
  data: Buffer;
  /** The snapshot bytes this block holds. */
  rawBytes: number;
}

/** Deflates one file in parallel blocks; use once, and always close(). */
export class BlockDeflater {
  private readonly hasher: TaskWorker;
  private readonly blockBytes: number;
  private readonly concurrency: number;
  private closed = false;
  /** Settles once the hasher no longer reads the file: at once when it finished and waits idle. */
  private hasherEnded: Promise<void> = Promise.resolve();
  /** The file compress() reads, until closeFile() takes it. */
  private openHandle: fs.promises.FileHandle | null = null;
  private fileClosed: Promise<void> = Promise.resolve();

  constructor(private readonly options: BlockDeflaterOptions) {
    this.concurrency = Math.max(1, options.workers ?? Math.min(3, os.availableParallelism()));
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (!(this.blockBytes > 0)) throw new Error('blockBytes must be positive');
    this.hasher = keptHashers.take() ?? new TaskWorker(hashWorkerSource);
  }

  /**
   * The file's deflated blocks, in order (concatenated: one raw deflate stream; at level 0 the bytes as
   * they are); returns the file's size, CRC-32 and SHA-256 once all are out.
   */
  async *compress(file: string): AsyncGenerator<CompressedBlock, FileDigest> {
    const handle = await fs.promises.open(file, 'r');
    this.openHandle = handle;
    lowerPoolPriority();
    try {
      const total = (await handle.stat()).size;
      // The hasher streams through the whole file on its own; it is far faster than deflate.
      const digest = this.hasher.send({ fd: handle.fd, size: total });
      digest.catch(() => {});
      // Two blocks per deflate at once: one being deflated, the next read and waiting.
      const window = 2 * this.concurrency;
      const slots = Array.from({ length: window }, () => Buffer.allocUnsafe(this.blockBytes));
      const inFlight: Array<{ rawBytes: number; done: Promise<Buffer> }> = [];
      let offset = 0;
      let started = false;
      let dictionary: Buffer | null = null;
      const fill = async () => {
        while (!this.closed && inFlight.length < window && (offset < total || !started)) {
          started = true;
          const length = Math.min(this.blockBytes, total - offset);
          // A slot is free once its block's deflate is done; at most window - 1 are not.
          const slot = slots.pop()!;
          const block = slot.subarray(0, length);
          await readInto(handle, block, offset);
          offset += length;
          const last = offset >= total;
          const release = () => slots.push(slot);
          const done =
            this.options.level === 0
              ? Promise.resolve(Buffer.from(block)).finally(release)
              : deflateBlock(block, dictionary, last, this.options.level).finally(release);
          // Awaited in order below; a failure meanwhile must not count as unhandled.
          done.catch(() => {});
          inFlight.push({ rawBytes: length, done });
          // The next block's dictionary: the stream's last 32 KB so far (blocks may be smaller), copied,
          // as this slot is reused once its deflate is done.
          const tail = block.subarray(Math.max(0, length - WINDOW_BYTES));
          dictionary =
            tail.length === WINDOW_BYTES || !dictionary
              ? Buffer.from(tail)
              : Buffer.concat([dictionary, tail]).subarray(-WINDOW_BYTES);
        }
      };
      await fill();
      while (inFlight.length > 0) {
        const data = await inFlight[0]!.done;
        yield { data, rawBytes: inFlight.shift()!.rawBytes };
        await fill();
      }
      if (this.closed) throw new Error('The compression was stopped.');
      const result = (await digest).digest!;
      if (result.size !== total) throw new Error('The snapshot copy changed while it was compressed.');
      return result;
    } finally {
      await this.closeFile();
    }
  }

  /**
   * Ends the hasher at once; a compress() still running fails, a block being deflated just ends. A hasher
   * with nothing in flight (the file was done) waits for the next backup instead.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.hasher.reusable) keptHashers.keep(this.hasher);
    else {
      this.hasherEnded = this.hasher.exited;
      this.hasher.close();
    }
    // A writer that stopped (cancelled, failed) may never resume compress(), whose `finally` would close
    // the snapshot: it stayed open until GC (Node warns; on Windows it keeps the file from being removed).
    void this.closeFile();
  }

  /**
   * Closes the file compress() reads, once: from its `finally` or from close(), whichever comes first.
   * The hasher may still be reading through the descriptor: it is closed once the hasher no longer does.
   */
  private closeFile(): Promise<void> {
    const handle = this.openHandle;
    this.openHandle = null;
    if (handle) this.fileClosed = this.hasherEnded.then(() => handle.close()).catch(() => {});
    return this.fileClosed;
  }
}

async function readInto(handle: fs.promises.FileHandle, buffer: Buffer, position: number): Promise<void> {
  for (let at = 0; at < buffer.length;) {
    const { bytesRead } = await handle.read(buffer, at, buffer.length - at, position + at);
    if (bytesRead === 0) throw new Error('The snapshot copy shrank while it was compressed.');
    at += bytesRead;
  }
}
