import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupStatus } from '../../shared/contract/schedule';
import { AppFailure } from '../../shared/result';
import type { BackupSettings } from '../../shared/settings-schema';
import type { EventBus } from '../event-bus';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { BackupScheduler, type SchedulerState } from './backup-scheduler';
import { runBackup, type BackupRunDeps, type RunPlan, type RunReport } from './backup-run';
import { buildStatus, type RunningRun } from './backup-status';
import { RestoreDrills, type DrillArchiveSource } from '../backup/restore-drills';
import { DrillScheduler } from './drill-scheduler';

// Automatic backup as one service: the scheduler's slots become runs, one run at a time; the status is
// sent as `statusChanged` whenever something a person would want to see changes.

export interface AutoBackupDeps extends BackupRunDeps {
  dataDir: string;
  store: RepositoryStore;
  settings: SettingsService;
  events: EventBus;
  /** IANA zone the schedule's times are read in; the system's by default. */
  timeZone?: string;
  /** Where the last handled slot is kept between starts; `<dataDir>/backup-scheduler.json` by default. */
  state?: SchedulerState;
  /** Where restore drills find each repository's newest verified archive (the history by default). */
  drillSource?: DrillArchiveSource;
}

/** The last handled slot in a small JSON file, replaced atomically. */
export function fileSchedulerState(file: string): SchedulerState {
  return {
    load() {
      try {
        const value = (JSON.parse(fs.readFileSync(file, 'utf8')) as { lastHandledSlot?: unknown })
          .lastHandledSlot;
        return typeof value === 'number' && Number.isFinite(value) ? value : null;
      } catch {
        return null;
      }
    },
    save(ms) {
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify({ lastHandledSlot: ms, at: new Date(ms).toISOString() }) + '\n');
      fs.renameSync(temp, file);
    },
  };
}

export class AutoBackup {
  readonly scheduler: BackupScheduler;
  /** Restore drills: how (backup/restore-drills.ts) and when (drill-scheduler.ts). */
  readonly drills: RestoreDrills;
  readonly drillScheduler: DrillScheduler;
  private current: {
    run: RunningRun;
    jobId: string | null;
    done: Promise<RunReport>;
    controller: AbortController;
  } | null = null;
  private lastError: string | null = null;
  /** The reports of the last runs, by id, for a caller that started one and waits (the CLI). */
  private readonly reports = new Map<string, RunReport>();
  private unsubscribe: (() => void) | null = null;
  private lastSettings: string;

  constructor(private readonly deps: AutoBackupDeps) {
    this.lastSettings = JSON.stringify(deps.settings.get().backup);
    this.lastError = this.failureInHistory();
    // Before start too: a CLI or a UI saving settings of a core that is not running still gets the status.
    const offSettings = deps.settings.onChange((next) => {
      const serialized = JSON.stringify(next.backup);
      if (serialized === this.lastSettings) return;
      this.lastSettings = serialized;
      this.scheduler.reschedule();
      this.drillScheduler.reschedule();
      this.emit();
    });
    // The running job's phase is part of the status (snapshot, compressing, verifying…).
    let lastPhase: string | null = null;
    const offProgress = deps.events.on('jobProgress', (progress) => {
      if (progress.jobId !== this.current?.jobId || progress.phase === lastPhase) return;
      lastPhase = progress.phase;
      this.emit();
    });
    this.unsubscribe = () => {
      offSettings();
      offProgress();
    };
    this.drills = new RestoreDrills({
      dataDir: deps.dataDir,
      store: deps.store,
      clock: deps.clock,
      backups: deps.backups,
      source: deps.drillSource,
      onChanged: () => this.emit(),
    });
    this.drillScheduler = new DrillScheduler({
      clock: deps.clock,
      everyDays: () => this.settings().drillEveryDays,
      lastRunAt: () => this.drills.lastRunAt(),
      isBusy: () => this.isRunning() || this.drills.isRunning(),
      run: () => this.drills.start('schedule').done,
      logger: deps.logger,
    });
    this.scheduler = new BackupScheduler({
      clock: deps.clock,
      timeZone: deps.timeZone,
      state: deps.state ?? fileSchedulerState(path.join(deps.dataDir, 'backup-scheduler.json')),
      logger: deps.logger,
      settings: () => this.settings(),
      hooks: {
        run: async (slotAt, attempt) => {
          if (attempt > 0) deps.logger?.info(`Retrying the failed backup (attempt ${attempt}).`);
          const started = this.startRun('schedule', this.settings().repositories);
          const report = await started.done;
          return { ok: report.ok };
        },
        isRunning: () => this.isRunning(),
        skipped: (slotAt, reason) => {
          for (const repository of this.settings().repositories) {
            deps.backups.history.recordSkipped({ kind: 'backup', trigger: 'schedule', repository, reason });
          }
          deps.logger?.warn(`Backup slot ${new Date(slotAt).toISOString()} skipped: ${reason}`);
          this.emit();
        },
        changed: () => this.emit(),
      },
    });
  }

