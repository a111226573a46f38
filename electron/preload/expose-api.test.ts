import { describe, expect, it } from 'vitest';
import { ipcChannel, methodNames } from '../shared/contract';
import { buildPreloadApi, exposeContract } from './expose-api';

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

  it('puts one global in the page, window.api, and subscribes to nothing until the page listens', () => {
    const exposed: [string, unknown][] = [];
    const ipc = fakeIpcRenderer();
    exposeContract(
      { exposeInMainWorld: (key: string, api: unknown) => void exposed.push([key, api]) },
      ipc as never,
    );
    expect(exposed.map(([key]) => key)).toEqual(['api']);
    expect(Object.keys(exposed[0]![1] as object).sort()).toEqual([...methodNames, 'host', 'on'].sort());
    expect((exposed[0]![1] as { host: string }).host).toBe('electron');
    expect(ipc.sent).toEqual([]);
    expect(ipc.invoked).toEqual([]);
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

  it('says "ready" once, however many listeners subscribe, and each gets its own events', () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc as never);
    const beats: unknown[] = [];
    const jobs: unknown[] = [];
    api.on('heartbeat', (p) => beats.push(p));
    api.on('jobFinished', (p) => jobs.push(p));
    api.on('heartbeat', (p) => beats.push(p));
    expect(ipc.sent).toEqual([ipcChannel.ready]);
    ipc.emit('heartbeat', { at: 'now' });
    ipc.emit(42, { at: 'a name that is not a string' });
    ipc.emit('noSuchEvent', {});
    expect(beats).toEqual([{ at: 'now' }, { at: 'now' }]);
    expect(jobs).toEqual([]);
  });

  it('refuses a listener that is not a function, and cannot be changed by the page', () => {
    const api = buildPreloadApi(fakeIpcRenderer() as never);
    expect(() => api.on('heartbeat', 'alert(1)' as never)).toThrow('The listener must be a function.');
    expect(() => {
      (api as unknown as Record<string, unknown>).getServerInfo = () => 'hijacked';
    }).toThrow();
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.keys(api)).not.toContain('ipcRenderer');
  });

  it('a method passes its argument through unchanged: validation happens in the main process', async () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc as never);
    await api.saveDesktopSettings({ launchAtLogin: true });
    await api.showInFolder({ path: '/b/Sales.zip' });
    expect(ipc.invoked).toEqual([
      [ipcChannel.call, 'saveDesktopSettings', { launchAtLogin: true }],
      [ipcChannel.call, 'showInFolder', { path: '/b/Sales.zip' }],
    ]);
  });

  it('a listener that throws does not keep the event from the others', () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc as never);
    const seen: unknown[] = [];
    const error = console.error;
    console.error = () => {};
    api.on('heartbeat', () => {
      throw new Error('broken panel');
    });
    api.on('heartbeat', (p) => seen.push(p));
    ipc.emit('heartbeat', { at: 'now' });
    console.error = error;
    expect(seen).toEqual([{ at: 'now' }]);
  });
});
