import path from 'node:path';
import type { ManifestV1, Trigger } from '../../shared/contract/archives';
import type { Catalog } from '../../shared/contract/catalog';
import { newestPerRepository } from '../../shared/catalog-choice';
import { CONFIG_ARCHIVE_NAME, type RecoveryReport } from '../../shared/contract/recovery';
import { AppFailure, isAppFailure } from '../../shared/result';
import { toLocalIso } from '../clock';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { openArchive } from './archive-reader';
import { NOT_A_REPOSITORY_BACKUP } from './manifest';
import { readConfigArchive, type ConfigArchive } from './config-archive';
import { importArchive } from './import-archive';
import type { JobContext } from './jobs';
import type { TargetFs } from './target-fs';

// Whole-server recovery (ARCHITECTURE §6): a fresh data directory gets back, in one step, the
// configuration and the newest verified archive of every repository from a backup folder (not after
// `at`). Every archive is untrusted: each goes through the import path (full verification, then the
// untrusted-snapshot rebuild). A newest archive that does not verify gives way to the next older one,
// and the summary says so. A cancel or a failure of the whole undoes it: the data dir is fresh again.

/** One archive in the folder, as its manifest says (the backup catalog's choice, or a scan). */
export type RecoveryCandidate =
  | {
      kind: 'repository';
      file: string;
      startedAt: number;
      finishedAt: number;
      trigger: Trigger;
      repository: { name: string; id: string };
      /** The server that made it (manifest); null for archives from before servers were named. */
      serverId: string | null;
      host: string;
      itemCount: number;
      revisionCount: number;
      sizeBytes: number;
    }
  | { kind: 'configuration'; file: string; startedAt: number; archive: ConfigArchive; sizeBytes: number };

export interface RecoverySource {
  /**
   * The archives of ours in the folder that may be restored (those not after `at` at least), and the
   * .zip files that are not, with why; nothing is ever changed.
   */
  list(
    folder: string,
    at: number | undefined,
  ): Promise<{ candidates: RecoveryCandidate[]; skipped: Array<{ file: string; reason: string }> }>;
}

const fromManifest = (file: string, manifest: ManifestV1, sizeBytes: number): RecoveryCandidate => ({
  kind: 'repository',
  file,
  startedAt: Date.parse(manifest.startedAt),
  finishedAt: Date.parse(manifest.finishedAt),
  trigger: manifest.trigger,
  repository: manifest.repository,
  serverId: manifest.server?.id ?? null,
  host: manifest.producer.host,
  itemCount: manifest.itemCount,
  revisionCount: manifest.revisionCount,
  sizeBytes,
});

/**
 * The backup catalog's choice (shared/catalog-choice.ts): per repository the archives not after `at`
 * whose check did not fail (a folder from another machine is unchecked here), newest first; the
 * configuration archives, which the catalog lists as files of another kind, are read here.
 */
export function catalogRecoverySource(
  openCatalog: (folder: string) => Promise<Catalog>,
  io: TargetFs,
): RecoverySource {
  return {
    async list(folder, at) {
      const catalog = await openCatalog(folder);
      const candidates: RecoveryCandidate[] = [];
      const skipped: Array<{ file: string; reason: string }> = [];
      for (const choice of newestPerRepository(catalog, { notAfter: at, accept: 'not-failed' })) {
        for (const a of choice.candidates)
          candidates.push({
            kind: 'repository',
            file: a.file,
            startedAt: Date.parse(a.createdAt),
            finishedAt: Date.parse(a.finishedAt),
            trigger: a.trigger,
            repository: { name: a.repository, id: a.repositoryId },
            serverId: a.serverId,
            host: a.producer.host,
            itemCount: a.itemCount,
            revisionCount: a.revisionCount,
            sizeBytes: a.sizeBytes,
          });
        for (const a of choice.timeline.archives)
          if (a.verification.state === 'failed')
            skipped.push({ file: a.file, reason: a.verification.error ?? 'it failed its check' });
      }
      for (const other of catalog.others) {
        if (other.kind === 'unfinished') continue;
        if (other.name.startsWith(`${CONFIG_ARCHIVE_NAME}_`)) {
          const found = await readCandidate(io, other.file);
          if (!('reason' in found)) {
            candidates.push(found);
            continue;
          }
        }
        skipped.push({ file: other.file, reason: other.reason });
      }
      return { candidates, skipped };
    },
  };
}

