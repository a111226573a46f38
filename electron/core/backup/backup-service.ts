import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type {
  ArchivePreview,
  JobKind,
  JobResult,
  ManifestV1,
  Trigger,
  VerifyResult,
} from '../../shared/contract/archives';
import { AppFailure, isAppFailure, type ErrorCode } from '../../shared/result';
import type { ClientsPolicy, Compression } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import type { Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import type { EventBus } from '../event-bus';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { openArchive } from './archive-reader';
import { backupConfiguration, type VerifiedConfiguration } from './config-backup';
import { agentPool, type AgentPool } from './agent-pool';
import { nodeAgentLauncher, type AgentLauncher } from './fs-agent';
import { BackupHistory } from './history';
import { importArchive, type ImportRequest } from './import-archive';
import { JobRegistry, repositoryLane, type JobContext } from './jobs';
import { BackupPipeline, type BackupRequest, type BackupResult, type Destination } from './pipeline';
import { Janitor } from './recovery';
import { TargetFs } from './target-fs';
import { removeStaleTempFolders } from './temp-area';
import { verifyArchive } from './verify-archive';

export interface BackupServiceDeps {
  dataDir: string;
  store: RepositoryStore;
  /** server.sqlite, which holds the backup history. */
  serverDb: DatabaseSync;
  clock: Clock;
  events: EventBus;
  settings: SettingsService;
  appInfo: AppInfo;
  /** The client server's side of the clients policy; null while there is none (CLI commands). */
  clients?: ClientsControl | null;
  /** Starts the file agents that do every call on user-chosen paths (fs-agent.ts). */
  agentLauncher?: AgentLauncher;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** What the Export dialog, the CLI's export and tests ask for; the rest comes from the settings. */
export interface ExportOptions {
  repository: string;
  destination: Destination;
  includeHistory?: boolean;
  trigger?: Trigger;
  /** export (default) or backup, as recorded in the history. */
  kind?: Extract<JobKind, 'export' | 'backup'>;
  /** Default to the settings' clients policy and grace period. */
  clientsPolicy?: ClientsPolicy;
  graceMinutes?: number;
  /** Defaults to settings.backup.compression. */
  compression?: Compression;
  /** Retention in the destination folder after a verified archive; none by default. */
  keepLast?: number | null;
}

export type BackupJobResult = JobResult & { backup: BackupResult | null };

const failureText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const toJobError = (e: unknown) =>
  isAppFailure(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: failureText(e) };

/** Backups (the one pipeline), verify, import, their jobs and history: what handlers, scheduler and CLI use. */
export class BackupService {
  readonly history: BackupHistory;
  readonly jobs: JobRegistry;
  readonly safetyBackupsDir: string;
  readonly pipeline: BackupPipeline;
  readonly janitor: Janitor;
  /** Settles what a killed process left behind; resolves once done (in the background at start). */
  readonly recovered: Promise<void>;
  /**
   * Runs after each configuration archive is read back, before its local retention: the host sets it
   * (create-server.ts queues the archive's offsite copy, as the pipeline's offsite step does for a
   * repository's). Its failure is a warning on the backup's history row.
   */
  afterConfigurationVerified: ((archive: VerifiedConfiguration) => Promise<void>) | null = null;
  private clients: ClientsControl | null;
  /** Starts a job's file agent, or hands it one the job before finished with (agent-pool.ts). */
  readonly launcher: AgentLauncher;
  private readonly agents: AgentPool;

  constructor(private readonly deps: BackupServiceDeps) {
    this.history = new BackupHistory(deps.serverDb, deps.clock);
    this.jobs = new JobRegistry(deps.events, deps.clock);
    this.safetyBackupsDir = path.join(deps.dataDir, 'safety-backups');
    this.clients = deps.clients ?? null;
    this.agents = agentPool(deps.agentLauncher ?? nodeAgentLauncher);
    this.launcher = this.agents.launch;
    const timeoutMs = () => this.timeoutMs();
    this.janitor = new Janitor({
      history: this.history,
      launcher: this.launcher,
      dataDir: deps.dataDir,
      clock: deps.clock,
      timeoutMs,
      logger: deps.logger,
    });
    this.pipeline = new BackupPipeline({
      dataDir: deps.dataDir,
      store: deps.store,
      clock: deps.clock,
      appInfo: deps.appInfo,
      clients: () => this.clients,
      history: this.history,
      janitor: this.janitor,
      launcher: this.launcher,
      timeoutMs,
    });
    // What a killed or crashed process left behind: its temp folders now (they are in the data dir),
    // its jobs' files in the background (their folders may not answer).
    removeStaleTempFolders(deps.dataDir);
    this.recovered = this.janitor.recoverInterrupted().then(
      () => {},
      (error: unknown) => deps.logger?.warn(`Could not settle earlier jobs: ${failureText(error)}`),
    );
  }

  /** The client server arrives after the service in some hosts. */
  setClientsControl(clients: ClientsControl | null): void {
    this.clients = clients;
  }

  private timeoutMs(): number {
    return this.deps.settings.get().backup.targetTimeoutSeconds * 1000;
  }

  /** A request with what the options leave out taken from the settings. */
  backupRequest(options: ExportOptions): BackupRequest {
    const backup = this.deps.settings.get().backup;
    return {
      repository: options.repository,
      destination: options.destination,
      kind: options.kind ?? 'export',
      trigger: options.trigger ?? 'manual',
      includeHistory: options.includeHistory ?? true,
      compression: options.compression ?? backup.compression,
      // The connected-clients policy is the administrator's, for every trigger (one meaning).
      clientsPolicy: options.clientsPolicy ?? backup.clientsPolicy,
      graceMinutes: options.graceMinutes ?? backup.graceMinutes,
      keepLast: options.keepLast ?? null,
    };
  }

  /**
   * Backs up one repository through the pipeline inside an existing job (or none) and records it; throws
   * an AppFailure. `startBackupJob` is the tracked form.
   */
  backupRepository(
    options: ExportOptions,
    job: Pick<JobContext, 'signal' | 'progress'> & { jobId?: string } = {
      signal: new AbortController().signal,
      progress: () => {},
    },
  ): Promise<BackupResult> {
    return this.pipeline.run(this.backupRequest(options), { jobId: job.jobId ?? '', ...job });
  }

  /** Starts a tracked backup job (progress events, cancel); `done` resolves with its result, never rejects. */
  startBackupJob(options: ExportOptions): { jobId: string; done: Promise<BackupJobResult> } {
    let backup: BackupResult | null = null;
    const request = this.backupRequest(options);
    const started = this.jobs.start(
      {
        kind: request.kind,
        repository: request.repository,
        file: request.destination.kind === 'file' ? path.resolve(request.destination.file) : null,
        // A restore drill of the same repository waits for the backup, and the other way round.
        lane: repositoryLane(request.repository),
      },
      async (job) => {
        backup = await this.pipeline.run(request, job);
        return { file: backup.file, sizeBytes: backup.sizeBytes };
      },
    );
    const done = started.done.then((result) => {
      this.janitor.soon();
      return { ...result, backup };
    });
    return { jobId: started.jobId, done };
  }

  /** The server's configuration as its own archive in `folder`, with retention (config-backup.ts). */
  backupConfiguration(request: { folder: string; trigger: Trigger; keepLast: number; signal?: AbortSignal }) {
    return backupConfiguration(
      {
        store: this.deps.store,
        settings: this.deps.settings,
        history: this.history,
        clock: this.deps.clock,
        appInfo: this.deps.appInfo,
        launcher: this.launcher,
        timeoutMs: this.timeoutMs(),
        afterVerified: this.afterConfigurationVerified ?? undefined,
      },
      request,
    );
  }

  /** An export job (the Export dialog, the CLI): a backup with kind "export" and no retention. */
  startExportJob(options: ExportOptions): { jobId: string; done: Promise<BackupJobResult> } {
    return this.startBackupJob({ kind: 'export', ...options });
  }

  startImportJob(
    request: ImportRequest,
    trigger: Trigger = 'manual',
  ): { jobId: string; done: Promise<JobResult> } {
    const file = path.resolve(request.file);
    // One import at a time: two restores must not pick the same free name or swap the same file.
    return this.jobs.start(
      { kind: 'import', repository: request.targetName ?? null, file, lane: 'import' },
      (job) => this.runImport(request, file, trigger, job),
    );
  }

  /** A file agent for reading a user-chosen archive, under the deadline, cancelled with `signal`. */
  sourceIo(signal?: AbortSignal): TargetFs {
    return new TargetFs({ launcher: this.launcher, timeoutMs: this.timeoutMs(), signal, role: 'source' });
  }

  private async runImport(request: ImportRequest, file: string, trigger: Trigger, job: JobContext) {
    const historyId = this.history.begin({
      kind: 'import',
      trigger,
      repository: request.targetName ?? null,
      file,
      jobId: job.jobId,
    });
    const io = this.sourceIo(job.signal);
    try {
      const result = await importArchive(
        {
          dataDir: this.deps.dataDir,
          store: this.deps.store,
          clients: this.clients,
          io,
          // The restore holds the repository's clients off already: the safety backup is taken with
          // them held, so no write acknowledged before the restore is missing from it.
          safetyBackup: async (repository, inner) => {
            const safety = await this.pipeline.run(
              this.backupRequest({
                repository,
                destination: { kind: 'folder', folder: this.ensureSafetyFolder() },
                trigger: 'pre-restore',
                kind: 'backup',
                includeHistory: true,
                clientsPolicy: 'keep-connected',
                keepLast: this.deps.settings.get().backup.keepLast,
              }),
              {
                jobId: job.jobId,
                signal: inner.signal,
                progress: ({ bytesDone, bytesTotal }) => inner.progress({ bytesDone, bytesTotal }),
              },
            );
            return safety.file;
          },
        },
        { ...request, file },
        job,
      );
      this.history.setRepository(historyId, result.restoredAs);
      this.history.finish(historyId, { status: 'ok' });
      return { file, restoredAs: result.restoredAs };
    } catch (error) {
      const cancelled = job.signal.aborted || (isAppFailure(error) && error.code === 'CANCELLED');
      this.history.finish(historyId, {
        status: cancelled ? 'cancelled' : 'failed',
        error: failureText(error),
      });
      throw error;
    } finally {
      io.close();
    }
  }

  private ensureSafetyFolder(): string {
    // Created on first use only, so a data dir that never restored has no empty folder.
    fs.mkdirSync(this.safetyBackupsDir, { recursive: true });
    return this.safetyBackupsDir;
  }

  /** The manifest only: the central directory and manifest.json, never the whole file. */
  async readManifest(file: string): Promise<ManifestV1> {
    const io = this.sourceIo();
    try {
      const archive = await openArchive(path.resolve(file), io);
      archive.close();
      return archive.manifest;
    } finally {
      io.close();
    }
  }

  async preview(file: string): Promise<ArchivePreview> {
    const resolved = path.resolve(file);
    const io = this.sourceIo();
    try {
      const sizeBytes = (await io.stat(resolved).catch(() => null))?.size ?? null;
      try {
        const archive = await openArchive(resolved, io);
        archive.close();
        return {
          file: resolved,
          sizeBytes,
          manifest: archive.manifest,
          exists: this.deps.store.resolve(archive.manifest.repository.name) !== null,
          error: null,
        };
      } catch (error) {
        return { file: resolved, sizeBytes, manifest: null, exists: false, error: toJobError(error) };
      }
    } finally {
      io.close();
    }
  }

  /**
   * A verification as a job (progress, cancel, `wait`): what the CLI runs, so Ctrl-C or the Control
   * Panel's Cancel ends it and a running server can carry it on after --no-wait. A bad archive fails
   * the job with the reason.
   */
  startVerifyJob(file: string, trigger: Trigger = 'manual'): { jobId: string; done: Promise<JobResult> } {
    const resolved = path.resolve(file);
    // Each extracts a full snapshot into the data dir: one at a time.
    return this.jobs.start(
      { kind: 'verify', repository: null, file: resolved, lane: 'verify' },
      async (job) => {
        job.progress({ phase: 'verifying', file: resolved });
        const result = await this.verify(resolved, trigger, job.signal);
        if (result.error) throw new AppFailure(result.error.code as ErrorCode, result.error.message);
        return { file: resolved, sizeBytes: (await this.statSize(resolved)) ?? undefined };
      },
    );
  }

  private async statSize(file: string): Promise<number | null> {
    const io = this.sourceIo();
    try {
      return (await io.stat(file).catch(() => null))?.size ?? null;
    } finally {
      io.close();
    }
  }

  /** Full verification, recorded in the history; never throws for a bad archive (it says why). */
  async verify(file: string, trigger: Trigger = 'manual', signal?: AbortSignal): Promise<VerifyResult> {
    const resolved = path.resolve(file);
    const started = this.deps.clock.now();
    const historyId = this.history.begin({ kind: 'verify', trigger, repository: null, file: resolved });
    const io = this.sourceIo(signal);
    try {
      const { manifest } = await verifyArchive(resolved, { dataDir: this.deps.dataDir, signal, io });
      this.history.setRepository(historyId, manifest.repository.name);
      const sizeBytes = (await io.stat(resolved).catch(() => null))?.size ?? null;
      this.history.finish(historyId, { status: 'ok', sizeBytes });
      return { file: resolved, verified: true, manifest, error: null, durationMs: this.since(started) };
    } catch (error) {
      this.history.finish(historyId, {
        status: signal?.aborted ? 'cancelled' : 'failed',
        error: failureText(error),
      });
      const manifest =
        isAppFailure(error) && error.code === 'NOT_RESPONDING'
          ? null
          : await openArchive(resolved, io)
              .then((a) => (a.close(), a.manifest))
              .catch(() => null);
      return {
        file: resolved,
        verified: false,
        manifest,
        error: toJobError(error),
        durationMs: this.since(started),
      };
    } finally {
      io.close();
    }
  }

  private since(start: number): number {
    return Math.max(0, Math.round(this.deps.clock.now() - start));
  }

  /**
   * Cancels running jobs and waits until each has ended; what a target that does not answer keeps
   * (a partial) is removed at the next start. Bounded by `boundMs` for the cleanups.
   */
  async stop(boundMs = 3_000): Promise<void> {
    this.janitor.stopping(boundMs);
    await this.jobs.cancelAll();
    await this.janitor.stop(boundMs);
    this.agents.dispose();
  }
}
