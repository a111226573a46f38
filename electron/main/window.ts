import { originOf } from './ipc';
import type { BrowserWindowConstructorOptions, Shell, WebContents } from 'electron';
import { DEFAULT_SIZE, MIN_SIZE, type WindowState } from './window-state';

/** The security settings of ARCHITECTURE §9; kept in one function so a test can read them. */
export function mainWindowOptions(
  preloadPath: string,
  bounds: Partial<WindowState> = {},
  icon?: string,
): BrowserWindowConstructorOptions {
  return {
    width: bounds.width ?? DEFAULT_SIZE.width,
    height: bounds.height ?? DEFAULT_SIZE.height,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Repository Server',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** Links the app may open in the user's browser: https only, on these origins. */
export const EXTERNAL_ORIGINS = ['https://github.com'];

export function isAllowedExternalUrl(
  url: string,
  allowedOrigins: readonly string[] = EXTERNAL_ORIGINS,
): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      parsed.username === '' &&
      parsed.password === '' &&
      allowedOrigins.includes(parsed.origin)
    );
  } catch {
    return false;
  }
}

/**
 * No navigation away from our page, no new windows, no webviews, no permissions (camera,
 * notifications, clipboard…). An allowed https link opens in the user's browser instead.
 */
export function lockDown(
  contents: Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'session'>,
  appOrigin: string,
  shell: Pick<Shell, 'openExternal'>,
  allowedOrigins: readonly string[] = EXTERNAL_ORIGINS,
): void {
  const openOutside = (url: string) => {
    if (isAllowedExternalUrl(url, allowedOrigins)) void shell.openExternal(url);
  };
  contents.on('will-navigate', (event, url) => {
    let target = '';
    try {
      target = originOf(url);
    } catch {
      // An unparsable URL is as foreign as any.
    }
    if (target === appOrigin) return;
    event.preventDefault();
    openOutside(url);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