/** Reads every .zip's manifest through the file agent (never a whole repository archive). */
export function folderScanSource(io: TargetFs): RecoverySource {
  return {
    async list(folder) {
      const entries = await io.readdir(folder).catch((error: unknown) => {
        if (isAppFailure(error)) throw error;
        throw new AppFailure(
          'NOT_FOUND',
          `The backup folder ${folder} cannot be read: ${(error as Error).message}`,
        );
      });
      const candidates: RecoveryCandidate[] = [];
      const skipped: Array<{ file: string; reason: string }> = [];
      for (const entry of entries) {
        if (entry.type !== 'file' || !entry.name.toLowerCase().endsWith('.zip')) continue;
        const file = path.join(folder, entry.name);
        const found = await readCandidate(io, file);
        if ('reason' in found) skipped.push({ file, reason: found.reason });
        else candidates.push(found);
      }
      return { candidates, skipped };
    },
  };
}

async function readCandidate(io: TargetFs, file: string): Promise<RecoveryCandidate | { reason: string }> {
  const fatal = (error: unknown) =>
    isAppFailure(error) && (error.code === 'NOT_RESPONDING' || error.code === 'CANCELLED');
  try {
    const archive = await openArchive(file, io);
    archive.close();
    return fromManifest(file, archive.manifest, archive.sizeBytes);
  } catch (error) {
    if (fatal(error)) throw error;
    // Not a repository's archive; maybe the configuration's (its own reader says), else why not.
    if (!(isAppFailure(error) && error.message.includes(NOT_A_REPOSITORY_BACKUP)))
      return { reason: (error instanceof Error ? error.message : String(error)).replace(`${file}: `, '') };
  }
  try {
    const archive = await readConfigArchive(io, file);
    return {
      kind: 'configuration',
      file,
      startedAt: Date.parse(archive.manifest.startedAt),
      archive,
      sizeBytes: 0,
    };
  } catch (error) {
    if (fatal(error)) throw error;
    return { reason: (error instanceof Error ? error.message : String(error)).replace(`${file}: `, '') };
  }
}

export interface RecoveryDeps {
  dataDir: string;
  store: RepositoryStore;
  settings: SettingsService;
  io: TargetFs;
  source?: RecoverySource;
  /**
   * Told, once the whole recovery succeeded, of each archive a repository was restored from: a backup
   * of this server (it takes the old one's id), verified in full just now, which its history records.
   */
  onRestoredFrom?: (restored: { repository: string; archive: RepositoryCandidate }) => void;
}

export type RepositoryCandidate = Extract<RecoveryCandidate, { kind: 'repository' }>;

export interface RecoveryRequest {
  from: string;
  /** Only archives that started at or before this instant (ms); none: the newest. */
  at?: number;
  /** Whose backups, when the folder holds several servers' (a shared folder); none: the only one. */
  server?: string;
}

const serverOf = (c: RecoveryCandidate): string | null =>
  c.kind === 'configuration' ? c.archive.manifest.server.id : c.serverId;
const hostOf = (c: RecoveryCandidate): string =>
  c.kind === 'configuration' ? c.archive.manifest.producer.host : c.host;

/**
 * Which server's backups to recover. A folder several servers back up into holds several
 * configurations: taking the newest would silently make this one whichever server ran last, so the
 * person chooses. Archives from before servers were named belong to any (their repository ids decide).
 */
