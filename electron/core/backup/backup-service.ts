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
import { isAppFailure } from '../../shared/result';
import type { ClientsPolicy, Compression } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import type { Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import type { EventBus } from '../event-bus';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { openArchive } from './archive-reader';
import { exportRepository, type Destination, type ExportResult } from './export-repository';
import { BackupHistory } from './history';
import { importArchive, type ImportRequest } from './import-archive';
import { JobRegistry, type JobContext } from './jobs';
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
}

export interface ExportOptions {
  repository: string;
  destination: Destination;
  includeHistory?: boolean;
  trigger?: Trigger;
  /** export (default) or backup, as recorded in the history. */
  kind?: Extract<JobKind, 'export' | 'backup'>;
  clientsPolicy?: ClientsPolicy;
  /** Defaults to settings.backup.compression. */
  compression?: Compression;
}

const failureText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const toJobError = (e: unknown) =>
  isAppFailure(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: failureText(e) };

/** Export, verify, import and their history and jobs: what the contract handlers and the scheduler use. */
export class BackupService {
  readonly history: BackupHistory;
  readonly jobs: JobRegistry;
  readonly safetyBackupsDir: string;
  private clients: ClientsControl | null;

  constructor(private readonly deps: BackupServiceDeps) {
    this.history = new BackupHistory(deps.serverDb, deps.clock);
    this.jobs = new JobRegistry(deps.events, deps.clock);
    this.safetyBackupsDir = path.join(deps.dataDir, 'safety-backups');
    this.clients = deps.clients ?? null;
    // What a killed or crashed process left behind: its partial archives and its temp folders.
    this.history.recoverInterrupted();
    removeStaleTempFolders(deps.dataDir);
  }

  /** The client server arrives after the service in some hosts. */
  setClientsControl(clients: ClientsControl | null): void {
    this.clients = clients;
  }

  /**
   * Exports one repository and records it in the history. Awaitable: the scheduler calls it with kind
   * "backup" and its trigger; `job` gives cancel and progress (see `startExportJob` for a tracked job).
   */
  async exportRepository(
    options: ExportOptions,
    job: Pick<JobContext, 'signal' | 'progress'> = {
      signal: new AbortController().signal,
      progress: () => {},
    },
  ): Promise<ExportResult> {
    const historyId = this.history.begin({
      kind: options.kind ?? 'export',
      trigger: options.trigger ?? 'manual',
      repository: options.repository,
      file: options.destination.kind === 'file' ? path.resolve(options.destination.file) : null,
    });
    try {
      const result = await exportRepository(
        { ...this.deps, clients: this.clients },
        {
          repository: options.repository,
          destination: options.destination,
          includeHistory: options.includeHistory ?? true,
          trigger: options.trigger ?? 'manual',
          compression: options.compression ?? this.deps.settings.get().backup.compression,
          clientsPolicy: options.clientsPolicy ?? 'keep-connected',
        },
        {
          signal: job.signal,
          progress: (update) => {
            // Recorded as soon as it is known, so a killed process's partial can be found and removed.
            if (update.file) this.history.setFile(historyId, update.file);
            job.progress(update);
          },
        },
      );
      this.history.finish(historyId, { status: 'ok', sizeBytes: result.sizeBytes, file: result.file });
      return result;
    } catch (error) {
      const cancelled = isAppFailure(error) && error.code === 'CANCELLED';
      this.history.finish(historyId, {
        status: cancelled ? 'cancelled' : 'failed',
        error: failureText(error),
      });
      throw error;
    }
  }

  /** Starts a tracked export job (progress events, cancel); `done` resolves with its result, never rejects. */
  startExportJob(options: ExportOptions): { jobId: string; done: Promise<JobResult> } {
    return this.jobs.start(
      { kind: options.kind ?? 'export', repository: options.repository, file: null },
      async (job) => {
        const result = await this.exportRepository(options, job);
        return { file: result.file, sizeBytes: result.sizeBytes };
      },
    );
  }

