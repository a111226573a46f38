import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionSignal } from '../../../electron/shared/contract';
import { createHttpBridge, RECONNECT_DELAYS_MS } from './http-bridge';

/** An EventSource the test drives: open it, break it, send an event. */
class FakeSource extends EventTarget {
  static made: FakeSource[] = [];
  closed = false;
  constructor(readonly url: string) {
    super();
    FakeSource.made.push(this);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data?: unknown) {
    const event = new Event(type) as Event & { data?: string };
    if (data !== undefined) event.data = JSON.stringify(data);
    this.dispatchEvent(event);
  }
}

const answer = (status: number, body: unknown) =>
  Promise.resolve(
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  vi.useFakeTimers();
  FakeSource.made = [];
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function bridge() {
  const api = createHttpBridge('secret-token-123456', { eventSource: (url) => new FakeSource(url) as never });
  const signals: ConnectionSignal[] = [];
  api.connection!.subscribe((s) => signals.push(s));
  const beats: unknown[] = [];
  api.on('heartbeat', (p) => beats.push(p));
  return { api, signals, beats };
}

describe('the web console’s link', () => {
  it('says when the stream opens and drops, then reconnects after asking whether the token still works', async () => {
    const { signals, beats } = bridge();
    const first = FakeSource.made[0]!;
    expect(first.url).toBe('/api/events?token=secret-token-123456');
    first.emit('open');
    first.emit('heartbeat', { at: 'now' });
    expect(beats).toEqual([{ at: 'now' }]);

    fetchMock.mockImplementation(() => Promise.reject(new TypeError('Failed to fetch')));
    first.emit('error');
    expect(signals).toEqual(['open', 'lost']);
    expect(first.closed).toBe(true);
    // Down: it keeps trying, further apart each time, without opening streams that would fail.
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]! + RECONNECT_DELAYS_MS[1]!);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(FakeSource.made).toHaveLength(1);

    fetchMock.mockImplementation(() => answer(200, { ok: true, value: {} }));
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[2]!);
    expect(FakeSource.made).toHaveLength(2);
    FakeSource.made[1]!.emit('open');
    expect(signals).toEqual(['open', 'lost', 'open']);
  });

  it('a token the server refuses is one state, and it stops trying', async () => {
    const { signals } = bridge();
    fetchMock.mockImplementation(() =>
      answer(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } }),
    );
    FakeSource.made[0]!.emit('error');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(signals).toEqual(['lost', 'unauthorized']);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(FakeSource.made).toHaveLength(1);
  });

  it('a call the server never answers says the connection is lost and that nothing was changed', async () => {
    const { api, signals } = bridge();
    fetchMock.mockImplementation(() => Promise.reject(new TypeError('Failed to fetch')));
    const result = await api.createRepository({ name: 'X' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'UNAVAILABLE',
        message: 'The server did not answer: the connection to it is lost. Nothing was changed.',
      },
    });
    expect(signals).toEqual(['lost']);
  });

  it('a call answered 401 says the token is refused', async () => {
    const { api, signals } = bridge();
    fetchMock.mockImplementation(() =>
      answer(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'wrong token' } }),
    );
    const result = await api.listRepositories();
    expect(result.ok).toBe(false);
    expect(signals).toEqual(['unauthorized']);
  });

  it('reconnect() drops a stream that looks open but carries nothing, and opens a new one', async () => {
    const { api } = bridge();
    FakeSource.made[0]!.emit('open');
    fetchMock.mockImplementation(() => answer(200, { ok: true, value: {} }));
    api.connection!.reconnect();
    expect(FakeSource.made[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSource.made).toHaveLength(2);
  });
});