function chooseServer(candidates: RecoveryCandidate[], wanted: string | undefined, folder: string) {
  const servers = new Map<string, { host: string; newest: number }>();
  for (const c of candidates) {
    const id = serverOf(c);
    if (id === null) continue;
    const known = servers.get(id);
    if (!known || c.startedAt > known.newest) servers.set(id, { host: hostOf(c), newest: c.startedAt });
  }
  const listed = () =>
    [...servers]
      .sort((a, b) => b[1].newest - a[1].newest)
      .map(([id, s]) => `${id} (on "${s.host}", newest backup ${toLocalIso(s.newest).replace(/\.\d+/, '')})`)
      .join('; ');
  if (wanted !== undefined) {
    if (!servers.has(wanted))
      throw new AppFailure(
        'NOT_FOUND',
        `${folder} holds no backup of server ${wanted}` +
          (servers.size ? `; it holds those of: ${listed()}.` : '.'),
        { server: 'No backup of this server in the folder.' },
      );
    return wanted;
  }
  // A missing argument (exit 2 in the CLI), beside the Server field in the dialog.
  if (servers.size > 1)
    throw new AppFailure(
      'INVALID_ARGUMENT',
      `${folder} holds the backups of ${servers.size} servers: ${listed()}. Choose whose to recover ` +
        '(the Server field, or recover --server ID).',
      { server: 'Choose one of the servers the folder holds backups of.' },
    );
  return servers.keys().next().value ?? null;
}

/** A data dir is fresh when it holds no repository: nothing a recovery could overwrite or mix with. */
export function refuseUnlessFresh(store: RepositoryStore): void {
  const existing = store.list();
  if (existing.length > 0) {
    const names = existing
      .slice(0, 3)
      .map((r) => `"${r.name}"`)
      .join(', ');
    throw new AppFailure(
      'CONFLICT',
      `This data directory is not fresh: it holds ${existing.length} ${existing.length === 1 ? 'repository' : 'repositories'} ` +
        `(${names}${existing.length > 3 ? ', …' : ''}). Recover into a new, empty data directory ` +
        '(--data-dir), or restore single archives with Import.',
    );
  }
}

const cancelledFailure = () =>
  new AppFailure('CANCELLED', 'Cancelled; nothing was recovered (the data directory is empty again).');

