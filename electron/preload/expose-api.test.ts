import { describe, expect, it } from 'vitest';
import { ipcChannel, methodNames } from '../shared/contract';
import { buildPreloadApi } from './expose-api';

function fakeIpcRenderer() {
  const invoked: unknown[][] = [];
  const sent: string[] = [];
  let eventHandler: ((event: unknown, ...args: unknown[]) => void) | undefined;
  return {
    invoked,
    sent,
    emit: (...args: unknown[]) => eventHandler?.({ sender: 'the IPC event object' }, ...args),
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return { ok: true, value: null };
    },
    on: (_channel: string, fn: (event: unknown, ...args: unknown[]) => void) => {
      eventHandler = fn;
    },
    removeListener: () => {},
    send: (channel: string) => void sent.push(channel),
  };
}

describe('the preload API', () => {
  it('exposes exactly the contract methods, on, and host', () => {
    const api = buildPreloadApi(fakeIpcRenderer() as never);
    expect(Object.keys(api).sort()).toEqual([...methodNames, 'host', 'on'].sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('calls go through the one invoke channel with the method name', async () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc as never);
    await api.getServerInfo();
    expect(ipc.invoked).toEqual([[ipcChannel.call, 'getServerInfo', undefined]]);
  });

  it('on() delivers the payload only, and its unsubscribe stops delivery', () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc as never);
    const seen: unknown[][] = [];
    const off = api.on('heartbeat', (...args: unknown[]) => seen.push(args));
    expect(ipc.sent).toEqual([ipcChannel.ready]);
    ipc.emit('heartbeat', { at: 'now' });
    off();
    ipc.emit('heartbeat', { at: 'later' });
    expect(seen).toEqual([[{ at: 'now' }]]);
    expect(() => api.on('noSuchEvent' as never, () => {})).toThrow('Unknown event');
  });
});
