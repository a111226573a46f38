import type { EventBus } from '../core/event-bus';
import type { CoreHandlers } from '../shared/contract';
import type { JobProgress } from '../shared/contract/archives';
import type { ServerStatus } from '../shared/contract/clients';
import type { OffsiteStatus } from '../shared/contract/offsite';
import type { BackupStatus } from '../shared/contract/schedule';

/** What the tray shows: the latest of each status the core pushed, and the jobs running now. */
export interface ShellState {
  /** null until the core answered (or while that part of the core is not built). */
  server: ServerStatus | null;
  backup: BackupStatus | null;
  /** Offsite copies: a copy waiting longer than its threshold is an alert, like an overdue backup. */
  offsite: OffsiteStatus | null;
  jobs: JobProgress[];
}

export type ShellCore = {
  handlers: Pick<CoreHandlers, 'getServerStatus' | 'getBackupStatus' | 'getOffsiteStatus' | 'listJobs'>;
  events: Pick<EventBus, 'on'>;
};

/**
 * Keeps a ShellState from the core's events (statusChanged, serverStateChanged, offsiteStatusChanged,
 * jobProgress, jobFinished) and calls `onChange` after each change. `refresh()` asks the core for everything.
 */
export function trackShellState(core: ShellCore, onChange: (state: ShellState) => void) {
  let state: ShellState = { server: null, backup: null, offsite: null, jobs: [] };
  const set = (patch: Partial<ShellState>) => {
    state = { ...state, ...patch };
    onChange(state);
  };
  const ask = async <T>(call: () => Promise<T>): Promise<T | null> => {
    try {
      return await call();
    } catch {
      return null;
    }
  };

  const offs = [
    core.events.on('statusChanged', (backup) => set({ backup })),
    core.events.on('serverStateChanged', (server) => set({ server })),
    core.events.on('offsiteStatusChanged', (offsite) => set({ offsite })),
    core.events.on('jobProgress', (job) =>
      set({ jobs: [...state.jobs.filter((j) => j.jobId !== job.jobId), job] }),
    ),
    core.events.on('jobFinished', (result) =>
      set({ jobs: state.jobs.filter((j) => j.jobId !== result.jobId) }),
    ),
  ];

  return {
    get state(): ShellState {
      return state;
    },
    async refresh(): Promise<void> {
      const [server, backup, offsite, jobs] = await Promise.all([
        ask(() => core.handlers.getServerStatus({})),
        ask(() => core.handlers.getBackupStatus({})),
        ask(() => core.handlers.getOffsiteStatus({})),
        ask(() => core.handlers.listJobs({})),
      ]);
      set({
        server: server ?? state.server,
        backup: backup ?? state.backup,
        offsite: offsite ?? state.offsite,
        jobs: jobs ?? state.jobs,
      });
    },
    dispose(): void {
      for (const off of offs) off();
    },
  };
}