  /** After a restart (or in another process, the CLI): a failure stays visible until a run succeeds. */
  private failureInHistory(): string | null {
    for (const repository of this.settings().repositories) {
      const last = this.deps.backups.history
        .list({ repository, limit: 50 })
        .find((h) => h.kind === 'backup' && (h.status === 'ok' || h.status === 'failed'));
      if (last?.status === 'failed') return `${repository}: ${last.error ?? 'failed'}`;
    }
    return null;
  }

  private settings(): BackupSettings {
    return this.deps.settings.get().backup;
  }

  start(): void {
    this.scheduler.start();
    this.drillScheduler.start();
    this.emit();
  }

  /** Stops the schedule, and the run going on (its current archive is cancelled and leaves no file). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.scheduler.stop();
    this.drillScheduler.stop();
    this.drills.cancel();
    this.abortCurrent('the application stopped');
  }

  /** One run: still going, or its report. NOT_FOUND for a run this server does not know (any more). */
  getRun(runId: string): { running: boolean; report: RunReport | null } {
    if (this.current?.run.runId === runId) return { running: true, report: null };
    const report = this.reports.get(runId);
    if (!report) throw new AppFailure('NOT_FOUND', `There is no backup run with id "${runId}" (any more).`);
    return { running: false, report };
  }

  /** Cancels the run if it is still going; a run that ended is left as it ended. */
  cancelRun(runId: string): void {
    if (this.current?.run.runId === runId) this.abortCurrent('the run was cancelled');
    else this.getRun(runId);
  }

  private abortCurrent(reason: string): void {
    const current = this.current;
    if (current) {
      current.controller.abort(reason);
      if (current.jobId) {
        try {
          this.deps.backups.jobs.cancel(current.jobId);
        } catch {
          // It finished meanwhile.
        }
      }
    }
  }

  /** The machine woke up or the app came back: a slot missed meanwhile runs once, now. */
  async catchUp(): Promise<void> {
    this.scheduler.catchUp();
  }

  isRunning(): boolean {
    return this.current !== null;
  }

