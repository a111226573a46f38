import fs from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { ManifestV1 } from '../../shared/contract/archives';
import { openArchive } from '../backup/archive-reader';
import { SNAPSHOT_ENTRY } from '../backup/manifest';
import type { TargetFs } from '../backup/target-fs';
import { makeTempFolder, type TempFolder } from '../backup/temp-area';
import { rebuildUntrustedSnapshot } from '../backup/untrusted-snapshot';
import { verifyOpenedArchive } from '../backup/verify-archive';
import type { Clock } from '../clock';
import { Repository, type Item, type ItemSummary } from '../storage/repository';

// One archive opened for browsing its items (single-item restore, ARCHITECTURE §6). The archive is
// checked in full first (sizes, SHA-256, SQLite's integrity, counts against the manifest), then its
// snapshot is rebuilt as untrusted input (every row checked with the client protocol's rules), and only
// that rebuilt copy, in a temp folder of the data dir, is ever read. Nothing from the archive is read
// straight.

export interface OpenSnapshotOptions {
  dataDir: string;
  /** The archive's folder agent (a user-chosen path), under its deadline. */
  io?: TargetFs;
  clock: Clock;
  signal?: AbortSignal;
  /** How the archive is named to people, when `file` is a stand-in (the offsite copy's `sftp://…/NAME`). */
  shownAs?: string;
}

export interface SnapshotItemVersion extends Item {
  /** true for the item as it was when the backup was taken; false for one of its revisions. */
  current: boolean;
  deleted: boolean;
}

export class ArchiveSnapshot {
  private constructor(
    readonly file: string,
    readonly manifest: ManifestV1,
    /** The archive's size and time when it was opened: a changed file is opened again. */
    readonly stamp: { size: number; mtimeMs: number },
    private readonly repository: Repository,
    private readonly temp: TempFolder,
  ) {}

  static async open(file: string, options: OpenSnapshotOptions): Promise<ArchiveSnapshot> {
    const archive = await openArchive(file, options.io);
    const temp = makeTempFolder(options.dataDir, 'browse');
    try {
      const stat = options.io ? await options.io.stat(file) : fs.statSync(file);
      const extracted = temp.file(SNAPSHOT_ENTRY);
      await verifyOpenedArchive(archive, {
        dataDir: options.dataDir,
        extractTo: extracted,
        signal: options.signal,
      });
      const rebuilt = temp.file('items.sqlite');
      await rebuildUntrustedSnapshot(extracted, rebuilt, {
        includeHistory: true,
        label: options.shownAs ?? file,
        signal: options.signal,
      });
      fs.rmSync(extracted, { force: true });
      const db = new DatabaseSync(rebuilt, { readOnly: true });
      const repository = new Repository(
        archive.manifest.repository.name,
        archive.manifest.repository.id,
        db,
        options.clock,
      );
      return new ArchiveSnapshot(
        options.shownAs ?? file,
        archive.manifest,
        { size: stat?.size ?? 0, mtimeMs: stat?.mtimeMs ?? 0 },
        repository,
        temp,
      );
    } catch (error) {
      await temp.remove();
      throw error;
    } finally {
      archive.close();
    }
  }

  /** Items as they were at the backup, by path; `prefix` literally, `filter` anywhere in the path (any case). */
  items(options: { prefix?: string; filter?: string } = {}): ItemSummary[] {
    const all = this.repository.list(options.prefix || undefined);
    const needle = options.filter?.trim().toLowerCase();
    return needle ? all.filter((i) => i.path.toLowerCase().includes(needle)) : all;
  }

  item(path: string): Item | null {
    return this.repository.get(path);
  }

  /** Every version of one path this backup holds, newest first: the item then, and its revisions. */
  versions(path: string): SnapshotItemVersion[] {
    const current = this.repository.get(path);
    const revisions = this.repository.revisions(path).map((r) => ({ ...r, current: false }));
    const all: SnapshotItemVersion[] = [
      ...(current ? [{ ...current, current: true, deleted: false }] : []),
      ...revisions,
    ];
    return all.sort((a, b) => b.version - a.version);
  }

  async close(): Promise<void> {
    this.repository.close();
    await this.temp.remove();
  }
}
