import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { EventBus } from '../core/event-bus';
import { trackShellState } from './shell-state';
import {
  backupStatus,
  job,
  localIso,
  localMs,
  offsiteStatus,
  serverStatus,
  shellState,
} from './testing/statuses';
import { createTray } from './tray';
import { TRAY_ICON_STATES } from './tray-view';

const ICON_DIR = path.resolve(import.meta.dirname, '../../assets/tray');

/** Stand-ins for Electron's Tray, Menu and nativeImage that remember what the tray shows. */
function fakeElectron() {
  const shown = { image: '', tooltip: '', menu: [] as MenuItemConstructorOptions[], destroyed: false };
  const created: string[] = [];
  class FakeTray extends EventEmitter {
    constructor(image: NativeImage) {
      super();
      shown.image = (image as unknown as { path: string }).path;
    }
    setImage(image: NativeImage) {
      shown.image = (image as unknown as { path: string }).path;
    }
    setToolTip(text: string) {
      shown.tooltip = text;
    }
    setContextMenu(menu: unknown) {
      shown.menu = (menu as { template: MenuItemConstructorOptions[] }).template;
    }
    destroy() {
      shown.destroyed = true;
    }
  }
  return {
    shown,
    created,
    deps: {
      Tray: FakeTray as never,
      Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) as never },
      nativeImage: {
        createFromPath: (file: string) => {
          created.push(file);
          return { path: file } as unknown as NativeImage;
        },
      },
    },
  };
}

const noActions = {
  openControlPanel: () => {},
  backUpNow: () => {},
  pauseForDays: () => {},
  resumeBackups: () => {},
  startServer: () => {},
  stopServer: () => {},
  quit: () => {},
};

