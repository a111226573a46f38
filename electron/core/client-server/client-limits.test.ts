import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LargeMessageSlots } from './client-limits';
import { CloseCode } from './protocol';
import { eventually, startTestServer } from './test-support';

// What one peer may hold of the client port, with the limits shrunk so the tests run in seconds.
// Attackers come from other loopback addresses (127.0.0.2, …) than the bystander (127.0.0.1).

let disposers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const d of disposers.reverse()) await d();
  disposers = [];
});
async function setup(opts: Parameters<typeof startTestServer>[0] = {}) {
  const t = await startTestServer(opts);
  disposers.push(t.dispose);
  return t;
}

/** A raw TCP socket from `from` to the server; closed after the test. */
async function rawSocket(port: number, from = '127.0.0.2') {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => undefined);
  disposers.push(() => void socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    socket,
    closed,
    bytes: () => Buffer.concat(chunks),
    received: () => Buffer.concat(chunks).toString(),
  };
}

/** The upgrade request a WebSocket client sends, written by hand so a test can stop anywhere. */
const upgradeRequest = (port: number) =>
  `GET /v1/repositories/Main HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** A masked client text frame's header for a payload of `length` bytes (16-bit length form). */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(8);
  header[0] = 0x81;
  header[1] = 0x80 | 126;
  header.writeUInt16BE(length, 2);
  crypto.randomBytes(4).copy(header, 4);
  return header;
}

const health = async (port: number) => (await fetch(`http://127.0.0.1:${port}/health`)).status;

