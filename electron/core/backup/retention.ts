import path from 'node:path';
import type { ManifestV1 } from '../../shared/contract/archives';
import { describeFsError } from './fs-errors';
import type { TargetFs } from './target-fs';

// Retention (ARCHITECTURE §7): keep the newest N verified backups of a repository in the target folder.
// It deletes only files that are provably ours and of this repository (name AND manifest), never the
// last good one, and a damaged archive never counts as one of the N.

/** What retention needs to know about an archive; the backup engine answers it. */
export interface ArchiveInspector {
  /**
   * Whose archive it is and when it started, when the file is provably ours (a readable manifest; for an
   * offsite copy, the ledger's record); null otherwise (never throws).
   */
  readManifest(file: string): Promise<Pick<ManifestV1, 'repository' | 'startedAt'> | null>;
  /** Full verification: manifest, every entry's size and SHA-256, the snapshot's integrity. */
  verify(file: string): Promise<boolean>;
}

export interface RetentionInput {
  /** The job's file agent: listing and deleting on the target run under its deadline. */
  io: Pick<TargetFs, 'readdir' | 'unlink'>;
  folder: string;
  repository: { name: string; id: string };
  keepLast: number;
  inspector: ArchiveInspector;
}

export interface RetentionResult {
  /** The newest verified archives, newest first. */
  kept: string[];
  deleted: string[];
  /** Archives of this repository newer than the N kept that failed verification: left for a person. */
  damaged: string[];
}

const STAMP = /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d+)?\.zip$/;

/** `<repository>_YYYY-MM-DD-HH-mm-ss.zip` (with `-2`… when two start in the same second). */
export function isArchiveNameOf(fileName: string, repository: string): boolean {
  return fileName.startsWith(`${repository}_`) && STAMP.test(fileName.slice(repository.length + 1));
}

export async function applyRetention(input: RetentionInput): Promise<RetentionResult> {
  const { io, folder, repository, keepLast, inspector } = input;
  if (!Number.isInteger(keepLast) || keepLast < 1) throw new RangeError('keepLast must be at least 1');
  const names = (
    await io.readdir(folder).catch((error: unknown) => Promise.reject(describeFsError(error, folder)))
  )
    .filter((d) => d.type === 'file' && isArchiveNameOf(d.name, repository.name))
    .map((d) => path.join(folder, d.name));
  const ours: Array<{ file: string; startedAt: number }> = [];
  for (const file of names) {
    const manifest = await inspector.readManifest(file);
    // A file that merely looks like ours by name, or belongs to another repository of the same name
    // (restored elsewhere, say), is not ours to delete.
    if (!manifest || manifest.repository.id !== repository.id) continue;
    ours.push({ file, startedAt: Date.parse(manifest.startedAt) });
  }
  // Newest first by the manifest's instant: names are local time and repeat on a fall-back night.
  ours.sort((a, b) => b.startedAt - a.startedAt || b.file.localeCompare(a.file));

  const kept: string[] = [];
  const damaged: string[] = [];
  let i = 0;
  for (; i < ours.length && kept.length < keepLast; i++) {
    if (await inspector.verify(ours[i]!.file)) kept.push(ours[i]!.file);
    else damaged.push(ours[i]!.file);
  }
  // Without a single good backup nothing is deleted: an older file might be the only one that restores.
  if (kept.length === 0) return { kept, deleted: [], damaged };
  const deleted: string[] = [];
  for (const { file } of ours.slice(i)) {
    await io.unlink(file).catch((error: unknown) => Promise.reject(describeFsError(error, folder)));
    deleted.push(file);
  }
  return { kept, deleted, damaged };
}
