import { describe, expect, it } from 'vitest';
import { createLifecycle, type LifecycleDeps } from './lifecycle';
import { isHiddenStart } from './login-item';
import { FakeApp } from './testing/fake-app';

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function setUp({
  lock = true,
  hidden = false,
  ...options
}: Partial<Omit<LifecycleDeps, 'hidden'>> & { lock?: boolean; hidden?: boolean | (() => boolean) } = {}) {
  const app = new FakeApp(lock);
  const log: string[] = [];
  const lifecycle = createLifecycle({
    app: app as never,
    hidden: typeof hidden === 'function' ? hidden : () => hidden,
    start: async () => void log.push('start'),
    showWindow: () => void log.push('show'),
    mayQuit: async () => true,
    stop: async () => void log.push('stop'),
    onFatal: (error) => void log.push(`fatal: ${error.message}`),
    logger: { info: () => {}, error: () => {} },
    ...options,
  } as LifecycleDeps);
  return { app, log, lifecycle };
}

describe('the app lifecycle', () => {
  it('a normal start starts the core, then shows the window', async () => {
    const { app, log } = setUp();
    expect(log).toEqual([]);
    await app.ready();
    expect(log).toEqual(['start', 'show']);
  });

  it('--hidden (launch at login) starts the core and goes straight to the tray', async () => {
    const { app, log } = setUp({ hidden: true });
    await app.ready();
    expect(log).toEqual(['start']);
  });

  it('a start by the login item goes to the tray: --hidden on Windows and Linux, macOS saying so', async () => {
    const starts = [
      {
        argv: ['/opt/repo-server/repo-server', '--hidden'],
        platform: 'linux',
        atLogin: false,
        window: false,
      },
      { argv: ['C:\\Repository Server.exe', '--hidden'], platform: 'win32', atLogin: false, window: false },
      { argv: ['/Applications/Repository Server.app'], platform: 'darwin', atLogin: true, window: false },
      { argv: ['/Applications/Repository Server.app'], platform: 'darwin', atLogin: false, window: true },
      { argv: ['/opt/repo-server/repo-server'], platform: 'linux', atLogin: false, window: true },
    ] as const;
    for (const start of starts) {
      const loginItems = { getLoginItemSettings: () => ({ wasOpenedAtLogin: start.atLogin }) };
      const { app, log } = setUp({
        // As the shell wires it: asked once the app is ready, from the command line and the OS.
        hidden: () => isHiddenStart(start.argv, loginItems as never, start.platform),
      });
      await app.ready();
      expect(log, `${start.platform} ${start.argv.join(' ')}`).toEqual(
        start.window ? ['start', 'show'] : ['start'],
      );
    }
  });

  it('a second instance quits at once; the first shows its window when launched again', async () => {
    const second = setUp({ lock: false });
    expect(second.lifecycle.primary).toBe(false);
    expect(second.app.quitted).toBe(true);

    const first = setUp({ hidden: true });
    await first.app.ready();
    first.app.emit('second-instance', {}, ['/opt/repo-server/repo-server']);
    expect(first.log).toEqual(['start', 'show']);
    // The login item starting us again while we run must not pop the window up.
    first.app.emit('second-instance', {}, ['/opt/repo-server/repo-server', '--hidden']);
    expect(first.log).toEqual(['start', 'show']);
  });

  it('closing the last window does not quit: the tray keeps the app', async () => {
    const { app } = setUp();
    await app.ready();
    expect(app.listenerCount('window-all-closed')).toBe(1);
    app.emit('window-all-closed');
    expect(app.quitted).toBe(false);
  });

  it('quit asks first, stops the core, and only then quits; windows may close from then on', async () => {
    let answer: (ok: boolean) => void = () => {};
    const { app, log, lifecycle } = setUp({
      mayQuit: () => new Promise<boolean>((resolve) => (answer = resolve)),
    });
    await app.ready();
    app.quit();
    expect(app.quitted).toBe(false);
    expect(lifecycle.isQuitting()).toBe(false);
    app.quit(); // a second Quit while the question is open changes nothing
    answer(true);
    await settle();
    expect(log).toEqual(['start', 'show', 'stop']);
    expect(app.quitted).toBe(true);
    expect(lifecycle.isQuitting()).toBe(true);
  });

  it('"Keep Running" keeps the app, and a later quit asks again', async () => {
    let asked = 0;
    const { app, log } = setUp({ mayQuit: async () => ++asked > 1 });
    await app.ready();
    app.quit();
    await settle();
    expect(app.quitted).toBe(false);
    expect(log).not.toContain('stop');
    app.quit();
    await settle();
    expect(asked).toBe(2);
    expect(app.quitted).toBe(true);
  });

  it('a core that does not stop in time does not keep the app from quitting, and the lock is released', async () => {
    const released: string[] = [];
    const { app } = setUp({
      stop: () => new Promise<void>(() => {}),
      stopTimeoutMs: 20,
      released: () => void released.push('released'),
    });
    await app.ready();
    app.quit();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(app.quitted).toBe(true);
    expect(released).toEqual(['released']);
  });

  it('a start that fails tells the user and quits', async () => {
    const { app, log } = setUp({
      start: async () => {
        throw new Error('The data folder is not writable.');
      },
    });
    await app.ready();
    expect(log).toEqual(['fatal: The data folder is not writable.']);
    expect(app.quitted).toBe(true);
  });
});
