import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcChannel, type Handlers } from '../shared/contract';
import { dispatch } from '../core/dispatch';
import type { EventBus } from '../core/event-bus';
import { fail } from '../shared/result';

/**
 * `scheme://host` of a URL. URL.origin is "null" for custom schemes such as app://, so compare this
 * instead.
 */
export function originOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

/** Only our own page, in its main frame, may call the core. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  trustedOrigins: string[],
): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  try {
    return trustedOrigins.includes(originOf(frame.url));
  } catch {
    return false;
  }
}

export interface ContractIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
  handlers: Handlers;
  events: EventBus;
  trustedOrigins: string[];
  logger?: Pick<Console, 'warn' | 'error'>;
}

/**
 * The one place the contract is registered on IPC: one invoke channel for every method (checked and
 * validated by `dispatch`), events pushed to each renderer once it says it is ready.
 */
export function registerContractIpc(options: ContractIpcOptions): () => void {
  const { ipcMain, handlers, events, trustedOrigins, logger = console } = options;
  const readyRenderers = new Set<WebContents>();

  ipcMain.handle(ipcChannel.call, async (event, name: unknown, args: unknown) => {
    if (!isTrustedSender(event, trustedOrigins)) {
      logger.warn(`Refused an IPC call from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return fail('FORBIDDEN', 'This page may not call the Repository Server.');
    }
    if (typeof name !== 'string') return fail('UNKNOWN_METHOD', 'The method name must be a string.');
    return dispatch(handlers, name, args, logger);
  });

  const onReady = (event: Electron.IpcMainEvent) => {
    if (!isTrustedSender(event, trustedOrigins)) return;
    const contents = event.sender;
    readyRenderers.add(contents);
    contents.once('destroyed', () => readyRenderers.delete(contents));
  };
  ipcMain.on(ipcChannel.ready, onReady);

  const unsubscribe = events.onAny((name, payload) => {
    for (const contents of readyRenderers) {
      if (!contents.isDestroyed()) contents.send(ipcChannel.event, name, payload);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(ipcChannel.call);
    ipcMain.removeListener(ipcChannel.ready, onReady);
    readyRenderers.clear();
  };
}