export async function recoverServer(
  deps: RecoveryDeps,
  request: RecoveryRequest,
  job: Pick<JobContext, 'signal' | 'progress'>,
): Promise<RecoveryReport> {
  const { store } = deps;
  refuseUnlessFresh(store);
  const folder = path.resolve(request.from);
  const at = request.at ?? Number.POSITIVE_INFINITY;
  job.progress({ phase: 'preparing', file: folder });
  const { candidates, skipped } = await (deps.source ?? folderScanSource(deps.io)).list(folder, request.at);
  const server = chooseServer(candidates, request.server, folder);
  const usable = candidates
    .filter((c) => Number.isFinite(c.startedAt) && c.startedAt <= at)
    .filter((c) => server === null || (serverOf(c) ?? server) === server)
    .sort((a, b) => b.startedAt - a.startedAt || b.file.localeCompare(a.file));
  const configuration = usable.find((c) => c.kind === 'configuration') as
    Extract<RecoveryCandidate, { kind: 'configuration' }> | undefined;
  const archives = usable.filter((c) => c.kind === 'repository') as RepositoryCandidate[];
  if (!configuration && archives.length === 0) {
    throw new AppFailure(
      'NOT_FOUND',
      candidates.length === 0
        ? `${folder} holds no Repository Server backups${skipped.length ? ` (${skipped.length} other .zip files were left alone)` : ''}.`
        : `${folder} holds no backup from ${toLocalIso(at)} or earlier; the oldest is from ${toLocalIso(Math.min(...candidates.map((c) => c.startedAt)))}.`,
    );
  }

  // Which repositories: the configuration's list when there is one (as the server was at that time),
  // else every repository the folder has archives of.
  const wanted: Array<{ name: string; id: string }> = configuration
    ? configuration.archive.configuration.repositories
    : [...new Map(archives.map((a) => [a.repository.id, a.repository] as const)).values()];

  const report: RecoveryReport = {
    from: folder,
    at: request.at === undefined ? null : toLocalIso(request.at),
    configuration: configuration
      ? {
          file: configuration.file,
          startedAt: configuration.archive.manifest.startedAt,
          leftOut: configuration.archive.manifest.leftOut,
        }
      : null,
    restored: [],
    notRestored: [],
    skipped,
  };
  const plans = wanted.map((repository) => ({
    repository,
    archives: archives.filter((a) => a.repository.id === repository.id),
  }));
  const totalBytes = plans.reduce((sum, p) => sum + (p.archives[0]?.sizeBytes ?? 0), 0);
  let doneBytes = 0;
  const installed: string[] = [];
  const restoredFrom: Array<{ repository: string; archive: RepositoryCandidate }> = [];
  try {
    for (const plan of plans) {
      const { repository } = plan;
      if (plan.archives.length === 0) {
        report.notRestored.push({
          name: repository.name,
          reason:
            request.at === undefined
              ? 'the folder holds no backup of it'
              : `the folder holds no backup of it from ${report.at} or earlier`,
        });
        continue;
      }
      const refused: string[] = [];
      let restored = false;
      for (const candidate of plan.archives) {
        if (job.signal.aborted) throw cancelledFailure();
        job.progress({ phase: 'verifying', file: candidate.file });
        try {
          const result = await importArchive(
            {
              dataDir: deps.dataDir,
              store,
              io: deps.io,
              safetyBackup: () =>
                Promise.reject(new AppFailure('INTERNAL', 'A fresh data directory needs no safety backup.')),
            },
            { file: candidate.file, targetName: repository.name, onConflict: 'fail', includeHistory: true },
            {
              signal: job.signal,
              progress: (update) =>
                job.progress({
                  ...(update.phase ? { phase: update.phase } : {}),
                  bytesTotal: totalBytes,
                  bytesDone:
                    doneBytes +
                    (update.bytesTotal
                      ? Math.round((candidate.sizeBytes * (update.bytesDone ?? 0)) / update.bytesTotal)
                      : 0),
                }),
            },
          );
          installed.push(result.restoredAs);
          restoredFrom.push({ repository: result.restoredAs, archive: candidate });
          report.restored.push({
            name: result.restoredAs,
            file: candidate.file,
            startedAt: toLocalIso(candidate.startedAt),
            itemCount: candidate.itemCount,
            revisionCount: candidate.revisionCount,
            olderThanNewest: refused.length > 0 ? refused : null,
          });
          restored = true;
          break;
        } catch (error) {
          if (job.signal.aborted || (isAppFailure(error) && error.code === 'CANCELLED'))
            throw cancelledFailure();
          if (isAppFailure(error) && error.code === 'NOT_RESPONDING') throw error;
          refused.push(
            `${path.basename(candidate.file)}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      doneBytes += plan.archives[0]!.sizeBytes;
      if (!restored)
        report.notRestored.push({
          name: repository.name,
          reason: `no archive of it restores: ${refused.join('; ')}`,
        });
    }
    if (job.signal.aborted) throw cancelledFailure();
    job.progress({ phase: 'finishing' });
    if (configuration) applyConfiguration(deps, configuration.archive);
    // Without a configuration archive, the server its archives name: this one carries on its backups.
    else if (server !== null) store.adoptServerId(server);
    for (const r of restoredFrom) deps.onRestoredFrom?.(r);
    return report;
  } catch (error) {
    // In one step: what was installed so far goes, so the data dir is fresh for another try.
    for (const name of installed.reverse()) {
      try {
        store.delete(name);
      } catch {
        // It stays; the next try refuses the non-fresh data dir and names it.
      }
    }
    throw error;
  }
}

/** The recovered configuration, with this server's own secrets (a new client token) and never the old ones. */
function applyConfiguration(deps: RecoveryDeps, archive: ConfigArchive): void {
  const { settings, store } = deps;
  const config = archive.configuration;
  const canonical = (name: string) => store.resolve(name) ?? name;
  settings.update('backup', {
    ...config.backup,
    repositories: config.backup.repositories.map(canonical),
  });
  settings.update('clientServer', {
    ...config.clientServer,
    accessToken: settings.get().clientServer.accessToken,
  });
  settings.update('offsite', config.offsite);
  settings.update('notifyOnSuccess', config.notifyOnSuccess);
  store.adoptServerId(archive.manifest.server.id);
}
