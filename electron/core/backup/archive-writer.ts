import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { AppFailure } from '../../shared/result';
import type { Compression } from '../../shared/settings-schema';
import { cancelled, describeFsError, isAbortError } from './fs-errors';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { fileWriter, type TargetFile, type TargetFs } from './target-fs';

export const PARTIAL_SUFFIX = '.partial';

const levels: Record<Compression, number> = { store: 0, fast: 1, best: 9 };

export interface SnapshotDigest {
  size: number;
  sha256: string;
}

export interface WriteArchiveOptions {
  /** The job's file agent: every call on the target goes through it, under its deadline. */
  io: TargetFs;
  /** The final name; the archive is written to `<file>.partial` and renamed only once complete. */
  file: string;
  snapshotFile: string;
  compression: Compression;
  /** Called once the snapshot is in, with its size and hash; returns manifest.json's content. */
  manifest: (snapshot: SnapshotDigest) => object;
  mtime: Date;
  signal?: AbortSignal;
  /** Snapshot bytes compressed and handed to the target so far. */
  onBytes?: (bytes: number) => void;
  /**
   * Told just before the partial is linked to its final name: from here on a cancel or a timeout may
   * leave a final-named file (the call was issued and may still land), which the caller must remove.
   */
  onPublishing?: () => void;
}

/**
 * Streams the snapshot and the manifest into a ZIP, so memory stays flat whatever the size. A file with
 * the final name is always complete: it is written as `*.partial`, fsynced, then linked into place
 * (never over an existing file). A failure removes the partial when the target still answers; when it
 * does not, the caller's cleanup does, once it does.
 */
export async function writeArchive(
  options: WriteArchiveOptions,
): Promise<{ sizeBytes: number } & SnapshotDigest> {
  const { io } = options;
  const folder = path.dirname(options.file);
  const partial = options.file + PARTIAL_SUFFIX;
  const level = levels[options.compression];
  const entryOptions = {
    mtime: options.mtime,
    mode: 0o100644,
    compress: level > 0,
    ...(level > 0 ? { compressionLevel: level } : {}),
  };
  let target: TargetFile | undefined;
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as PassThrough;
  // yazl reports some failures (a stream of the wrong length) on the ZipFile itself.
  zip.on('error', (error: Error) => output.destroy(error));
  try {
    if (options.signal?.aborted) throw cancelled();
    // 'wx': never write into someone else's file.
    target = await io.open(partial, 'wx');
    const sink = fileWriter(target);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    let digest: SnapshotDigest | undefined;
    tap.on('end', () => {
      digest = { size, sha256: hash.digest('hex') };
      try {
        const manifest = Buffer.from(JSON.stringify(options.manifest(digest), null, 2) + '\n');
        zip.addBuffer(manifest, MANIFEST_ENTRY, entryOptions);
        zip.end();
      } catch (error) {
        tap.destroy(error as Error);
      }
    });
    // Progress is what reached the target, scaled to the snapshot's bytes: reading the snapshot runs
    // ahead of compression by the streams' buffers, which on a small repository is all of it.
    const total = (await fs.promises.stat(options.snapshotFile)).size;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, chunk);
        options.onBytes?.(Math.min(size, total));
      },
    });
    // 256 KB chunks: hashing one takes well under a millisecond of the main thread.
    const source = fs.createReadStream(options.snapshotFile, { highWaterMark: 256 * 1024 });
    zip.addReadStream(tap, SNAPSHOT_ENTRY, entryOptions);
    await Promise.all([
      pipeline(source, tap, { signal: options.signal }),
      pipeline(output, count, sink, { signal: options.signal }),
    ]);
    const sizeBytes = await target.currentSize();
    await target.close();
    options.onPublishing?.();
    await moveIntoPlace(io, partial, options.file);
    await io.syncFolder(folder);
    return { sizeBytes, ...digest! };
  } catch (error) {
    // One side failing must not leave the other waiting with the file open.
    output.destroy();
    if (target) {
      await target.close().catch(() => {});
      await io.unlink(partial).catch(() => {});
    }
    if (error instanceof AppFailure) throw error;
    if (isAbortError(error) || options.signal?.aborted) throw cancelled();
    if ((error as NodeJS.ErrnoException).path === options.snapshotFile) {
      throw new AppFailure('INTERNAL', `The snapshot copy could not be read: ${(error as Error).message}`);
    }
    throw describeFsError(error, folder);
  }
}

/** rename() would silently replace a file someone put there meanwhile; link() refuses instead. */
async function moveIntoPlace(io: TargetFs, partial: string, file: string): Promise<void> {
  try {
    await io.link(partial, file);
    await io.unlink(partial);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some network and FAT file systems have no hard links: fall back to a checked rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
    if (await io.stat(file)) throw Object.assign(new Error(`${file} exists`), { code: 'EEXIST' });
    await io.rename(partial, file);
  }
}