describe('the tray', () => {
  it('every state has its icon in assets/tray, at 1x and 2x', () => {
    for (const state of TRAY_ICON_STATES) {
      for (const file of [`${state}.png`, `${state}@2x.png`]) {
        const bytes = fs.readFileSync(path.join(ICON_DIR, file));
        expect(bytes.subarray(1, 4).toString(), file).toBe('PNG');
      }
    }
  });

  it('shows the icon, tooltip and menu of each state, loading each image once', () => {
    const electron = fakeElectron();
    const tray = createTray({
      ...electron.deps,
      iconDir: ICON_DIR,
      actions: noActions,
      now: () => Date.now(),
    });
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'idle.png'));

    tray.render(shellState({ jobs: [job()] }));
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'backing-up.png'));
    expect(electron.shown.tooltip).toContain('Backing up Sales 45%');
    expect(electron.shown.menu.find((i) => i.id === 'back-up-now')).toMatchObject({ enabled: false });

    tray.render(shellState({ backup: backupStatus({ lastError: 'Disk full' }) }));
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'failed.png'));
    tray.render(shellState({ backup: backupStatus({ state: 'paused' }) }));
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'paused.png'));
    tray.render(shellState({ server: serverStatus({ state: 'stopped' }) }));
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'stopped.png'));
    tray.render(shellState());
    tray.render(shellState());
    expect(electron.shown.image).toBe(path.join(ICON_DIR, 'idle.png'));
    expect(electron.created.length).toBe(5);
    for (const file of electron.created) expect(fs.existsSync(file), file).toBe(true);

    tray.destroy();
    expect(electron.shown.destroyed).toBe(true);
  });

  it('a click on the icon opens the Control Panel', () => {
    const electron = fakeElectron();
    let opened = 0;
    const made: EventEmitter[] = [];
    const Tray = new Proxy(electron.deps.Tray as unknown as typeof EventEmitter, {
      construct: (target, args) => {
        const tray = Reflect.construct(target, args) as EventEmitter;
        made.push(tray);
        return tray;
      },
    });
    createTray({
      ...electron.deps,
      Tray: Tray as never,
      iconDir: ICON_DIR,
      actions: { ...noActions, openControlPanel: () => opened++ },
      now: () => Date.now(),
    });
    made[0]!.emit('click');
    expect(opened).toBe(1);
  });

  it('follows the core’s events: statusChanged, serverStateChanged, jobProgress, jobFinished', async () => {
    const electron = fakeElectron();
    const tray = createTray({
      ...electron.deps,
      iconDir: ICON_DIR,
      actions: noActions,
      now: () => Date.now(),
    });
    const events = new EventBus();
    const handlers = {
      getServerStatus: async () => serverStatus(),
      getBackupStatus: async () => backupStatus(),
      getOffsiteStatus: async () => offsiteStatus(),
      listJobs: async () => [],
    };
    const tracked = trackShellState({ handlers, events }, (state) => tray.render(state));
    await tracked.refresh();
    expect(electron.shown.image).toMatch(/idle\.png$/);

    events.emit('jobProgress', job({ jobId: 'j1' }));
    expect(electron.shown.image).toMatch(/backing-up\.png$/);
    events.emit('jobProgress', job({ jobId: 'j1', bytesDone: 900 }));
    expect(tracked.state.jobs).toHaveLength(1);
    expect(electron.shown.tooltip).toContain('90%');
    events.emit('jobFinished', {
      jobId: 'j1',
      kind: 'backup',
      repository: 'Sales',
      status: 'failed',
      file: null,
      sizeBytes: null,
      durationMs: 1200,
      restoredAs: null,
      error: { code: 'NO_SPACE', message: 'The disk is full.' },
    });
    expect(tracked.state.jobs).toEqual([]);
    events.emit('statusChanged', backupStatus({ lastError: 'The disk is full.' }));
    expect(electron.shown.image).toMatch(/failed\.png$/);
    events.emit('statusChanged', backupStatus());
    events.emit('serverStateChanged', serverStatus({ state: 'stopped' }));
    expect(electron.shown.image).toMatch(/stopped\.png$/);
    expect(electron.shown.menu.map((i) => i.label)).toContain('Start Server');

    tracked.dispose();
    events.emit('serverStateChanged', serverStatus());
    expect(electron.shown.image).toMatch(/stopped\.png$/);
  });

  it('an offsite copy waiting longer than its threshold is an alert in the menu and the tooltip; it clears when the copy lands', async () => {
    const electron = fakeElectron();
    const now = localMs(2026, 11, 24, 9, 15);
    const tray = createTray({ ...electron.deps, iconDir: ICON_DIR, actions: noActions, now: () => now });
    const events = new EventBus();
    const copied = offsiteStatus({
      perRepository: [
        {
          name: 'Sales',
          lastCopiedAt: localIso(2026, 11, 23, 22, 4),
          checkedBy: 'remote-command',
          pending: 0,
          alert: false,
        },
      ],
    });
    const tracked = trackShellState(
      {
        handlers: {
          getServerStatus: async () => serverStatus(),
          getBackupStatus: async () => backupStatus(),
          getOffsiteStatus: async () => copied,
          listJobs: async () => [],
        },
        events,
      },
      (state) => tray.render(state),
    );
    await tracked.refresh();
    const labels = () => electron.shown.menu.map((i) => i.label);
    expect(labels()).toContain('Offsite: all copied, last yesterday at 22:04, checked');
    expect(electron.shown.tooltip).not.toContain('Offsite');

    // The offsite host has been unreachable since yesterday evening: Sales' copy waits over 24 h.
    events.emit(
      'offsiteStatusChanged',
      offsiteStatus({
        pending: 2,
        alert: true,
        failingSince: localIso(2026, 11, 23, 8, 2),
        lastError: { code: 'UNREACHABLE', message: 'connect ECONNREFUSED 192.0.2.7:22' },
        nextAttemptAt: localIso(2026, 11, 24, 10, 0),
        perRepository: [
          { name: 'Sales', lastCopiedAt: null, checkedBy: null, pending: 2, alert: true },
          {
            name: 'Billing',
            lastCopiedAt: null,
            checkedBy: null,
            pending: 0,
            alert: false,
          },
        ],
      }),
    );
    const alert =
      'Offsite copies overdue: Sales, waiting over 24 h (host unreachable since yesterday at 08:02)';
    expect(labels().slice(0, 3)).toEqual(['Server running on port 53400 · 2 clients', 'Backups OK', alert]);
    expect(electron.shown.menu.find((i) => i.label === alert)?.enabled).toBe(false);
    expect(electron.shown.tooltip).toBe(
      `Repository Server\nBackups OK\n${alert}\nNext backup: none scheduled`,
    );

    events.emit('offsiteStatusChanged', copied);
    expect(labels()).not.toContain(alert);
    expect(electron.shown.tooltip).not.toContain('Offsite');
    // Offsite copies turned off with nothing waiting: no line at all.
    events.emit('offsiteStatusChanged', offsiteStatus({ enabled: false }));
    expect(labels().some((l) => String(l).startsWith('Offsite'))).toBe(false);
    tracked.dispose();
  });

  it('a part of the core that is not built yet leaves its line as "loading", not an error', async () => {
    const failing = async () => {
      throw new Error('NOT_SUPPORTED');
    };
    const tracked = trackShellState(
      {
        handlers: {
          getServerStatus: failing,
          getBackupStatus: failing,
          getOffsiteStatus: failing,
          listJobs: failing,
        },
        events: new EventBus(),
      },
      () => {},
    );
    await tracked.refresh();
    expect(tracked.state).toEqual({ server: null, backup: null, offsite: null, jobs: [] });
  });
});
