import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { AppFailure } from '../../shared/result';
import type { Compression } from '../../shared/settings-schema';
import { cancelled, describeFsError, isAbortError } from './fs-errors';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';

export const PARTIAL_SUFFIX = '.partial';
const SYNC_EVERY = 8 * 1024 * 1024;

const levels: Record<Compression, number> = { store: 0, fast: 1, best: 9 };

export interface SnapshotDigest {
  size: number;
  sha256: string;
}

export interface WriteArchiveOptions {
  /** The final name; the archive is written to `<file>.partial` and renamed only once complete. */
  file: string;
  snapshotFile: string;
  compression: Compression;
  /** Called once the snapshot is in, with its size and hash; returns manifest.json's content. */
  manifest: (snapshot: SnapshotDigest) => object;
  mtime: Date;
  signal?: AbortSignal;
  /** Snapshot bytes read so far. */
  onBytes?: (bytes: number) => void;
}

/**
 * Streams the snapshot and the manifest into a ZIP, so memory stays flat whatever the size. A file with
 * the final name is always complete: it is written as `*.partial`, fsynced, then linked into place
 * (never over an existing file). Any failure or cancel removes the partial.
 */
export async function writeArchive(
  options: WriteArchiveOptions,
): Promise<{ sizeBytes: number } & SnapshotDigest> {
  const folder = path.dirname(options.file);
  const partial = options.file + PARTIAL_SUFFIX;
  const level = levels[options.compression];
  const entryOptions = {
    mtime: options.mtime,
    mode: 0o100644,
    compress: level > 0,
    ...(level > 0 ? { compressionLevel: level } : {}),
  };
  let created = false;
  let target: fs.WriteStream | undefined;
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as PassThrough;
  // yazl reports some failures (a stream of the wrong length) on the ZipFile itself.
  zip.on('error', (error: Error) => output.destroy(error));
  try {
    if (options.signal?.aborted) throw cancelled();
    // 'wx': never write into someone else's file; flush: fsync before close, so the rename below never
    // publishes data still in the page cache.
    target = fs.createWriteStream(partial, {
      flags: 'wx',
      mode: 0o644,
      flush: true,
      highWaterMark: 1 << 20,
    });
    const [fd] = (await once(target, 'open')) as [number];
    created = true;
    // Sync as the archive grows rather than all at the end: one large final sync saturates the disk,
    // and clients' commits (which sync too) would wait behind it.
    let unsynced = 0;
    let syncing = false;
    const stream = target;
    stream.on('drain', () => {
      if (syncing || unsynced < SYNC_EVERY) return;
      syncing = true;
      unsynced = 0;
      fs.fdatasync(fd, () => (syncing = false));
    });
    const countWrites = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        unsynced += chunk.length;
        callback(null, chunk);
      },
    });
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        options.onBytes?.(size);
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
    // 256 KB chunks: hashing one takes well under a millisecond of the main thread.
    const source = fs.createReadStream(options.snapshotFile, { highWaterMark: 256 * 1024 });
    zip.addReadStream(tap, SNAPSHOT_ENTRY, entryOptions);
    await Promise.all([
      pipeline(source, tap, { signal: options.signal }),
      pipeline(output, countWrites, stream, { signal: options.signal }),
    ]);
    const { size: sizeBytes } = await fs.promises.stat(partial);
    await moveIntoPlace(partial, options.file);
    await syncFolder(folder);
    return { sizeBytes, ...digest! };
  } catch (error) {
    // One side failing must not leave the other waiting with the file open.
    output.destroy();
    target?.destroy();
    if (created) await fs.promises.rm(partial, { force: true }).catch(() => {});
    if (isAbortError(error) || options.signal?.aborted) throw cancelled();
    if ((error as NodeJS.ErrnoException).path === options.snapshotFile) {
      throw new AppFailure('INTERNAL', `The snapshot copy could not be read: ${(error as Error).message}`);
    }
    throw describeFsError(error, folder);
  }
}

/** rename() would silently replace a file someone put there meanwhile; link() refuses instead. */
async function moveIntoPlace(partial: string, file: string): Promise<void> {
  try {
    await fs.promises.link(partial, file);
    await fs.promises.unlink(partial);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some network and FAT file systems have no hard links: fall back to a checked rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
    if (fs.existsSync(file)) throw Object.assign(new Error(`${file} exists`), { code: 'EEXIST' });
    await fs.promises.rename(partial, file);
  }
}

/** Makes the rename itself durable; some platforms cannot open a folder, which is fine. */
async function syncFolder(folder: string): Promise<void> {
  const dir = await fs.promises.open(folder, 'r').catch(() => undefined);
  await dir?.sync().catch(() => {});
  await dir?.close();
}
