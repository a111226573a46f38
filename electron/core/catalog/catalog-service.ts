import path from 'node:path';
import type { Catalog } from '../../shared/contract/catalog';
import { AppFailure } from '../../shared/result';
import type { BackupService } from '../backup/backup-service';
import type { PipelineStep } from '../backup/pipeline';
import type { TargetFs } from '../backup/target-fs';
import type { Clock } from '../clock';
import type { SettingsService } from '../settings';
import { openCatalog } from './open-catalog';

export interface CatalogServiceDeps {
  backups: BackupService;
  settings: SettingsService;
  clock: Clock;
}

/** The catalog of backup folders (ARCHITECTURE §6): what the contract, the CLI and recovery ask. */
export class CatalogService {
  /**
   * The pipeline step that brings the target folder's index up to date after each verified backup, so
   * what this server verified travels with the folder (a fresh server recovering from it reads it).
   */
  readonly step: PipelineStep;

  constructor(private readonly deps: CatalogServiceDeps) {
    this.step = {
      name: 'catalog index',
      phase: 'finishing',
      // Backups only: an export is a copy for someone else's folder, where we leave nothing of ours.
      applies: (request) =>
        request.kind === 'backup' &&
        request.destination.kind === 'folder' &&
        request.trigger !== 'pre-restore',
      run: async ({ archive, io }) => {
        await this.openWith(io, path.dirname(archive.file));
      },
    };
  }

  /** The folder asked for, or the automatic backup's target folder. */
  folderOrTarget(folder?: string): string {
    const chosen = folder?.trim() || this.deps.settings.get().backup.targetFolder.trim();
    if (!chosen)
      throw new AppFailure(
        'INVALID_ARGUMENT',
        'No folder given and automatic backup has no target folder; choose a folder of backups.',
      );
    return path.resolve(chosen);
  }

  /** Opens a folder as a catalog, through its own file agent (under the no-progress deadline). */
  async open(folder?: string, signal?: AbortSignal): Promise<Catalog> {
    const dir = this.folderOrTarget(folder);
    const io = this.deps.backups.sourceIo(signal);
    try {
      return await this.openWith(io, dir);
    } finally {
      io.close();
    }
  }

  private openWith(io: TargetFs, dir: string): Promise<Catalog> {
    const verified = this.deps.backups.history.verifiedArchives(dir);
    return openCatalog(dir, {
      io,
      clock: this.deps.clock,
      checkedByHistory: (file, sizeBytes) => {
        const known = verified.get(file);
        return known && known.sizeBytes === sizeBytes
          ? { state: 'verified', at: known.at, error: null }
          : null;
      },
    });
  }
}
