import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../core/create-server';
import { headlessHostHandlers } from '../headless/host-handlers';
import { ipcChannel } from '../shared/contract';
import { registerContractIpc } from './ipc';
import { APP_ORIGIN } from './protocol';

/** A stand-in for ipcMain: records handlers so a test can invoke them as a renderer would. */
function fakeIpcMain() {
  const handles = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  return {
    handles,
    listeners,
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) =>
      void handles.set(channel, fn),
    removeHandler: (channel: string) => void handles.delete(channel),
    on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => {
      listeners.set(channel, fn);
    },
    removeListener: (channel: string) => {
      listeners.delete(channel);
    },
  };
}

function fakeSender() {
  const sent: unknown[][] = [];
  const sender = {
    sent,
    destroyed: false,
    onDestroyed: undefined as undefined | (() => void),
    send: (...args: unknown[]) => sent.push(args),
    isDestroyed: () => sender.destroyed,
    once: (event: string, fn: () => void) => {
      if (event === 'destroyed') sender.onDestroyed = fn;
    },
  };
  return sender;
}

const frame = (url: string, parent: unknown = null) => ({ url, parent });

describe('contract IPC', async () => {
  const server = await createServer({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-')),
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'electron',
  });
  const ipc = fakeIpcMain();
  registerContractIpc({
    ipcMain: ipc as never,
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    trustedOrigins: [APP_ORIGIN],
    logger: { warn: () => {}, error: () => {} },
  });
  const call = ipc.handles.get(ipcChannel.call)!;

  it('answers our own page', async () => {
    const result = await call({ senderFrame: frame(`${APP_ORIGIN}/index.html`) }, 'getServerInfo', undefined);
    expect(result).toMatchObject({ ok: true, value: { host: 'electron' } });
  });

  it('rejects a foreign origin and a sub-frame of our own page', async () => {
    for (const senderFrame of [frame('https://evil.example/'), frame(`${APP_ORIGIN}/x`, {}), null]) {
      expect(await call({ senderFrame }, 'getServerInfo', undefined)).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
  });

  it('rejects an invalid payload and an unknown method', async () => {
    const ours = { senderFrame: frame(`${APP_ORIGIN}/index.html`) };
    expect(await call(ours, 'showInFolder', { path: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call(ours, 'eval', 'x')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await call(ours, 42, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('pushes events only to a renderer that said it is ready, and only from our origin', () => {
    const ready = fakeSender();
    const foreign = fakeSender();
    const onReady = ipc.listeners.get(ipcChannel.ready)!;
    onReady({ senderFrame: frame(`${APP_ORIGIN}/index.html`), sender: ready });
    onReady({ senderFrame: frame('https://evil.example/'), sender: foreign });
    server.events.emit('heartbeat', { at: '2026-11-22T10:00:00.000+00:00' });
    expect(ready.sent).toEqual([[ipcChannel.event, 'heartbeat', { at: '2026-11-22T10:00:00.000+00:00' }]]);
    expect(foreign.sent).toEqual([]);
  });

  it('rejects an unparsable frame URL, and a payload of the wrong shape for each kind of method', async () => {
    expect(await call({ senderFrame: frame('::not a url::') }, 'getServerInfo', undefined)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const ours = { senderFrame: frame(`${APP_ORIGIN}/index.html`) };
    for (const [name, args] of [
      ['getServerInfo', { unexpected: true }],
      ['pickFiles', { filters: 'zip' }],
      ['saveDesktopSettings', { launchAtLogin: 'yes' }],
      ['pauseBackups', { until: 'tomorrow' }],
      ['createRepository', { name: '../etc' }],
    ] as const) {
      expect(await call(ours, name, args), name).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
  });

  it('ignores "ready" from a sub-frame, and stops pushing to a renderer that is gone', () => {
    const onReady = ipc.listeners.get(ipcChannel.ready)!;
    const subFrame = fakeSender();
    onReady({ senderFrame: frame(`${APP_ORIGIN}/index.html`, {}), sender: subFrame });
    const closing = fakeSender();
    onReady({ senderFrame: frame(`${APP_ORIGIN}/index.html`), sender: closing });
    closing.destroyed = true;
    server.events.emit('heartbeat', { at: '2026-11-22T10:00:01.000+00:00' });
    closing.onDestroyed?.();
    closing.destroyed = false;
    server.events.emit('heartbeat', { at: '2026-11-22T10:00:02.000+00:00' });
    expect(subFrame.sent).toEqual([]);
    expect(closing.sent).toEqual([]);
  });
});

describe('unregistering the contract IPC', async () => {
  it('removes the handler and the listener, and stops forwarding events', async () => {
    const server = await createServer({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-off-')),
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'electron',
    });
    const ipc = fakeIpcMain();
    const off = registerContractIpc({
      ipcMain: ipc as never,
      handlers: { ...server.handlers, ...headlessHostHandlers },
      events: server.events,
      trustedOrigins: [APP_ORIGIN],
      logger: { warn: () => {}, error: () => {} },
    });
    const renderer = fakeSender();
    ipc.listeners.get(ipcChannel.ready)!({
      senderFrame: frame(`${APP_ORIGIN}/index.html`),
      sender: renderer,
    });
    off();
    expect(ipc.handles.size).toBe(0);
    expect(ipc.listeners.size).toBe(0);
    server.events.emit('heartbeat', { at: '2026-11-22T10:00:00.000+00:00' });
    expect(renderer.sent).toEqual([]);
  });
});
