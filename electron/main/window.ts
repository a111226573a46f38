import { originOf } from './ipc';
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';

/** The security settings of ARCHITECTURE §9; kept in one function so a test can read them. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Repository Server',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/** No navigation away from our page, no new windows, no permissions (camera, notifications…). */
export function lockDown(contents: WebContents, appOrigin: string): void {
  contents.on('will-navigate', (event, url) => {
    let target = '';
    try {
      target = originOf(url);
    } catch {
      // An unparsable URL is as foreign as any.
    }
    if (target !== appOrigin) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

export type WindowFactory = (options: BrowserWindowConstructorOptions) => BrowserWindow;
