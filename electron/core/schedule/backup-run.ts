import fs from 'node:fs';
import type { JobProgress, ManifestV1, Trigger } from '../../shared/contract/archives';
import { AppFailure, isAppFailure } from '../../shared/result';
import type { BackupSettings } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import type { Clock } from '../clock';
import type { ClientsControl } from '../clients-control';
import { openArchive } from '../backup/archive-reader';
import { exportRepository } from '../backup/export-repository';
import type { BackupHistory } from '../backup/history';
import type { JobContext, JobRegistry } from '../backup/jobs';
import { verifyArchive } from '../backup/verify-archive';
import type { RepositoryStore } from '../storage/repository-store';
import { withClientsPolicy } from './clients-policy';
import { preflight, realPreflightFs, type PreflightFs } from './preflight';
import { applyRetention, type ArchiveInspector } from './retention';

// One backup run (ARCHITECTURE §7): preflight of the target, then each repository in turn with the
// clients policy: snapshot and archive (the backup engine's export), verify, retention. One repository
// failing does not stop the others; every repository's result goes into the history.

export interface BackupRunDeps {
  dataDir: string;
  store: RepositoryStore;
  clock: Clock;
  appInfo: AppInfo;
  clients: () => ClientsControl | null;
  history: BackupHistory;
  jobs: JobRegistry;
  inspector?: ArchiveInspector;
  preflightFs?: PreflightFs;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export interface RunPlan {
  runId: string;
  trigger: Extract<Trigger, 'schedule' | 'manual' | 'cli'>;
  repositories: string[];
  settings: BackupSettings;
  /** Stops the run before its next repository (the app is quitting). */
  signal?: AbortSignal;
  /** Told when the run moves to the next repository (index counts from 0) and its job id. */
  onRepository?: (update: { repository: string; index: number; total: number; jobId: string | null }) => void;
}

export interface RepositoryOutcome {
  repository: string;
  status: 'ok' | 'failed' | 'cancelled';
  file: string | null;
  sizeBytes: number | null;
  durationMs: number;
  error: string | null;
  /** Old archives retention removed. */
  deleted: string[];
}

export interface RunReport {
  runId: string;
  trigger: RunPlan['trigger'];
  ok: boolean;
  startedAt: number;
  finishedAt: number;
  outcomes: RepositoryOutcome[];
  /** Why the run failed, in one line (the first failure); null when all went well. */
  error: string | null;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A cache of verification results per file version: retention looks at the same archives every run. */
export function engineInspector(dataDir: string): ArchiveInspector {
  const verified = new Map<string, boolean>();
  const key = (file: string) => {
    const s = fs.statSync(file, { throwIfNoEntry: false });
    return s ? `${file}\0${s.size}\0${s.mtimeMs}` : null;
  };
  return {
    async readManifest(file): Promise<ManifestV1 | null> {
      try {
        const archive = await openArchive(file);
        archive.close();
        return archive.manifest;
      } catch {
        return null;
      }
    },
    async verify(file) {
      const k = key(file);
      if (k === null) return false;
      const known = verified.get(k);
      if (known !== undefined) return known;
      const ok = await verifyArchive(file, { dataDir }).then(
        () => true,
        () => false,
      );
      verified.set(k, ok);
      return ok;
    },
  };
}

/** What the repositories' archives may take: their database files, plus a margin for the manifest. */
function estimateBytes(store: RepositoryStore, names: string[]): number {
  let total = 0;
  for (const name of names) {
    const canonical = store.resolve(name);
    if (!canonical) continue;
    const file = store.pathOf(canonical);
    for (const f of [file, `${file}-wal`]) total += fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  }
  return Math.ceil(total * 1.1) + 1024 * 1024;
}

export async function runBackup(deps: BackupRunDeps, plan: RunPlan): Promise<RunReport> {
  const { clock, history, settings } = { ...deps, settings: plan.settings };
  const startedAt = clock.now();
  const folder = settings.targetFolder;
  const outcomes: RepositoryOutcome[] = [];
  const inspector = deps.inspector ?? engineInspector(deps.dataDir);

  try {
    await preflight(
      folder,
      estimateBytes(deps.store, plan.repositories),
      deps.preflightFs ?? realPreflightFs,
    );
  } catch (error) {
    // The target is not usable: every repository of the run failed for that reason, and says so.
    const why = message(error);
    for (const repository of plan.repositories) {
      const id = history.begin({ kind: 'backup', trigger: plan.trigger, repository, file: null });
      history.finish(id, { status: 'failed', error: why });
      outcomes.push({
        repository,
        status: 'failed',
        file: null,
        sizeBytes: null,
        durationMs: 0,
        error: why,
        deleted: [],
      });
    }
    return {
      runId: plan.runId,
      trigger: plan.trigger,
      ok: false,
      startedAt,
      finishedAt: clock.now(),
      outcomes,
      error: why,
    };
  }

  for (const [index, name] of plan.repositories.entries()) {
    if (plan.signal?.aborted) {
      const id = history.begin({ kind: 'backup', trigger: plan.trigger, repository: name, file: null });
      const why = 'Cancelled: the application stopped before this repository was backed up.';
      history.finish(id, { status: 'cancelled', error: why });
      outcomes.push({
        repository: name,
        status: 'cancelled',
        file: null,
        sizeBytes: null,
        durationMs: 0,
        error: why,
        deleted: [],
      });
      continue;
    }
    const began = clock.now();
    const historyId = history.begin({ kind: 'backup', trigger: plan.trigger, repository: name, file: null });
    let file: string | null = null;
    let sizeBytes: number | null = null;
    let deleted: string[] = [];
    const work = async (job: Pick<JobContext, 'signal' | 'progress'>) => {
      const canonical = deps.store.resolve(name);
      if (!canonical) {
        throw new AppFailure(
          'NOT_FOUND',
          `The repository "${name}" no longer exists; remove it from the backup settings.`,
        );
      }
      const repository = deps.store.open(canonical);
      await withClientsPolicy(
        {
          repository: canonical,
          policy: settings.clientsPolicy,
          graceMinutes: settings.graceMinutes,
          clients: deps.clients(),
          clock,
          signal: job.signal,
          onWaiting: () => job.progress({ phase: 'waiting-for-clients' }),
        },
        async () => {
          const exported = await exportRepository(
            {
              dataDir: deps.dataDir,
              store: deps.store,
              clock,
              appInfo: deps.appInfo,
              clients: deps.clients(),
            },
            {
              repository: canonical,
              destination: { kind: 'folder', folder },
              includeHistory: true,
              trigger: plan.trigger,
              compression: settings.compression,
              clientsPolicy: settings.clientsPolicy,
            },
            {
              signal: job.signal,
              progress: (update) => {
                if (update.file) {
                  file = update.file;
                  history.setFile(historyId, update.file);
                }
                job.progress(update);
              },
            },
          );
          file = exported.file;
          sizeBytes = exported.sizeBytes;
          job.progress({ phase: 'verifying' });
          try {
            await verifyArchive(exported.file, {
              dataDir: deps.dataDir,
              signal: job.signal,
              onBytes: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
            });
          } catch (error) {
            // An archive that does not verify must not sit in the target looking like a backup.
            await fs.promises.rm(exported.file, { force: true });
            if (isAppFailure(error) && error.code === 'CANCELLED') throw error;
            throw new AppFailure(
              'INVALID_ARCHIVE',
              `The archive written for "${canonical}" failed verification and was removed: ${message(error)}`,
            );
          }
        },
      );
      // Only after a verified archive: a failed run never prunes anything.
      job.progress({ phase: 'retention' });
      const retention = await applyRetention({
        folder,
        repository: { name: canonical, id: repository.id },
        keepLast: settings.keepLast,
        inspector,
      });
      deleted = retention.deleted;
      return { file, sizeBytes };
    };

    const started = deps.jobs.start({ kind: 'backup', repository: name, file: null }, work);
    plan.onRepository?.({ repository: name, index, total: plan.repositories.length, jobId: started.jobId });
    const result = await started.done;
    const error = result.error ? result.error.message : null;
    const status = result.status === 'done' ? 'ok' : result.status;
    history.finish(historyId, { status, sizeBytes, error, file });
    outcomes.push({
      repository: name,
      status,
      file: status === 'ok' ? file : null,
      sizeBytes: status === 'ok' ? sizeBytes : null,
      durationMs: Math.max(0, clock.now() - began),
      error,
      deleted,
    });
  }
  const failures = outcomes.filter((o) => o.status !== 'ok');
  return {
    runId: plan.runId,
    trigger: plan.trigger,
    ok: failures.length === 0,
    startedAt,
    finishedAt: clock.now(),
    outcomes,
    error: failures.length === 0 ? null : `${failures[0]!.repository}: ${failures[0]!.error}`,
  };
}

export type { JobProgress };