  /** Waits for the run going on now, if any (tests, and a quit that lets a backup finish). */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
    await this.drills.idle();
  }

  /**
   * Starts a run of the configured backup now: all selected repositories, or the ones given.
   * CONFLICT while another run goes on; INVALID_ARGUMENT when there is no usable target yet.
   */
  runNow(trigger: 'manual' | 'cli', repositories?: string[]): { runId: string; done: Promise<RunReport> } {
    if (this.current) {
      throw new AppFailure('CONFLICT', 'A backup is running already; wait for it to finish.');
    }
    const settings = this.settings();
    if (!settings.targetFolder.trim() || !path.isAbsolute(settings.targetFolder)) {
      throw new AppFailure(
        'INVALID_ARGUMENT',
        'Choose the folder backups are written to first (backup settings, "target folder").',
        { targetFolder: 'Choose the folder the backups are written to.' },
      );
    }
    const explicit = repositories !== undefined && repositories.length > 0;
    const names = explicit ? repositories : settings.repositories;
    if (names.length === 0) {
      throw new AppFailure('INVALID_ARGUMENT', 'Choose the repositories to back up (backup settings).', {
        repositories: 'Choose at least one repository.',
      });
    }
    // A name asked for now must exist; a configured one that is gone fails in the run, visibly.
    const canonical = names.map((name) => {
      const found = this.deps.store.resolve(name);
      if (!found && explicit) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
      return found ?? name;
    });
    return this.startRun(trigger, canonical);
  }

  private startRun(
    trigger: RunPlan['trigger'],
    repositories: string[],
  ): { runId: string; done: Promise<RunReport> } {
    const runId = randomUUID();
    const run: RunningRun = {
      runId,
      trigger,
      startedAt: this.deps.clock.now(),
      repository: null,
      index: 0,
      total: repositories.length,
      progress: null,
    };
    const entry = {
      run,
      jobId: null as string | null,
      done: undefined as unknown as Promise<RunReport>,
      controller: new AbortController(),
    };
    this.current = entry;
    entry.done = runBackup(this.deps, {
      runId,
      trigger,
      repositories,
      settings: this.settings(),
      signal: entry.controller.signal,
      onRepository: ({ repository, index, jobId }) => {
        run.repository = repository;
        run.index = index;
        entry.jobId = jobId;
        this.emit();
      },
    })
      .catch((error: unknown): RunReport => {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger?.error(`Backup run failed unexpectedly: ${message}`);
        const now = this.deps.clock.now();
        return {
          runId,
          trigger,
          ok: false,
          startedAt: run.startedAt,
          finishedAt: now,
          outcomes: [],
          error: message,
          configuration: null,
        };
      })
      .then((report) => {
        this.current = null;
        this.lastError = report.ok ? null : report.error;
        this.reports.set(runId, report);
        for (const old of this.reports.keys()) if (this.reports.size > 20) this.reports.delete(old);
        this.deps.events.emit('backupRunFinished', report);
        // Scheduled runs have nobody watching: the log says what happened. Others report to their caller.
        if (trigger === 'schedule') this.logRun(report);
        this.emit();
        return report;
      });
    this.emit();
    return { runId, done: entry.done };
  }

  private logRun(report: RunReport): void {
    const { logger } = this.deps;
    for (const o of report.outcomes) {
      if (o.status === 'ok') {
        const pruned = o.deleted.length ? `; retention removed ${o.deleted.length} older backup(s)` : '';
        logger?.info(`Scheduled backup of "${o.repository}" written and verified: ${o.file}${pruned}.`);
      } else logger?.warn(`Scheduled backup of "${o.repository}" ${o.status}: ${o.error}`);
    }
  }

  status(): BackupStatus {
    const { clock, store } = this.deps;
    const { history, jobs } = this.deps.backups;
    const current = this.current;
    return buildStatus({
      now: clock.now(),
      settings: this.settings(),
      nextRun: this.scheduler.nextRun(),
      retryAt: this.scheduler.retryAt(),
      lastError: this.lastError,
      running: current
        ? { ...current.run, progress: jobs.list().find((j) => j.jobId === current.jobId) ?? null }
        : null,
      drill: this.drills.status(this.settings().drillEveryDays, this.drillScheduler.nextRun()),
      historyOf: (name) => history.lastBackups(name),
      createdAtOf: (name) => {
        const canonical = store.resolve(name);
        if (!canonical) return null;
        try {
          const created = store.open(canonical).createdAt();
          const ms = created ? Date.parse(created) : Number.NaN;
          return Number.isFinite(ms) ? ms : fs.statSync(store.pathOf(canonical)).mtimeMs;
        } catch {
          return null;
        }
      },
    });
  }

  private emit(): void {
    try {
      this.deps.events.emit('statusChanged', this.status());
    } catch (error) {
      this.deps.logger?.error(`Could not send the backup status: ${(error as Error).message}`);
    }
  }
}
