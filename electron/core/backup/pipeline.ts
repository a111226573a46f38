import path from 'node:path';
import type { JobPhase, ManifestV1, Trigger } from '../../shared/contract/archives';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { ClientsPolicy, Compression } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import { toLocalIso, type Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import type { RepositoryStore } from '../storage/repository-store';
import { openArchive } from './archive-reader';
import { PARTIAL_SUFFIX } from './archive-writer';
import { exportRepository } from './export-repository';
import type { AgentLauncher } from './fs-agent';
import type { BackupHistory } from './history';
import type { JobContext } from './jobs';
import type { Janitor } from './recovery';
import {
  checkFileDestination,
  checkTarget,
  estimateArchiveBytes,
  freeArchiveName,
  probeFile,
} from './preflight';
import { applyRetention, type ArchiveInspector } from './retention';
import { TargetFs } from './target-fs';
import { verifyArchive } from './verify-archive';
import type { z } from 'zod';

// How a repository is backed up (ARCHITECTURE §2, §5, §7): the one pipeline every trigger runs —
// export, Back Up Now, the schedule, the CLI, the pre-restore safety backup:
//
//   target check → clients policy + snapshot → archive → verify  ⇒ committed  → retention → …
//
// Up to "verify" a failure or a cancel undoes the backup: nothing with a final name is left (what a
// folder that stopped answering cannot remove now is removed once it answers: recovery.ts). Once the
// archive is verified it is committed: recorded as a good backup, and the steps after it (retention, an
// offsite copy later) can fail or be cancelled without undoing it — a cancelled retention must never end
// with fewer good backups than before. Steps are a list, so a later step slots in after "verify".

type Phase = z.infer<typeof JobPhase>;

export type Destination = { kind: 'folder'; folder: string } | { kind: 'file'; file: string };

export interface BackupRequest {
  repository: string;
  destination: Destination;
  /** How the history shows it: an export (the Export dialog, the CLI's export) or a backup. */
  kind: 'export' | 'backup';
  trigger: Trigger;
  includeHistory: boolean;
  compression: Compression;
  clientsPolicy: ClientsPolicy;
  graceMinutes: number;
  /** Retention after a verified archive: keep the newest N in the destination folder; null for none. */
  keepLast: number | null;
}

export interface BackupResult {
  file: string;
  sizeBytes: number;
  manifest: ManifestV1;
  /** Old archives retention removed. */
  deleted: string[];
  /** What a step after the commit could not do (the backup itself is good); null when all went well. */
  warning: string | null;
}

/** What a step sees: the verified archive, the job, and the target's file agent. */
export interface StepContext {
  request: BackupRequest;
  /** The canonical repository name and id. */
  repository: { name: string; id: string };
  archive: { file: string; sizeBytes: number; manifest: ManifestV1 };
  io: TargetFs;
  job: Pick<JobContext, 'signal' | 'progress'>;
  /** Retention records what it deleted here. */
  deleted: string[];
  /** The job's history row (an offsite copy names the backup it copies). */
  historyId?: number;
}

/** A step after the archive is verified; its failure is a warning, never an undone backup. */
export interface PipelineStep {
  name: string;
  phase: Phase;
  /** Whether this request wants the step at all. */
  applies(request: BackupRequest): boolean;
  run(context: StepContext): Promise<void>;
}

export interface PipelineDeps {
  dataDir: string;
  store: RepositoryStore;
  clock: Clock;
  appInfo: AppInfo;
  clients: () => ClientsControl | null;
  history: BackupHistory;
  janitor: Janitor;
  launcher: AgentLauncher;
  /** The deadline without progress for calls on the target (settings, read at each job's start). */
  timeoutMs: () => number;
  /** Verification results kept per file version: retention looks at the same archives every run. */
  verifiedCache?: Map<string, boolean>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Retention's view of the archives in a folder, read through the job's agent, with verifications cached. */
export function archiveInspector(
  dataDir: string,
  io: TargetFs,
  cache: Map<string, boolean>,
  /**
   * What this server's history says it verified in the folder (the cache is gone after a restart); read
   * on the first archive the cache does not know, so a run whose archives are all cached never reads it.
   */
  verifiedBefore: () => ReadonlyMap<string, { sizeBytes: number; atMs: number }> = () => new Map(),
): ArchiveInspector {
  let recordedVerifications: ReadonlyMap<string, { sizeBytes: number; atMs: number }> | null = null;
  return {
    async readManifest(file): Promise<ManifestV1 | null> {
      try {
        const archive = await openArchive(file, io);
        archive.close();
        return archive.manifest;
      } catch (error) {
        if (isAppFailure(error) && (error.code === 'NOT_RESPONDING' || error.code === 'CANCELLED'))
          throw error;
        return null;
      }
    },
    async verify(file) {
      const stat = await io.stat(file);
      if (!stat) return false;
      const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
      const known = cache.get(key);
      if (known !== undefined) return known;
      // Checked in full by this server, and not written since: the same bytes, unless someone changed
      // them and set the time back. Without this, the first run after a restart verified every kept
      // archive again (hours for 500 repositories × 30 archives).
      recordedVerifications ??= verifiedBefore();
      const recorded = recordedVerifications.get(file);
      if (recorded && recorded.sizeBytes === stat.size && stat.mtimeMs <= recorded.atMs) {
        cache.set(key, true);
        return true;
      }
      const ok = await verifyArchive(file, { dataDir, io }).then(
        () => true,
        (error: unknown) => {
          if (isAppFailure(error) && (error.code === 'NOT_RESPONDING' || error.code === 'CANCELLED'))
            throw error;
          return false;
        },
      );
      cache.set(key, ok);
      return ok;
    },
  };
}

export const retentionStep = (
  deps: Pick<PipelineDeps, 'dataDir' | 'history'>,
  cache: Map<string, boolean>,
): PipelineStep => ({
  name: 'retention',
  phase: 'retention',
  applies: (request) => request.keepLast !== null,
  async run(context) {
    const folder = path.dirname(context.archive.file);
    const result = await applyRetention({
      io: context.io,
      folder,
      repository: context.repository,
      keepLast: context.request.keepLast!,
      inspector: archiveInspector(deps.dataDir, context.io, cache, () =>
        deps.history.verifiedArchives(folder),
      ),
    });
    context.deleted.push(...result.deleted);
  },
});

export class BackupPipeline {
  private readonly steps: PipelineStep[];
  private readonly cache: Map<string, boolean>;

  constructor(private readonly deps: PipelineDeps) {
    this.cache = deps.verifiedCache ?? new Map();
    this.steps = [retentionStep(deps, this.cache)];
  }

  /** Adds a step after a named one (or at the end): e.g. an offsite copy after "retention". */
  addStep(step: PipelineStep, options: { after?: string } = {}): void {
    const at = options.after ? this.steps.findIndex((s) => s.name === options.after) : -1;
    if (at < 0) this.steps.push(step);
    else this.steps.splice(at + 1, 0, step);
  }

  /** Runs the whole pipeline for one repository inside `job`, with its history row; throws an AppFailure. */
  async run(
    request: BackupRequest,
    job: Pick<JobContext, 'jobId' | 'signal' | 'progress'>,
  ): Promise<BackupResult> {
    const { history, store, clock } = this.deps;
    const destinationFile =
      request.destination.kind === 'file' ? path.resolve(request.destination.file) : null;
    const historyId = history.begin({
      kind: request.kind,
      trigger: request.trigger,
      repository: request.repository,
      file: destinationFile,
      jobId: job.jobId,
    });
    let lastMoved = 0;
    const progress: typeof job.progress = (update) => {
      job.progress(update);
      if (update.phase !== undefined) history.progress(historyId, update.phase);
      else if (clock.now() - lastMoved > 2_000) {
        // What a start shows as "Took" if this process is killed: the time until it last moved.
        lastMoved = clock.now();
        history.progress(historyId);
      }
    };
    const io = new TargetFs({
      launcher: this.deps.launcher,
      timeoutMs: this.deps.timeoutMs(),
      signal: job.signal,
      onAbandonedExit: () => this.deps.janitor.soon(),
    });
    let file: string | null = null;
    let probe: string | null = null;
    let published = false;
    let committed = false;
    try {
      const name = store.resolve(request.repository);
      if (!name) {
        throw new AppFailure(
          'NOT_FOUND',
          request.kind === 'backup'
            ? `The repository "${request.repository}" no longer exists; remove it from the backup settings.`
            : `There is no repository named "${request.repository}".`,
        );
      }
      const repository = store.open(name);
      const startedAt = clock.now();
      progress({ phase: 'preparing' });
      const folder =
        request.destination.kind === 'folder'
          ? path.resolve(request.destination.folder)
          : path.dirname(destinationFile!);
      probe = probeFile(folder);
      await checkTarget(io, folder, estimateArchiveBytes(store, name), probe);
      if (destinationFile) await checkFileDestination(io, destinationFile);
      file = destinationFile ?? (await freeArchiveName(io, folder, name, startedAt));
      history.setFile(historyId, file);
      history.setArchive(historyId, { repositoryId: repository.id, startedAt: toLocalIso(startedAt) });
      progress({ file });

      const exported = await exportRepository(
        {
          dataDir: this.deps.dataDir,
          clock,
          appInfo: this.deps.appInfo,
          serverId: store.serverId(),
          clients: this.deps.clients(),
        },
        {
          repository,
          name,
          databaseFile: store.pathOf(name),
          file,
          startedAt,
          includeHistory: request.includeHistory,
          trigger: request.trigger,
          compression: request.compression,
          clientsPolicy: request.clientsPolicy,
          graceMinutes: request.graceMinutes,
        },
        io,
        {
          signal: job.signal,
          progress,
          onPublishing: () => {
            published = true;
            history.progress(historyId, 'publishing');
          },
        },
      );

      progress({ phase: 'verifying' });
      try {
        await verifyArchive(exported.file, {
          dataDir: this.deps.dataDir,
          io,
          signal: job.signal,
          onBytes: (done, total) => progress({ bytesDone: done, bytesTotal: total }),
        });
      } catch (error) {
        if (isAppFailure(error) && (error.code === 'CANCELLED' || error.code === 'NOT_RESPONDING'))
          throw error;
        // An archive that does not verify must not sit in the target looking like a backup.
        throw new AppFailure(
          'INVALID_ARCHIVE',
          `The archive written for "${name}" failed verification and was removed: ${message(error)}`,
        );
      }
      committed = true;
      history.finish(historyId, { status: 'ok', sizeBytes: exported.sizeBytes, file: exported.file });

      const context: StepContext = {
        request,
        repository: { name, id: repository.id },
        archive: exported,
        io,
        job: { signal: job.signal, progress },
        deleted: [],
        historyId,
      };
      const warnings: string[] = [];
      for (const step of this.steps) {
        if (!step.applies(request) || job.signal.aborted) continue;
        job.progress({ phase: step.phase });
        try {
          await step.run(context);
        } catch (error) {
          if (job.signal.aborted) break;
          warnings.push(`${step.name}: ${message(error)}`);
        }
      }
      const warning = warnings.length
        ? `The backup is verified, but ${warnings.join('; ')}`
        : job.signal.aborted
          ? 'The backup is verified; the steps after it were cancelled.'
          : null;
      if (warning)
        history.finish(historyId, {
          status: 'ok',
          sizeBytes: exported.sizeBytes,
          file: exported.file,
          error: warning,
        });
      return { ...exported, deleted: context.deleted, warning };
    } catch (error) {
      const failure = job.signal.aborted
        ? new AppFailure('CANCELLED', 'Cancelled; no file was left behind.')
        : isAppFailure(error)
          ? error
          : new AppFailure('INTERNAL', message(error));
      if (!committed) {
        // A target check that did not answer may leave its test write behind; an archive, its files.
        const left = file
          ? [file + PARTIAL_SUFFIX, ...(published ? [file] : [])]
          : probe && io.stuckPid !== undefined
            ? [probe]
            : [];
        if (left.length) await this.undo(historyId, io, left);
        history.finish(historyId, {
          status: failure.code === 'CANCELLED' ? 'cancelled' : 'failed',
          error: failure.message,
        });
      }
      throw failure;
    } finally {
      io.close();
    }
  }

  /**
   * Removes what an undone backup wrote: its partial, and its final-named file once a rename to it was
   * issued (or the test write of a target check that did not answer). Noted in the history first, so a kill now still leaves the note; what the target cannot
   * remove now (it does not answer) is removed once it does.
   */
  private async undo(historyId: number, io: TargetFs, files: string[]): Promise<void> {
    this.deps.history.addCleanup(historyId, files, io.stuckPid ?? null);
    // A call stuck in the agent may still land (a late rename): the janitor runs once that agent is gone.
    if (io.stuckPid !== undefined) return;
    await this.deps.janitor.clean(historyId);
  }
}
