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
 * with the token from the URL the headless host printed. The token is kept for this origin (the
 * console's own address and port) and removed from the address bar, so a bookmark of the bare address
 * keeps working across restarts, as the server keeps its token per data directory.
 */
export function resolveApi(win: Window = window): RendererApi | { error: string } {
  if (win.api) return win.api;
  const token = takeTokenFromUrl(win) ?? storedToken(win);
  if (!token)
    return { error: 'Open the full URL that "repo-server serve" printed: it carries the access token.' };
  return createHttpBridge(token);
}

function takeTokenFromUrl(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (!fromUrl) return null;
  rememberToken(win, fromUrl);
  url.searchParams.delete('token');
  win.history.replaceState(null, '', url.toString());
  return fromUrl;
}

function storedToken(win: Window): string | null {
  try {
    return win.localStorage.getItem(TOKEN_KEY) ?? win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function rememberToken(win: Window, token: string): void {
  try {
    win.localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage can be off (a private window's settings); the page still works until it is closed.
    win.sessionStorage.setItem(TOKEN_KEY, token);
  }
}

/**
 * What a person pasted on the token screen: the printed address (its token, and where it points) or the
 * token alone. Null when it is neither.
 */
export function parseTokenInput(input: string, here: string): { token: string; url: string } | null {
  const text = input.trim();
  if (!text) return null;
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const token = url.searchParams.get('token');
      return token ? { token, url: url.toString() } : null;
    } catch {
      return null;
    }
  }
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(text)) return null;
  const url = new URL(here);
  url.search = '';
  url.searchParams.set('token', text);
  return { token: text, url: url.toString() };
}
