import type { BrowserWindow } from 'electron';
import type { DesktopNotice } from './notifier';

export const CLOSE_TO_TRAY_NOTICE: DesktopNotice = {
  title: 'Repository Server is still running',
  body: 'Clients stay connected and scheduled backups keep running. Open the Control Panel or quit from the tray icon.',
};

/**
 * Closing the window hides it to the tray instead of quitting, unless the app is quitting. The first
 * time, a notification says so; `notice` remembers that it was shown, across restarts.
 */
export function hideOnClose(deps: {
  window: Pick<BrowserWindow, 'on' | 'hide'>;
  isQuitting(): boolean;
  notice: { wasShown(): boolean; markShown(): void };
  notify(notice: DesktopNotice): void;
}): void {
  deps.window.on('close', (event) => {
    if (deps.isQuitting()) return;
    event.preventDefault();
    deps.window.hide();
    if (!deps.notice.wasShown()) {
      deps.notice.markShown();
      deps.notify(CLOSE_TO_TRAY_NOTICE);
    }
  });
}
