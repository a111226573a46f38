import type { ContextBridge, IpcRenderer } from 'electron';
import { ipcChannel, isEventName, methodNames, type RendererApi } from '../shared/contract';

/**
 * Builds `window.api`: exactly the contract's methods, plus `on(event, listener)` that returns an
 * unsubscribe and hands the listener only the payload, never Electron's event object.
 */
export function buildPreloadApi(
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>,
): RendererApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let subscribed = false;

  const onEvent = (_event: unknown, name: unknown, payload: unknown) => {
    if (typeof name !== 'string') return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        // One broken listener must not keep the event from the others.
        console.error(error);
      }
    }
  };

  const api: Record<string, unknown> = {
    host: 'electron',
    on(name: string, listener: (payload: unknown) => void) {
      if (!isEventName(name)) throw new Error(`Unknown event "${name}".`);
      if (typeof listener !== 'function') throw new Error('The listener must be a function.');
      if (!subscribed) {
        ipc.on(ipcChannel.event, onEvent);
        ipc.send(ipcChannel.ready);
        subscribed = true;
      }
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const wrapped = (payload: unknown) => listener(payload);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };
  for (const name of methodNames) {
    api[name] = (args?: unknown) => ipc.invoke(ipcChannel.call, name, args);
  }
  return Object.freeze(api) as RendererApi;
}

/** The page's one door into the app: a single global, `window.api`, holding the contract and nothing else. */
export function exposeContract(
  bridge: Pick<ContextBridge, 'exposeInMainWorld'>,
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>,
): void {
  bridge.exposeInMainWorld('api', buildPreloadApi(ipc));
}