describe('limits of the client port', () => {
  it('sockets from one address beyond its limit are answered 503 and closed; other addresses still get in', async () => {
    const t = await setup({ limits: { maxConnectionsPerAddress: 5 } });
    const port = t.server.status().port;
    const held = await Promise.all(Array.from({ length: 5 }, () => rawSocket(port)));
    const sixth = await rawSocket(port);
    await sixth.closed;
    expect(sixth.received()).toContain('HTTP/1.1 503');
    expect(sixth.received()).toContain('127.0.0.2 has 5 open connections, the limit for one address.');
    expect(await health(port)).toBe(200);
    expect((await t.connect()).welcome.repository).toBe('Main');
    // Once one of the five has gone (the server hears of it a moment later), a new one gets in.
    held[0]!.socket.destroy();
    for (let attempt = 0; ; attempt++) {
      const again = await rawSocket(port);
      again.socket.write(`GET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
      await Promise.race([again.closed, new Promise((r) => setTimeout(r, 200))]);
      if (again.received().startsWith('HTTP/1.1 200')) break;
      expect(attempt).toBeLessThan(20);
    }
  });

  it('beyond the total, every address is answered 503', async () => {
    const t = await setup({ limits: { maxConnections: 4 } });
    const port = t.server.status().port;
    await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map((a) => rawSocket(port, a)));
    const late = await rawSocket(port, '127.0.0.6');
    await late.closed;
    expect(late.received()).toContain('The server has 4 open connections, its limit');
  });

  it('a handshake whose headers never end is closed by the header timeout', async () => {
    const t = await setup({ limits: { headersTimeoutMs: 300 } });
    const port = t.server.status().port;
    const slow = await rawSocket(port);
    slow.socket.write(upgradeRequest(port).slice(0, 60)); // and nothing more
    await slow.closed;
    expect(await health(port)).toBe(200);
  });

  it('a message trickled byte by byte is cut off with 4009 and the reason; a bystander is served throughout', async () => {
    const t = await setup({ limits: { messageDeadlineMs: 300, minBytesPerSecond: 1024 } });
    const port = t.server.status().port;
    const bystander = await t.connect();
    const slow = await rawSocket(port);
    slow.socket.write(upgradeRequest(port));
    await eventually(() => expect(slow.received()).toContain('"welcome"'));
    slow.socket.write(frameHeader(1000));
    const trickle = setInterval(() => slow.socket.write('x'), 50);
    disposers.push(() => clearInterval(trickle));
    expect(await bystander.put({ path: 'during', kind: 'data', content: 'ok' })).toMatchObject({
      version: 1,
    });
    await slow.closed;
    clearInterval(trickle);
    // The close frame: 0x88, its length, then the code and the reason.
    const bytes = slow.bytes();
    const close = bytes.subarray(bytes.lastIndexOf(0x88));
    expect(close.readUInt16BE(2)).toBe(CloseCode.tooSlow);
    expect(close.subarray(4, 2 + close[1]!).toString()).toBe(
      'A message took over 0 s to arrive at under 1 KiB/s: the connection was closed.',
    );
    expect(await bystander.list()).toHaveLength(1);
  });

  it('a large message that keeps coming at a fair rate is not cut off however long it takes', async () => {
    const t = await setup({ limits: { messageDeadlineMs: 200, minBytesPerSecond: 16 * 1024 } });
    const port = t.server.status().port;
    const tool = await rawSocket(port);
    tool.socket.write(upgradeRequest(port));
    await eventually(() => expect(tool.received()).toContain('"welcome"'));
    const payload = Buffer.from(
      JSON.stringify({ id: 1, op: 'put', path: 'slow/big', kind: 'data', content: 'y'.repeat(40_000) }),
    );
    const header = frameHeader(payload.length);
    const mask = header.subarray(4, 8);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    tool.socket.write(header);
    // 4 KiB every 100 ms: about 40 KiB/s, over a second for the whole message.
    for (let at = 0; at < masked.length; at += 4096) {
      tool.socket.write(masked.subarray(at, at + 4096));
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(() => expect(tool.received()).toContain('"version":1'));
    expect(t.store.open('Main').get('slow/big')?.content).toHaveLength(40_000);
  });

  it('large puts beyond the slots wait their turn, and every one is stored', async () => {
    const t = await setup({ limits: { largeMessageBytes: 64 * 1024, largeMessageSlots: 1 } });
    const clients = await Promise.all(Array.from({ length: 6 }, () => t.connect()));
    const results = await Promise.all(
      clients.map((c, i) =>
        c.put({ path: `big/${i}`, kind: 'data', content: String(i).repeat(2 * 1024 * 1024) }),
      ),
    );
    expect(results.map((r) => r.version)).toEqual([1, 1, 1, 1, 1, 1]);
    for (let i = 0; i < 6; i++)
      expect(t.store.open('Main').get(`big/${i}`)?.content).toHaveLength(2 * 1024 * 1024);
  });

  it('a client that does not read its answers is not read from until it does', async () => {
    const t = await setup({ limits: { maxUnreadAnswerBytes: 1024 * 1024 } });
    t.store
      .open('Main')
      .put({ path: 'big', kind: 'data', content: 'z'.repeat(4 * 1024 * 1024), updatedBy: 'x' });
    const reader = await t.connect();
    const bystander = await t.connect();
    reader.socket.pause(); // reads nothing from now on
    const answers = Array.from({ length: 50 }, () => reader.request({ op: 'get', path: 'big' }));
    await new Promise((r) => setTimeout(r, 500));
    const session = () => t.server.listSessions().find((s) => s.id === reader.welcome.sessionId)!;
    // A few answers fill the socket's buffers; then the server stops taking its requests.
    expect(session().operations).toBeLessThan(20);
    expect(await bystander.put({ path: 'meanwhile', kind: 'data', content: 'ok' })).toMatchObject({
      version: 1,
    });
    reader.socket.resume();
    const all = await Promise.all(answers);
    expect(all.every((a) => a.ok)).toBe(true);
    expect(session().operations).toBe(50);
  });
});

describe('LargeMessageSlots', () => {
  it('grants up to its count at once, then in the order asked, and skips a cancelled wait', () => {
    const slots = new LargeMessageSlots(() => 2);
    const granted: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) slots.request(() => granted.push(name));
    const cancel = slots.request(() => granted.push('f'));
    expect(granted).toEqual(['a', 'b']);
    cancel();
    slots.release();
    expect(granted).toEqual(['a', 'b', 'c']);
    slots.release();
    slots.release();
    expect(granted).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(slots.inUse).toBe(2);
    slots.release();
    expect(slots.inUse).toBe(1);
    slots.release();
    expect(slots.inUse).toBe(0);
  });
});