  startImportJob(
    request: ImportRequest,
    trigger: Trigger = 'manual',
  ): { jobId: string; done: Promise<JobResult> } {
    const file = path.resolve(request.file);
    return this.jobs.start({ kind: 'import', repository: request.targetName ?? null, file }, (job) => {
      // One import at a time: two restores must not pick the same free name or swap the same file.
      const turn = this.importQueue.then(() => this.runImport(request, file, trigger, job));
      this.importQueue = turn.catch(() => {});
      return turn;
    });
  }

  private importQueue: Promise<unknown> = Promise.resolve();

  private async runImport(request: ImportRequest, file: string, trigger: Trigger, job: JobContext) {
    const historyId = this.history.begin({
      kind: 'import',
      trigger,
      repository: request.targetName ?? null,
      file,
    });
    try {
      const result = await importArchive(
        {
          dataDir: this.deps.dataDir,
          store: this.deps.store,
          clients: this.clients,
          safetyBackup: async (repository, inner) => {
            const safety = await this.exportRepository(
              {
                repository,
                destination: { kind: 'folder', folder: this.ensureSafetyFolder() },
                trigger: 'pre-restore',
                kind: 'backup',
                includeHistory: true,
              },
              {
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
      this.history.finish(historyId, { status: 'ok' });
      this.deps.serverDb
        .prepare('UPDATE backup_history SET repository = ? WHERE id = ?')
        .run(result.restoredAs, historyId);
      return { file, restoredAs: result.restoredAs };
    } catch (error) {
      const cancelled = isAppFailure(error) && error.code === 'CANCELLED';
      this.history.finish(historyId, {
        status: cancelled ? 'cancelled' : 'failed',
        error: failureText(error),
      });
      throw error;
    }
  }

  private ensureSafetyFolder(): string {
    // Created on first use only, so a data dir that never restored has no empty folder.
    fs.mkdirSync(this.safetyBackupsDir, { recursive: true });
    return this.safetyBackupsDir;
  }

  /** The manifest only: the central directory and manifest.json, never the whole file. */
  async readManifest(file: string): Promise<ManifestV1> {
    const archive = await openArchive(path.resolve(file));
    archive.close();
    return archive.manifest;
  }

  async preview(file: string): Promise<ArchivePreview> {
    const resolved = path.resolve(file);
    const sizeBytes = await statSize(resolved);
    try {
      const manifest = await this.readManifest(resolved);
      return {
        file: resolved,
        sizeBytes,
        manifest,
        exists: this.deps.store.resolve(manifest.repository.name) !== null,
        error: null,
      };
    } catch (error) {
      return { file: resolved, sizeBytes, manifest: null, exists: false, error: toJobError(error) };
    }
  }

  /** Full verification, recorded in the history; never throws for a bad archive (it says why). */
  async verify(file: string, trigger: Trigger = 'manual', signal?: AbortSignal): Promise<VerifyResult> {
    const resolved = path.resolve(file);
    const started = this.deps.clock.now();
    const historyId = this.history.begin({ kind: 'verify', trigger, repository: null, file: resolved });
    try {
      const { manifest } = await verifyArchive(resolved, { dataDir: this.deps.dataDir, signal });
      this.deps.serverDb
        .prepare('UPDATE backup_history SET repository = ? WHERE id = ?')
        .run(manifest.repository.name, historyId);
      this.history.finish(historyId, { status: 'ok', sizeBytes: await statSize(resolved) });
      return { file: resolved, verified: true, manifest, error: null, durationMs: this.since(started) };
    } catch (error) {
      this.history.finish(historyId, { status: 'failed', error: failureText(error) });
      const manifest = await this.readManifest(resolved).catch(() => null);
      return {
        file: resolved,
        verified: false,
        manifest,
        error: toJobError(error),
        durationMs: this.since(started),
      };
    }
  }

  private since(start: number): number {
    return Math.max(0, Math.round(this.deps.clock.now() - start));
  }

  /** Cancels running jobs and waits until each has removed its partial file and temp folder. */
  stop(): Promise<void> {
    return this.jobs.cancelAll();
  }
}

async function statSize(file: string): Promise<number | null> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return null;
  }
}
