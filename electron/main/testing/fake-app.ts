import { EventEmitter } from 'node:events';

/**
 * A stand-in for Electron's `app`: `quit()` emits 'before-quit' and, unless a listener prevents it,
 * quits (as Electron does); `ready()` resolves `whenReady()`.
 */
export class FakeApp extends EventEmitter {
  quitted = false;
  quitCalls = 0;
  private readyResolve!: () => void;
  private readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));
  constructor(private lock = true) {
    super();
  }
  requestSingleInstanceLock() {
    return this.lock;
  }
  whenReady() {
    return this.readyPromise;
  }
  ready() {
    this.readyResolve();
    return new Promise((resolve) => setTimeout(resolve, 10));
  }
  quit() {
    this.quitCalls++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) this.quitted = true;
  }
}
