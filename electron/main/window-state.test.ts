import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/testing/fake-clock';
import { DEFAULT_SIZE, restoreWindowState, trackWindowState, type WindowState } from './window-state';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const external = { x: 1440, y: 0, width: 2560, height: 1415 };

describe('restoring the window’s place', () => {
  it('reopens where it was', () => {
    const saved = { x: 100, y: 80, width: 1000, height: 700, maximized: false };
    expect(restoreWindowState(saved, [laptop])).toEqual(saved);
    const onExternal = { x: 2000, y: 100, width: 1800, height: 1000, maximized: true };
    expect(restoreWindowState(onExternal, [laptop, external])).toEqual(onExternal);
  });

  it('a place on a screen that is gone opens centred on today’s screen, at a size that fits', () => {
    const onExternal = { x: 2000, y: 100, width: 1800, height: 1000, maximized: false };
    expect(restoreWindowState(onExternal, [laptop])).toEqual({ width: 1440, height: 875, maximized: false });
  });

  it('a title bar off the top of every screen is not reachable: centred instead', () => {
    const saved = { x: 100, y: -600, width: 1000, height: 700 };
    expect(restoreWindowState(saved, [laptop])).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it('a tiny saved size grows to the minimum', () => {
    expect(restoreWindowState({ x: 10, y: 10, width: 50, height: 20 }, [laptop])).toEqual({
      x: 10,
      y: 10,
      width: 800,
      height: 560,
      maximized: false,
    });
  });

  it('anything else in the store (hand-edited, corrupt) gives the default size', () => {
    for (const junk of [
      undefined,
      null,
      'big',
      { width: 'wide', height: 700 },
      { width: -5, height: 700 },
      [1, 2],
    ]) {
      expect(restoreWindowState(junk, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    }
  });
});

class FakeWindow extends EventEmitter {
  bounds = { x: 10, y: 20, width: 1000, height: 700 };
  maximized = false;
  minimized = false;
  getNormalBounds() {
    return this.bounds;
  }
  isMaximized() {
    return this.maximized;
  }
  isMinimized() {
    return this.minimized;
  }
}

describe('tracking the window’s place', () => {
  it('saves once the window settles after moving, and on close', async () => {
    const window = new FakeWindow();
    const clock = new FakeClock(0);
    const saved: WindowState[] = [];
    trackWindowState(window as never, (s) => saved.push(s), {
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    });
    window.bounds = { x: 50, y: 60, width: 1000, height: 700 };
    window.emit('move');
    window.emit('move');
    window.emit('resize');
    expect(saved).toEqual([]);
    await clock.advanceBy(500);
    expect(saved).toEqual([{ x: 50, y: 60, width: 1000, height: 700, maximized: false }]);

    window.maximized = true;
    window.emit('close');
    expect(saved.at(-1)).toEqual({ x: 50, y: 60, width: 1000, height: 700, maximized: true });
  });

  it('a minimised window keeps the place it had', () => {
    const window = new FakeWindow();
    const saved: WindowState[] = [];
    trackWindowState(window as never, (s) => saved.push(s));
    window.minimized = true;
    window.emit('close');
    expect(saved).toEqual([]);
  });
});
