import path from 'node:path';
import type {
  ArchiveItemPreview,
  ArchiveItems,
  Catalog,
  CatalogSource,
  ItemVersionSearch,
  OffsiteCopyRecord,
} from '../../shared/contract/catalog';
import { isOffsiteFile, MAX_LISTED_ITEMS, MAX_PREVIEW_CHARS } from '../../shared/contract/catalog';
import { repositoryKey } from '../../shared/repository-name';
import { shownText } from '../../shared/shown-text';
import { AppFailure } from '../../shared/result';
import type { BackupService } from '../backup/backup-service';
import type { PipelineStep } from '../backup/pipeline';
import type { TargetFs } from '../backup/target-fs';
import { toLocalIso, type Clock } from '../clock';
import type { CopyRow } from '../offsite/copy-queue';
import type { OffsiteService } from '../offsite/offsite-service';
import { isPlainName } from '../offsite/destination';
import { remoteFs, type RemoteFs } from '../offsite/remote-fs';
import type { SettingsService } from '../settings';
import type { RepositoryStore } from '../storage/repository-store';
import { ArchiveSnapshot } from './archive-snapshot';
import { openCatalog } from './open-catalog';
import { restoreItems, type RestoreItemsRequest, type RestoreItemsResult } from './restore-items';

export interface CatalogServiceDeps {
  backups: BackupService;
  settings: SettingsService;
  clock: Clock;
  dataDir: string;
  store: RepositoryStore;
  /** Told after items were restored (the Control Panel's counts). */
  onRepositoriesChanged?: () => void;
  /** Records an administrator's action in the server's audit. */
  audit?: (action: string, target: string | null, detail?: unknown) => void;
  /** The offsite copy, which a catalog can open too (its remote folder, read through its session). */
  offsite?: Pick<OffsiteService, 'openForReading'>;
}

/** Archives kept open for browsing (each a checked, rebuilt copy in the data dir's temp area). */
const OPEN_SNAPSHOTS = 2;
/** An archive not looked at for this long is closed, its copy removed. */
const SNAPSHOT_IDLE_MS = 5 * 60_000;

interface OpenSnapshot {
  snapshot: Promise<ArchiveSnapshot>;
  usedAt: number;
}

/** The catalog of backup folders (ARCHITECTURE §6): what the contract, the CLI and recovery ask. */
export class CatalogService {
  /**
   * The pipeline step that brings the target folder's index up to date after each verified backup, so
   * what this server verified travels with the folder (a fresh server recovering from it reads it).
   */
  readonly step: PipelineStep;
  private readonly snapshots = new Map<string, OpenSnapshot>();

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

  /** Opens a folder here, or (`source: 'offsite'`) the offsite copy's remote folder, as a catalog. */
  openSource(args: { folder?: string; source?: CatalogSource } = {}, signal?: AbortSignal): Promise<Catalog> {
    return args.source === 'offsite' ? this.openOffsite(signal) : this.open(args.folder, signal);
  }

  /**
   * The offsite copy's remote folder as a catalog: listed and its manifests read through the offsite
   * session (ranged reads of each ZIP's directory and manifest, no whole file), under the offsite
   * deadline; nothing is written there (no index). Each archive says what the offsite queue recorded
   * of it: a copy this server checked, still the same size and time, is verified.
   */
  async openOffsite(signal?: AbortSignal): Promise<Catalog> {
    return this.withOffsite(signal, async (remote, label, copies) => {
      const byName = new Map<string, CopyRow>();
      for (const row of copies)
        if (row.remoteName && !byName.has(row.remoteName)) byName.set(row.remoteName, row);
      const record = (name: string, size: number, mtimeMs: number): OffsiteCopyRecord | null => {
        const row = byName.get(name);
        if (!row) return null;
        return {
          state: row.state,
          copiedAt: row.copiedAt === null ? null : toLocalIso(row.copiedAt),
          checkedBy: row.checkedBy,
          localFile: row.localFile,
          unchanged: row.sizeBytes === size && (row.remoteMtime === null || row.remoteMtime === mtimeMs),
        };
      };
      return openCatalog(remote.root, {
        io: remote.io,
        clock: this.deps.clock,
        serverId: this.deps.store.serverId(),
        writeIndex: false,
        remoteLabel: label,
        offsiteCopyOf: record,
        checkedByHistory: (file, sizeBytes) => {
          const row = byName.get(file.slice(label.length + 1));
          // Its SHA-256 was compared with the verified archive's when it was copied: verified too.
          return row && row.state === 'copied' && row.sizeBytes === sizeBytes && row.copiedAt !== null
            ? { state: 'verified', at: toLocalIso(row.copiedAt), error: null }
            : null;
        },
      });
    });
  }

