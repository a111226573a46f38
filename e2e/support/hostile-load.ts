// Hostile load on the client port, for the e2e spec and the benchmark: the nested-JSON message, slow
// sockets that never finish their headers or their frame, and many large puts at once; plus a probe of
// /health and the server process's peak memory. Raw sockets throughout: one pre-masked 15 MiB frame is
// written to every socket, so the attacker's own memory stays small and the server's is what we measure.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

export interface RawWebSocket {
  socket: net.Socket;
  /** Everything the server sent, after its handshake answer. */
  received(): Buffer;
  closed: Promise<void>;
}

/** Opens a WebSocket by hand (from `localAddress`, a loopback address) and waits for the welcome. */
export async function rawWebSocket(
  port: number,
  localAddress = '127.0.0.1',
  repository = 'Main',
): Promise<RawWebSocket> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.write(
    `GET /v1/repositories/${encodeURIComponent(repository)}?client=load HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  );
  const all = () => Buffer.concat(chunks);
  for (let i = 0; !all().includes('"welcome"'); i++) {
    if (i > 200) throw new Error(`No welcome from the server: ${all().toString().slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const start = all().indexOf('\r\n\r\n') + 4;
  return { socket, closed, received: () => all().subarray(start) };
}

/** A complete masked client text frame carrying `payload`. */
export function maskedTextFrame(payload: Buffer, mask: Buffer = crypto.randomBytes(4)): Buffer {
  return Buffer.concat([frameHead(payload.length, mask), maskBytes(payload, mask, 0)]);
}

/** `data` masked as if it started at `offset` of a frame's payload. */
function maskBytes(data: Buffer, mask: Buffer, offset: number): Buffer {
  const masked = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ mask[(i + offset) & 3]!;
  return masked;
}

function frameHead(length: number, mask: Buffer): Buffer {
  const header = length < 126 ? Buffer.alloc(6) : length < 65536 ? Buffer.alloc(8) : Buffer.alloc(14);
  header[0] = 0x81;
  let at = 2;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
    at = 4;
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
    at = 10;
  }
  mask.copy(header, at);
  return header;
}

/** `{"id":1,"op":` + 5,000 `[` + 5,000 `]` + `}`: about 10 KB, the message that used to stop the server. */
export const NESTED_MESSAGE = `{"id":1,"op":${'['.repeat(5000)}${']'.repeat(5000)}}`;

/** Polls GET /health every `everyMs` until stopped; records each answer's latency, and failures. */
export function probeHealth(port: number, everyMs = 50) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const answer = await fetch(`http://127.0.0.1:${port}/health`, {
          signal: AbortSignal.timeout(10_000),
        });
        await answer.text();
        if (answer.status !== 200) failures.push(`HTTP ${answer.status}`);
        latencies.push(performance.now() - started);
      } catch (error) {
        failures.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
      return { count: latencies.length, failures, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
    },
  };
}

/** `count` sockets from the given addresses that send half an upgrade request, then a byte a second. */
export async function slowHeaderSockets(port: number, count: number, addresses: string[]) {
  const sockets: net.Socket[] = [];
  let closedEarly = 0;
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: addresses[i % addresses.length] });
    socket.on('error', () => undefined);
    socket.on('close', () => closedEarly++);
    socket.once('connect', () =>
      socket.write(`GET /v1/repositories/Main HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `),
    );
    sockets.push(socket);
  }
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }, 1000);
  return {
    open: () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length,
    closed: () => closedEarly,
    stop() {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    },
  };
}

/** `count` sessions that start a 1,000-byte message and then send one byte every second. */
export async function tricklingFrames(port: number, count: number, addresses: string[]) {
  const sessions = await Promise.all(
    Array.from({ length: count }, (_, i) => rawWebSocket(port, addresses[i % addresses.length])),
  );
  const header = maskedTextFrame(Buffer.alloc(1000, 0x20)).subarray(0, 8);
  for (const s of sessions) s.socket.write(header);
  const drip = setInterval(() => {
    for (const s of sessions) if (!s.socket.destroyed) s.socket.write('x');
  }, 1000);
  return {
    sessions,
    stop() {
      clearInterval(drip);
      for (const s of sessions) s.socket.destroy();
    },
  };
}

/**
 * `count` sessions that each put `bytes` of content at once, each to its own item; resolves with how
 * many were acknowledged. The content part of the frame is masked once and shared by every socket.
 */
export async function concurrentPuts(port: number, count: number, bytes: number, addresses: string[]) {
  const sessions = await Promise.all(
    Array.from({ length: count }, (_, i) => rawWebSocket(port, addresses[i % addresses.length])),
  );
  const mask = crypto.randomBytes(4);
  const prefix = (i: number) =>
    Buffer.from(
      `{"id":"big","op":"put","path":"load/big-${String(i).padStart(4, '0')}","kind":"data","content":"`,
    );
  const tail = Buffer.concat([Buffer.alloc(bytes, 'x'), Buffer.from('"}')]);
  const prefixLength = prefix(0).length;
  const maskedTail = maskBytes(tail, mask, prefixLength);
  const started = performance.now();
  for (const [i, s] of sessions.entries()) {
    s.socket.write(frameHead(prefixLength + tail.length, mask));
    s.socket.write(maskBytes(prefix(i), mask, 0));
    s.socket.write(maskedTail);
  }
  const acknowledged = await Promise.all(
    sessions.map(async (s) => {
      for (;;) {
        const text = s.received().toString('latin1');
        if (text.includes('"id":"big","ok":true')) return true;
        if (text.includes('"id":"big","ok":false') || s.socket.destroyed) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const s of sessions) s.socket.destroy();
  return { acknowledged: acknowledged.filter(Boolean).length, seconds };
}

/** The process's resident memory now and at its peak, in bytes (Linux: /proc/<pid>/status). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
