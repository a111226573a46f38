import type { RendererApi } from '../../../electron/shared/contract';
import { createHttpBridge } from './http-bridge';

declare global {
  interface Window {
    /** Set by the preload in the desktop app. */
    api?: RendererApi;
  }
}

const TOKEN_KEY = 'repo-server-token';

/**
 * The contract for this page: the preload's `window.api` in the desktop app, otherwise the HTTP bridge
 * with the token from the URL the headless host printed (kept for reloads, then removed from the URL).
 */
export function resolveApi(win: Window = window): RendererApi | { error: string } {
  if (win.api) return win.api;
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.toString());
  }
  const token = fromUrl ?? win.sessionStorage.getItem(TOKEN_KEY);
  if (!token)
    return { error: 'Open the full URL that "repo-server serve" printed: it carries the access token.' };
  return createHttpBridge(token);
}
