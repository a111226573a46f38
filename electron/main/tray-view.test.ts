import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import {
  backupStatus,
  drillStatus,
  job,
  localIso,
  localMs,
  repoState,
  serverStatus,
  shellState,
} from './testing/statuses';
import { trayIconState, trayMenuTemplate, trayTooltip, type TrayActions } from './tray-view';

const NOW = localMs(2026, 11, 23, 9, 15); // a Monday morning

function recordingActions() {
  const calls: string[] = [];
  const actions: TrayActions = {
    openControlPanel: () => calls.push('open'),
    backUpNow: () => calls.push('backUpNow'),
    pauseForDays: (days) => calls.push(`pause ${days}`),
    resumeBackups: () => calls.push('resume'),
    startServer: () => calls.push('startServer'),
    stopServer: () => calls.push('stopServer'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

/** The menu as a user reads it: visible labels, "(disabled)" for greyed-out ones, "---" for separators. */
const read = (menu: MenuItemConstructorOptions[]) =>
  menu.map((item) =>
    item.type === 'separator' ? '---' : `${item.label}${item.enabled === false ? ' (disabled)' : ''}`,
  );
const item = (menu: MenuItemConstructorOptions[], id: string) => menu.find((i) => i.id === id)!;

describe('the tray icon', () => {
  it('has one icon per state, the most urgent winning', () => {
    expect(trayIconState(shellState())).toBe('idle');
    expect(trayIconState(shellState({ jobs: [job()] }))).toBe('backing-up');
    expect(
      trayIconState(shellState({ backup: backupStatus({ lastError: 'Target folder is missing.' }) })),
    ).toBe('failed');
    const oneFailed = backupStatus({
      perRepository: [
        repoState('Sales', {
          lastResult: {
            at: localIso(2026, 11, 22, 22, 0),
            status: 'failed',
            file: null,
            sizeBytes: null,
            durationMs: 10,
            error: 'Disk full',
          },
        }),
      ],
    });
    expect(trayIconState(shellState({ backup: oneFailed }))).toBe('failed');
    expect(trayIconState(shellState({ backup: backupStatus({ state: 'paused' }) }))).toBe('paused');
    expect(trayIconState(shellState({ server: serverStatus({ state: 'stopped' }) }))).toBe('stopped');
    // A run in progress is what the user most wants to see, even after an earlier failure.
    expect(trayIconState(shellState({ jobs: [job()], backup: backupStatus({ lastError: 'x' }) }))).toBe(
      'backing-up',
    );
    // Before the core answered, nothing is wrong yet.
    expect(trayIconState({ server: null, backup: null, offsite: null, jobs: [] })).toBe('idle');
  });

  it('an export is not a backup: the icon stays idle', () => {
    expect(trayIconState(shellState({ jobs: [job({ kind: 'export' })] }))).toBe('idle');
  });
});

describe('the tray tooltip', () => {
  it('names the next backup in local time', () => {
    const s = shellState({ backup: backupStatus({ nextRun: localIso(2026, 11, 23, 22, 0) }) });
    expect(trayTooltip(s, NOW)).toBe('Repository Server\nBackups OK\nNext backup: today at 22:00');
    const later = shellState({ backup: backupStatus({ nextRun: localIso(2026, 11, 26, 12, 30) }) });
    expect(trayTooltip(later, NOW)).toContain('Next backup: Thu 26 Nov at 12:30');
  });

  it('says when a failed run is retried, and when backups are off', () => {
    const retry = shellState({
      backup: backupStatus({
        lastError: 'The target folder is not writable.',
        retryAt: localIso(2026, 11, 24, 0, 5),
      }),
    });
    expect(trayTooltip(retry, NOW)).toBe(
      'Repository Server\nLast backup failed: The target folder is not writable.\nRetry: tomorrow at 00:05',
    );
    expect(trayTooltip(shellState({ backup: backupStatus({ state: 'off' }) }), NOW)).toBe(
      'Repository Server\nAutomatic backup is off\nNext backup: none scheduled',
    );
  });
});

describe('the tray menu', () => {
  it('when idle: status lines, Back Up Now, both pauses, open, Stop Server, Quit', () => {
    const { actions } = recordingActions();
    const s = shellState({ backup: backupStatus({ nextRun: localIso(2026, 11, 23, 22, 0) }) });
    expect(read(trayMenuTemplate(s, actions, NOW))).toEqual([
      'Server running on port 53400 · 2 clients (disabled)',
      'Backups OK (disabled)',
      'Next backup: today at 22:00 (disabled)',
      '---',
      'Back Up Now',
      'Pause for 1 Day',
      'Pause for 2 Days',
      '---',
      'Open Control Panel',
      'Stop Server',
      '---',
      'Quit Repository Server',
    ]);
  });

  it('while backing up: progress in the status line, Back Up Now greyed out', () => {
    const { actions } = recordingActions();
    const s = shellState({
      backup: backupStatus({
        running: {
          runId: 'run-1',
          trigger: 'schedule',
          startedAt: localIso(2026, 11, 23, 9, 0),
          repository: 'Billing',
          index: 1,
          total: 2,
          progress: null,
        },
      }),
      jobs: [job({ repository: 'Billing', bytesDone: 250, bytesTotal: 1000 })],
    });
    const menu = read(trayMenuTemplate(s, actions, NOW));
    expect(menu[1]).toBe('Backing up Billing (2 of 2) 25% (disabled)');
    expect(menu).toContain('Backing Up… (disabled)');
  });

  it('when paused: Resume instead of the pauses, and until when', () => {
    const { actions, calls } = recordingActions();
    const s = shellState({
      backup: backupStatus({ state: 'paused', pausedUntil: localIso(2026, 11, 24, 9, 15) }),
    });
    const menu = trayMenuTemplate(s, actions, NOW);
    expect(read(menu)).toContain('Backups paused until tomorrow at 09:15 (disabled)');
    expect(read(menu)).not.toContain('Pause for 1 Day');
    (item(menu, 'resume').click as () => void)();
    expect(calls).toEqual(['resume']);
  });

  it('when backups are off: nothing to pause or run', () => {
    const { actions } = recordingActions();
    const s = shellState({ backup: backupStatus({ state: 'off', repositories: [] }) });
    const menu = read(trayMenuTemplate(s, actions, NOW));
    expect(menu).toEqual(
      expect.arrayContaining([
        'Automatic backup is off (disabled)',
        'Back Up Now (disabled)',
        'Pause for 1 Day (disabled)',
        'Pause for 2 Days (disabled)',
      ]),
    );
  });

  it('after a failed run: why, when it is retried, and Back Up Now to try again at once', () => {
    const { actions, calls } = recordingActions();
    const s = shellState({
      backup: backupStatus({
        lastError: 'The target folder /mnt/nas/backups is not writable.',
        retryAt: localIso(2026, 11, 23, 9, 55),
      }),
    });
    const menu = trayMenuTemplate(s, actions, NOW);
    expect(read(menu).slice(1, 3)).toEqual([
      'Last backup failed: The target folder /mnt/nas/backups is not writable. (disabled)',
      'Retry: today at 09:55 (disabled)',
    ]);
    expect(read(menu)).toContain('Back Up Now');
    (item(menu, 'back-up-now').click as () => void)();
    expect(calls).toEqual(['backUpNow']);
  });

  it('when the server is stopped: Start Server, and why it stopped', () => {
    const { actions, calls } = recordingActions();
    const s = shellState({ server: serverStatus({ state: 'stopped', lastError: 'Port 53400 is in use.' }) });
    const menu = trayMenuTemplate(s, actions, NOW);
    expect(read(menu)[0]).toBe('Server stopped: Port 53400 is in use. (disabled)');
    expect(read(menu)).toContain('Start Server');
    (item(menu, 'start-server').click as () => void)();
    expect(calls).toEqual(['startServer']);
  });

  it('after a failed restore test: the failed icon, and which repository', () => {
    const { actions } = recordingActions();
    const at = localIso(2026, 11, 23, 3, 0);
    const s = shellState({
      backup: backupStatus({
        drill: drillStatus([
          { name: 'Sales', status: 'failed', at, error: 'damaged' },
          { name: 'Billing', status: 'ok', at },
        ]),
      }),
    });
    expect(trayIconState(s)).toBe('failed');
    expect(read(trayMenuTemplate(s, actions, NOW))[1]).toBe('Restore test failed: Sales (disabled)');
  });

  it('when a repository is overdue: says which', () => {
    const { actions } = recordingActions();
    const s = shellState({
      backup: backupStatus({ perRepository: [repoState('Sales', { overdue: true })] }),
    });
    expect(read(trayMenuTemplate(s, actions, NOW))[1]).toBe('Overdue: Sales (disabled)');
  });

  it('every clickable item calls its action', () => {
    const { actions, calls } = recordingActions();
    const menu = trayMenuTemplate(shellState(), actions, NOW);
    for (const id of ['back-up-now', 'pause-1', 'pause-2', 'open', 'stop-server', 'quit']) {
      (item(menu, id).click as () => void)();
    }
    expect(calls).toEqual(['backUpNow', 'pause 1', 'pause 2', 'open', 'stopServer', 'quit']);
  });

  it('before the core answered: says it is starting, and offers only safe items', () => {
    const { actions } = recordingActions();
    const menu = read(
      trayMenuTemplate({ server: null, backup: null, offsite: null, jobs: [] }, actions, NOW),
    );
    expect(menu.slice(0, 3)).toEqual([
      'Server: starting… (disabled)',
      'Automatic backup: loading… (disabled)',
      'Next backup: none scheduled (disabled)',
    ]);
    expect(menu).toContain('Back Up Now (disabled)');
    expect(menu).toContain('Start Server (disabled)');
    expect(menu).toContain('Open Control Panel');
  });
});
