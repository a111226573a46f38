import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CLOSE_TO_TRAY_NOTICE, hideOnClose } from './close-to-tray';
import type { DesktopNotice } from './notifier';

/** A stand-in BrowserWindow: `close()` emits 'close' as Electron does, and closes unless prevented. */
class FakeWindow extends EventEmitter {
  visible = true;
  closed = false;
  hide() {
    this.visible = false;
  }
  close() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.closed = true;
  }
}

function setUp(quitting = false, alreadyShown = false) {
  const window = new FakeWindow();
  const shown: DesktopNotice[] = [];
  let noticeShown = alreadyShown;
  let isQuitting = quitting;
  hideOnClose({
    window: window as never,
    isQuitting: () => isQuitting,
    notice: { wasShown: () => noticeShown, markShown: () => (noticeShown = true) },
    notify: (n) => shown.push(n),
  });
  return { window, shown, quit: () => (isQuitting = true) };
}

describe('closing the window', () => {
  it('hides it to the tray, and says so the first time only', () => {
    const { window, shown } = setUp();
    window.close();
    expect(window).toMatchObject({ visible: false, closed: false });
    window.visible = true;
    window.close();
    expect(window).toMatchObject({ visible: false, closed: false });
    expect(shown).toEqual([CLOSE_TO_TRAY_NOTICE]);
    expect(CLOSE_TO_TRAY_NOTICE.body).toContain('scheduled backups keep running');
  });

  it('does not repeat the notice after a restart (it is remembered)', () => {
    const { window, shown } = setUp(false, true);
    window.close();
    expect(window.visible).toBe(false);
    expect(shown).toEqual([]);
  });

  it('really closes when the app quits', () => {
    const { window, shown, quit } = setUp();
    quit();
    window.close();
    expect(window.closed).toBe(true);
    expect(shown).toEqual([]);
  });
});
