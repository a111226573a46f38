import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { AppFailure } from '../../shared/result';
import type { Compression } from '../../shared/settings-schema';
import { cancelled, describeFsError, isAbortError } from './fs-errors';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { BlockDeflater, type BlockDeflaterOptions } from './parallel-deflate';
import { fileWriter, type TargetFile, type TargetFs } from './target-fs';
import {
  centralRecord,
  dataDescriptor,
  endOfCentralDirectory,
  localHeader,
  METHOD_DEFLATE,
  METHOD_STORE,
  type ZipEntryRecord,
} from './zip-records';

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
  /** Tests and benchmarks: the deflate workers and block size (parallel-deflate.ts). */
  parallel?: Omit<BlockDeflaterOptions, 'level'>;
  /** Tests: ZIP64 records even for a small archive (a snapshot past 4 GB gets them anyway). */
  forceZip64?: boolean;
}

/**
 * Streams the snapshot (deflated in parallel blocks: parallel-deflate.ts) and the manifest into a ZIP,
 * so memory stays flat whatever the size. A file with
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
  let target: TargetFile | undefined;
  let deflater: BlockDeflater | undefined;
  try {
    if (options.signal?.aborted) throw cancelled();
    // 'wx': never write into someone else's file.
    target = await io.open(partial, 'wx');
    deflater = new BlockDeflater({ level, ...options.parallel });
    let digest: SnapshotDigest | undefined;
    const zip = zipStream(options, deflater, level, (d) => (digest = d));
    await pipeline(Readable.from(zip, { objectMode: false }), fileWriter(target), {
      signal: options.signal,
    });
    const sizeBytes = await target.currentSize();
    await target.close();
    options.onPublishing?.();
    await moveIntoPlace(io, partial, options.file);
    await io.syncFolder(folder);
    return { sizeBytes, ...digest! };
  } catch (error) {
    // Every worker ends here too, whatever failed (the stream's own ending may not have reached them).
    deflater?.close();
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
  } finally {
    deflater?.close();
  }
}

/**
 * The archive's bytes in order: the snapshot entry (streamed: its CRC and sizes in a data descriptor
 * after the data), then manifest.json (written once the snapshot's digest is known), then the central
 * directory (zip-records.ts).
 */
async function* zipStream(
  options: WriteArchiveOptions,
  deflater: BlockDeflater,
  level: number,
  onDigest: (digest: SnapshotDigest) => void,
): AsyncGenerator<Buffer> {
  const common = { mtime: options.mtime, mode: 0o100644, forceZip64: options.forceZip64 };
  const method = level > 0 ? METHOD_DEFLATE : METHOD_STORE;
  const snapshot: ZipEntryRecord = {
    ...common,
    name: SNAPSHOT_ENTRY,
    method,
    crc32: 0,
    compressedSize: 0,
    uncompressedSize: 0,
    offset: 0,
    streamed: true,
  };
  let offset = 0;
  const emit = (buffer: Buffer) => {
    offset += buffer.length;
    return buffer;
  };
  yield emit(localHeader(snapshot));
  const dataStart = offset;
  const blocks = deflater.compress(options.snapshotFile);
  let rawDone = 0;
  let sha256: string;
  for (;;) {
    const next = await blocks.next();
    if (next.done) {
      snapshot.crc32 = next.value.crc32;
      snapshot.uncompressedSize = next.value.size;
      sha256 = next.value.sha256;
      onDigest({ size: next.value.size, sha256: next.value.sha256 });
      break;
    }
    yield emit(next.value.data);
    // Progress is what reached the writer: reading runs ahead of compression by the blocks in flight.
    rawDone += next.value.rawBytes;
    options.onBytes?.(rawDone);
  }
  snapshot.compressedSize = offset - dataStart;
  yield emit(dataDescriptor(snapshot));

  const json = Buffer.from(
    JSON.stringify(options.manifest({ size: snapshot.uncompressedSize, sha256 }), null, 2) + '\n',
  );
  const packed = level > 0 ? zlib.deflateRawSync(json, { level }) : json;
  const manifest: ZipEntryRecord = {
    ...common,
    name: MANIFEST_ENTRY,
    method,
    crc32: zlib.crc32(json),
    compressedSize: packed.length,
    uncompressedSize: json.length,
    offset,
    streamed: false,
  };
  yield emit(localHeader(manifest));
  yield emit(packed);

  const directoryOffset = offset;
  const directory = Buffer.concat([centralRecord(snapshot), centralRecord(manifest)]);
  yield emit(directory);
  yield emit(endOfCentralDirectory(2, directoryOffset, directory.length, options.forceZip64));
}

/** rename() would silently replace a file someone put there meanwhile; link() refuses instead. */
export async function moveIntoPlace(io: TargetFs, partial: string, file: string): Promise<void> {
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
