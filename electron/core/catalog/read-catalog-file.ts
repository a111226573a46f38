import path from 'node:path';
import { AppFailure } from '../../shared/result';
import { openArchive } from '../backup/archive-reader';
import { MANIFEST_ENTRY, NOT_A_REPOSITORY_BACKUP, SNAPSHOT_ENTRY } from '../backup/manifest';
import type { TargetFs } from '../backup/target-fs';
import type { IndexedFile } from './catalog-index';

// One file of a catalog's folder, read as little as it takes: the ZIP directory and manifest.json of
// an archive (openArchive: every entry checked, the manifest bounded and schema-checked), and for a file
// that is not one, its first bytes, to tell a damaged archive of ours from someone else's file.

const LOCAL_HEADER = 0x04034b50;
const HEAD_BYTES = 30 + 64;
const BACKUP_NAME = /_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d+)?\.zip$/;

/**
 * Failures of the way to the folder, never of a file: a deadline, a cancel, and for the offsite copy a
 * server that closed the connection or cannot be logged into. They fail the opening; they are no damage.
 */
export const isNotTheFilesFault = (error: unknown): boolean =>
  error instanceof AppFailure &&
  (error.code === 'NOT_RESPONDING' ||
    error.code === 'CANCELLED' ||
    error.code === 'UNREACHABLE' ||
    error.code === 'AUTH_FAILED' ||
    error.code === 'HOST_KEY_CHANGED' ||
    error.code === 'HOST_KEY_UNCONFIRMED');

export interface FileStamp {
  name: string;
  size: number;
  mtimeMs: number;
}

/** Classifies one file; a folder that stops answering (or a cancel) is thrown, never taken as damage. */
export async function readCatalogFile(
  io: TargetFs,
  folder: string,
  stamp: FileStamp,
): Promise<IndexedFile | null> {
  const file = path.join(folder, stamp.name);
  if (stamp.size === 0) return { kind: 'foreign', ...stamp, reason: 'An empty file.' };
  try {
    const archive = await openArchive(file, io);
    archive.close();
    return { kind: 'archive', ...stamp, manifest: archive.manifest, check: null };
  } catch (error) {
    if (!(error instanceof AppFailure)) throw error;
    if (isNotTheFilesFault(error)) throw error;
    // Removed between the listing and now: not part of the catalog.
    if (error.code === 'NOT_FOUND') return null;
    const reason = error.message.startsWith(file + ': ')
      ? error.message.slice(file.length + 2)
      : error.message;
    if (error.code === 'UNSUPPORTED_VERSION') return { kind: 'newer', ...stamp, reason };
    // The server's configuration backup (backup/config-archive.ts): ours, whole, but no repository's.
    if (reason === NOT_A_REPOSITORY_BACKUP)
      return { kind: 'foreign', ...stamp, reason: 'The server’s configuration backup (recovery reads it).' };
    const ours = BACKUP_NAME.test(stamp.name) || (await firstEntryIsOurs(io, file));
    return ours
      ? { kind: 'damaged', ...stamp, reason }
      : { kind: 'foreign', ...stamp, reason: 'Not a Repository Server backup.' };
  }
}

/**
 * Whether the file starts with a ZIP entry of ours. The writer puts the snapshot first and the ZIP
 * directory last, so a truncated backup has lost its directory but still starts with repository.sqlite.
 */
async function firstEntryIsOurs(io: TargetFs, file: string): Promise<boolean> {
  const opened = await io.open(file, 'r').catch((error: unknown) => {
    if (error instanceof AppFailure && error.code !== 'NOT_FOUND') throw error;
    return null;
  });
  if (!opened) return false;
  try {
    const head = Buffer.from(
      await opened.read(0, HEAD_BYTES).catch((error: unknown) => {
        if (error instanceof AppFailure) throw error;
        return new Uint8Array(0); // an I/O error here says nothing about whose file it is
      }),
    );
    if (head.length < 30 || head.readUInt32LE(0) !== LOCAL_HEADER) return false;
    const nameLength = head.readUInt16LE(26);
    const name = head.subarray(30, 30 + nameLength).toString('utf8');
    return name === SNAPSHOT_ENTRY || name === MANIFEST_ENTRY;
  } finally {
    await opened.close().catch(() => {});
  }
}
