import path from 'node:path';
import type { Trigger } from '../../shared/contract/archives';
import { CONFIG_ARCHIVE_NAME, type ServerConfiguration } from '../../shared/contract/recovery';
import { isAppFailure } from '../../shared/result';
import { SETTINGS_VERSION } from '../../shared/settings-schema';
import type { AppInfo } from '../app-info';
import type { Clock } from '../clock';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { readConfigArchive, writeConfigArchive } from './config-archive';
import type { AgentLauncher } from './fs-agent';
import type { BackupHistory } from './history';
import { freeArchiveName } from './preflight';
import { applyRetention, type ArchiveInspector } from './retention';
import { TargetFs } from './target-fs';

// The whole-server part of a backup run (ARCHITECTURE §6): after the repositories, the server's
// configuration is written beside them as its own small archive, read back to check it, handed to
// `afterVerified` (the offsite copy is queued there, as for a repository's archive), recorded in the
// history once (kind backup, no repository; ok, with a warning if `afterVerified` failed), and kept by
// the same retention as the repositories' archives.

/** What the configuration archive holds: the settings a recovered server needs, never a secret. */
export function currentConfiguration(settings: SettingsService, store: RepositoryStore): ServerConfiguration {
  const s = settings.get();
  const { accessToken: _secret, ...clientServer } = s.clientServer;
  return {
    settingsVersion: SETTINGS_VERSION,
    repositories: store.identities(),
    backup: s.backup,
    clientServer,
    offsite: s.offsite,
    notifyOnSuccess: s.notifyOnSuccess,
  };
}

export interface ConfigBackupDeps {
  store: RepositoryStore;
  settings: SettingsService;
  history: BackupHistory;
  clock: Clock;
  appInfo: AppInfo;
  launcher: AgentLauncher;
  timeoutMs: number;
  /**
   * After the archive is read back, before its history row is finished and before local retention
   * (create-server.ts queues its offsite copy here). A failure is a warning on the history row: the
   * backup itself is good.
   */
  afterVerified?: (archive: VerifiedConfiguration) => Promise<void>;
}

/** A configuration archive just written and read back: what a step after the backup sees. */
export interface VerifiedConfiguration {
  /** The job's file agent (the target may be a share that hangs). */
  io: TargetFs;
  file: string;
  sizeBytes: number;
  /** The manifest's startedAt. */
  startedAt: string;
  /** This server's id: the configuration archives' id, as retention matches it. */
  serverId: string;
  historyId: number;
}

/** Retention's view of configuration archives: ours when the manifest names this server. */
function configInspector(io: TargetFs): ArchiveInspector {
  const read = (file: string) =>
    readConfigArchive(io, file).catch((error: unknown) => {
      if (isAppFailure(error) && (error.code === 'NOT_RESPONDING' || error.code === 'CANCELLED')) throw error;
      return null;
    });
  return {
    async readManifest(file) {
      const archive = await read(file);
      return archive
        ? {
            repository: { name: CONFIG_ARCHIVE_NAME, id: archive.manifest.server.id },
            startedAt: archive.manifest.startedAt,
          }
        : null;
    },
    verify: async (file) => (await read(file)) !== null,
  };
}

/** Writes, checks and records one configuration archive in `folder`; throws an AppFailure. */
export async function backupConfiguration(
  deps: ConfigBackupDeps,
  request: { folder: string; trigger: Trigger; keepLast: number; signal?: AbortSignal },
): Promise<{ file: string; sizeBytes: number; deleted: string[]; warning: string | null }> {
  const historyId = deps.history.begin({
    kind: 'backup',
    trigger: request.trigger,
    repository: null,
    file: null,
  });
  const io = new TargetFs({ launcher: deps.launcher, timeoutMs: deps.timeoutMs, signal: request.signal });
  const folder = path.resolve(request.folder);
  try {
    const startedAt = deps.clock.now();
    await io.mkdirp(folder);
    const file = await freeArchiveName(io, folder, CONFIG_ARCHIVE_NAME, startedAt);
    deps.history.setFile(historyId, file);
    const serverId = deps.store.serverId();
    const written = await writeConfigArchive({
      io,
      file,
      serverId,
      configuration: currentConfiguration(deps.settings, deps.store),
      trigger: request.trigger,
      startedAt,
      clock: deps.clock,
      appInfo: deps.appInfo,
    });
    await readConfigArchive(io, file);
    // The hook's outcome is known before the row is finished, so the row is written once.
    let warning: string | null = null;
    try {
      await deps.afterVerified?.({
        io,
        file,
        sizeBytes: written.sizeBytes,
        startedAt: written.manifest.startedAt,
        serverId,
        historyId,
      });
    } catch (error) {
      warning = `The configuration backup is verified, but its offsite copy was not queued: ${error instanceof Error ? error.message : String(error)}`;
    }
    deps.history.finish(historyId, { status: 'ok', sizeBytes: written.sizeBytes, file, error: warning });
    const { deleted } = await applyRetention({
      io,
      folder,
      repository: { name: CONFIG_ARCHIVE_NAME, id: serverId },
      keepLast: request.keepLast,
      inspector: configInspector(io),
    }).catch(() => ({ deleted: [] as string[] }));
    return { file, sizeBytes: written.sizeBytes, deleted, warning };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.history.finish(historyId, {
      status: request.signal?.aborted ? 'cancelled' : 'failed',
      error: `The server configuration was not backed up: ${message}`,
    });
    throw error;
  } finally {
    io.close();
  }
}
