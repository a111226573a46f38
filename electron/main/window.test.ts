import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN } from './protocol';
import { isAllowedExternalUrl, lockDown, mainWindowOptions } from './window';

describe('the main window’s security settings (ARCHITECTURE §9)', () => {
  it('isolates the page: sandbox, context isolation, no Node, no webviews', () => {
    const options = mainWindowOptions('/app/out/preload/index.cjs', { x: 5, y: 6, width: 900, height: 600 });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options).toMatchObject({ x: 5, y: 6, width: 900, height: 600, show: false });
  });

  it('without a saved place the OS centres the window', () => {
    const options = mainWindowOptions('/p.cjs', { width: 900, height: 600 });
    expect(options).not.toHaveProperty('x');
    expect(options).not.toHaveProperty('y');
  });
});

/** A stand-in WebContents recording what lockDown installed. */
function fakeContents() {
  const contents = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const installed: Record<string, (...args: never[]) => unknown> = {};
  contents.setWindowOpenHandler = (fn: never) => (installed.windowOpen = fn);
  contents.session = {
    setPermissionRequestHandler: (fn: never) => (installed.permissionRequest = fn),
    setPermissionCheckHandler: (fn: never) => (installed.permissionCheck = fn),
  };
  return { contents, installed };
}

function lockedDown() {
  const { contents, installed } = fakeContents();
  const opened: string[] = [];
  lockDown(contents as never, APP_ORIGIN, { openExternal: async (url: string) => void opened.push(url) });
  const navigate = (url: string) => {
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
    return prevented ? 'denied' : 'allowed';
  };
  return { contents, installed, opened, navigate };
}

describe('locking the page down', () => {
  it('navigation stays on our origin; an allowed https link opens in the browser instead', () => {
    const { navigate, opened } = lockedDown();
    expect(navigate(`${APP_ORIGIN}/index.html#/backups`)).toBe('allowed');
    expect(navigate('https://evil.example/phish')).toBe('denied');
    expect(navigate('file:///etc/passwd')).toBe('denied');
    expect(navigate('app://other/index.html')).toBe('denied');
    expect(navigate('not a url')).toBe('denied');
    expect(navigate('https://github.com/repo-server/docs')).toBe('denied');
    expect(opened).toEqual(['https://github.com/repo-server/docs']);
  });

  it('new windows are always denied; only allow-listed https URLs reach the browser', () => {
    const { installed, opened } = lockedDown();
    const open = installed.windowOpen as unknown as (d: { url: string }) => { action: string };
    for (const url of [
      'https://github.com/x',
      'http://github.com/x',
      'https://github.com.evil.example/',
      'https://user:pw@github.com/',
      'javascript:alert(1)',
      'file:///C:/Windows/system32/calc.exe',
      'smb://server/share',
    ]) {
      expect(open({ url }), url).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://github.com/x']);
  });

  it('every permission request and check is denied, and webviews cannot attach', () => {
    const { contents, installed } = lockedDown();
    const answers: boolean[] = [];
    const request = installed.permissionRequest as unknown as (...a: unknown[]) => void;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      request({}, permission, (granted: boolean) => answers.push(granted));
    }
    expect(answers).toEqual([false, false, false, false, false]);
    expect((installed.permissionCheck as unknown as () => boolean)()).toBe(false);
    let prevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });

  it('the allow-list check refuses anything not https on a listed origin', () => {
    expect(isAllowedExternalUrl('https://github.com/a/b?c=d')).toBe(true);
    expect(isAllowedExternalUrl('https://GITHUB.com/a')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com:8443/a')).toBe(false);
    expect(isAllowedExternalUrl('https://docs.example/', ['https://docs.example'])).toBe(true);
    expect(isAllowedExternalUrl('')).toBe(false);
  });
});