  /** Runs `work` on an open offsite session, as a read-only folder; the session is closed after. */
  private async withOffsite<T>(
    signal: AbortSignal | undefined,
    work: (remote: RemoteFs, label: string, copies: CopyRow[]) => Promise<T>,
  ): Promise<T> {
    if (!this.deps.offsite)
      throw new AppFailure('NOT_CONFIGURED', 'This server has no offsite copy to read.');
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const opened = await this.deps.offsite.openForReading(controller.signal);
      const remote = remoteFs(opened.session, {
        root: path.join(this.deps.dataDir, 'tmp', 'offsite-folder'),
        timeoutMs: opened.timeoutMs,
        signal: controller.signal,
      });
      try {
        return await work(remote, opened.label, opened.copies);
      } finally {
        remote.close();
        opened.session.close();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private openWith(io: TargetFs, dir: string): Promise<Catalog> {
    const verified = this.deps.backups.history.verifiedArchives(dir);
    return openCatalog(dir, {
      io,
      clock: this.deps.clock,
      serverId: this.deps.store.serverId(),
      checkedByHistory: (file, sizeBytes) => {
        const known = verified.get(file);
        return known && known.sizeBytes === sizeBytes
          ? { state: 'verified', at: known.at, error: null }
          : null;
      },
    });
  }

  /**
   * The archive opened for browsing: checked in full and rebuilt once, then kept for a few minutes
   * while a person browses, previews and restores; opened again when the file changed meanwhile.
   */
  private async snapshot(file: string): Promise<ArchiveSnapshot> {
    const offsite = isOffsiteFile(file);
    const resolved = offsite ? file : path.resolve(file);
    const now = performance.now();
    for (const [key, open] of this.snapshots)
      if (now - open.usedAt > SNAPSHOT_IDLE_MS) this.closeSnapshot(key);
    const cached = this.snapshots.get(resolved);
    if (cached) {
      cached.usedAt = now;
      const snapshot = await cached.snapshot.catch(() => null);
      // An offsite archive is never rewritten in place (copies are published under new names): the
      // checked copy here stands until it is closed, without a connection per look.
      if (snapshot && offsite) return snapshot;
      if (snapshot) {
        const io = this.deps.backups.sourceIo();
        const stat = await io.stat(resolved).finally(() => io.close());
        if (stat && stat.size === snapshot.stamp.size && stat.mtimeMs === snapshot.stamp.mtimeMs)
          return snapshot;
      }
      this.closeSnapshot(resolved);
    }
    const opening = offsite ? this.openOffsiteSnapshot(file) : this.openLocalSnapshot(resolved);
    this.snapshots.set(resolved, { snapshot: opening, usedAt: now });
    // A failed opening is not kept: the next look tries again (the share may answer by then).
    opening.catch(() => this.snapshots.delete(resolved));
    while (this.snapshots.size > OPEN_SNAPSHOTS) {
      const oldest = [...this.snapshots.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt)[0]![0];
      this.closeSnapshot(oldest);
    }
    return opening;
  }

  private openLocalSnapshot(file: string): Promise<ArchiveSnapshot> {
    const io = this.deps.backups.sourceIo();
    return ArchiveSnapshot.open(file, { dataDir: this.deps.dataDir, io, clock: this.deps.clock }).finally(
      () => io.close(),
    );
  }

  /**
   * An archive of the offsite copy, read through its session into the data dir's temp area: the
   * snapshot entry is extracted there and checked against the manifest's size and SHA-256 (and SQLite's
   * integrity) before it is rebuilt as untrusted input — the same path as a local archive's.
   */
  private openOffsiteSnapshot(file: string): Promise<ArchiveSnapshot> {
    return this.withOffsite(undefined, async (remote, label) => {
      const name = file.startsWith(`${label}/`) ? file.slice(label.length + 1) : null;
      if (name === null || !isPlainName(name))
        throw new AppFailure(
          'INVALID_ARGUMENT',
          `${shownText(file)} is not on the offsite copy set up now (${label}); open its catalog again.`,
        );
      return ArchiveSnapshot.open(remote.pathOf(name), {
        dataDir: this.deps.dataDir,
        io: remote.io,
        clock: this.deps.clock,
        shownAs: file,
      });
    });
  }

  private closeSnapshot(key: string): void {
    const open = this.snapshots.get(key);
    this.snapshots.delete(key);
    void open?.snapshot.then((s) => s.close()).catch(() => {});
  }

  async listItems(file: string, options: { prefix?: string; filter?: string } = {}): Promise<ArchiveItems> {
    const snapshot = await this.snapshot(file);
    const all = snapshot.items(options);
    return {
      file: snapshot.file,
      repository: snapshot.manifest.repository.name,
      createdAt: snapshot.manifest.startedAt,
      total: all.length,
      items: all.slice(0, MAX_LISTED_ITEMS),
    };
  }

  async previewItem(file: string, itemPath: string): Promise<ArchiveItemPreview> {
    const snapshot = await this.snapshot(file);
    const item = snapshot.item(itemPath);
    const versions = snapshot.versions(itemPath).map((v) => ({
      path: v.path,
      kind: v.kind,
      version: v.version,
      updatedAt: v.updatedAt,
      updatedBy: v.updatedBy,
      sizeBytes: sizeOf(v.content),
      current: v.current,
      deleted: v.deleted,
    }));
    if (!item)
      throw new AppFailure(
        'NOT_FOUND',
        `"${shownText(itemPath)}" is not in this backup${versions.length ? ' (only older versions of it are)' : ''}.`,
      );
    const text = typeof item.content === 'string' ? item.content : null;
    return {
      path: item.path,
      kind: item.kind,
      version: item.version,
      updatedAt: item.updatedAt,
      updatedBy: item.updatedBy,
      sizeBytes: sizeOf(item.content),
      encoding: item.encoding,
      text: text === null ? null : text.slice(0, MAX_PREVIEW_CHARS),
      textTruncated: text !== null && text.length > MAX_PREVIEW_CHARS,
      versions,
    };
  }

  async itemContent(
    file: string,
    itemPath: string,
  ): Promise<{ path: string; sizeBytes: number; base64: string }> {
    const snapshot = await this.snapshot(file);
    const item = snapshot.item(itemPath);
    if (!item) throw new AppFailure('NOT_FOUND', `"${shownText(itemPath)}" is not in this backup.`);
    const bytes = typeof item.content === 'string' ? Buffer.from(item.content) : Buffer.from(item.content);
    return { path: item.path, sizeBytes: bytes.length, base64: bytes.toString('base64') };
  }

  async restoreItems(file: string, request: RestoreItemsRequest): Promise<RestoreItemsResult> {
    const snapshot = await this.snapshot(file);
    const result = await restoreItems(this.deps.store, snapshot, request);
    this.deps.audit?.('restore-items', result.repository, {
      file: snapshot.file,
      created: result.created,
      items: result.restored.length,
    });
    this.deps.onRepositoriesChanged?.();
    return result;
  }

  /**
   * Which backups of a folder hold an item, newest first, optionally only of one repository and only
   * taken before a time: each archive is opened (checked in full) until `limit` of them hold it.
   */
  async findItemVersions(options: {
    folder?: string;
    source?: CatalogSource;
    path: string;
    before?: string;
    repository?: string;
    limit?: number;
  }): Promise<ItemVersionSearch> {
    const catalog = await this.openSource(options);
    const before = options.before === undefined ? Infinity : Date.parse(options.before);
    const wanted = options.repository === undefined ? null : repositoryKey(options.repository);
    const archives = catalog.timelines
      .filter(
        (t) => wanted === null || [t.repository, ...t.formerNames].some((n) => repositoryKey(n) === wanted),
      )
      .flatMap((t) => t.archives)
      .filter((a) => Date.parse(a.createdAt) < before && a.verification.state !== 'failed')
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    const limit = options.limit ?? 10;
    const hits: ItemVersionSearch['hits'] = [];
    const failed: ItemVersionSearch['failed'] = [];
    let searched = 0;
    for (const archive of archives) {
      if (hits.length >= limit) break;
      searched++;
      try {
        const found = (await this.snapshot(archive.file))
          .items({ prefix: options.path })
          .find((i) => i.path === options.path);
        if (found) hits.push({ archive, item: found });
      } catch (error) {
        if (error instanceof AppFailure && (error.code === 'NOT_RESPONDING' || error.code === 'CANCELLED'))
          throw error;
        failed.push({ file: archive.file, error: (error as Error).message });
      }
    }
    return { folder: catalog.folder, searched, hits, failed };
  }

  /** Closes every archive opened for browsing and removes their copies. */
  async stop(): Promise<void> {
    const open = [...this.snapshots.values()];
    this.snapshots.clear();
    await Promise.all(open.map((o) => o.snapshot.then((s) => s.close()).catch(() => {})));
  }
}

const sizeOf = (content: string | Uint8Array) =>
  typeof content === 'string' ? Buffer.byteLength(content) : content.length;
