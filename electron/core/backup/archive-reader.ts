import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { ManifestV1 } from '../../shared/contract/archives';
import { formatSize } from '../../shared/format-size';
import { AppFailure } from '../../shared/result';
import { shownText } from '../../shared/shown-text';
import { cancelled, isAbortError } from './fs-errors';
import { CONFIGURATION_ENTRY } from '../../shared/contract/recovery';
import {
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  NOT_A_REPOSITORY_BACKUP,
  parseManifest,
  SNAPSHOT_ENTRY,
} from './manifest';
import { AgentReader, type TargetFs } from './target-fs';

/** Deflate cannot pack honest data much beyond ~1030:1; a higher claim is a lie (a zip bomb). */
export const MAX_COMPRESSION_RATIO = 1000;
const MAX_ENTRIES = 16;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export interface OpenedArchive {
  readonly file: string;
  readonly sizeBytes: number;
  readonly manifest: ManifestV1;
  readonly snapshotEntry: yauzl.Entry;
  readonly zip: yauzl.ZipFile;
  close(): void;
}

const invalid = (file: string, why: string) => new AppFailure('INVALID_ARCHIVE', `${file}: ${why}`);

/** A name from the archive as a message shows it: control characters escaped, at most 80 characters. */
const shown = (name: string): string => shownText(name, { sayLength: true });

/** Room left beside the extracted snapshot, for SQLite's work on it and everything else on the disk. */
export const EXTRACT_HEADROOM_BYTES = 64 * 1024 * 1024;

/**
 * Refuses before anything is written when the disk under `folder` cannot hold `bytes` and the headroom:
 * a lying archive must not fill the data directory's disk (and with it the repositories') to be caught.
 */
export async function ensureFreeSpace(
  folder: string,
  bytes: number,
  what: string,
  headroom = EXTRACT_HEADROOM_BYTES,
): Promise<void> {
  const stats = await fs.promises.statfs(folder).catch(() => null);
  if (!stats) return; // a file system that cannot say: the write itself will fail with ENOSPC
  const free = stats.bavail * stats.bsize;
  if (free < bytes + headroom)
    throw new AppFailure(
      'NO_SPACE',
      `${what} needs ${formatSize(bytes + headroom)} free in the data folder; ${formatSize(free)} is free. ` +
        'Free some space, or restore on a machine with more.',
    );
}

/**
 * Opens an archive for reading: the central directory and manifest.json only, never the whole file.
 * Every entry is checked before anything is extracted: names, links, sizes against the manifest and a
 * compression ratio that honest data cannot exceed.
 */
export async function openArchive(file: string, io?: TargetFs): Promise<OpenedArchive> {
  const zip = io ? await openThroughAgent(file, io) : await openHere(file);
  try {
    if (zip.entryCount > MAX_ENTRIES) throw invalid(file, `${zip.entryCount} entries; a backup has 2.`);
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        checkEntry(file, entry);
        if (entries.has(entry.fileName)) throw invalid(file, `the entry ${entry.fileName} appears twice.`);
        entries.set(entry.fileName, entry);
      }
    } catch (error) {
      if (error instanceof AppFailure) throw error;
      throw invalid(file, `unsafe or damaged entry (${shown((error as Error).message)}).`);
    }
    const manifestEntry = entries.get(MANIFEST_ENTRY);
    if (!manifestEntry) throw invalid(file, `no ${MANIFEST_ENTRY}; not a Repository Server backup.`);
    const manifest = await readManifestEntry(file, zip, manifestEntry);
    const snapshotEntry = entries.get(SNAPSHOT_ENTRY);
    if (!snapshotEntry) throw invalid(file, `no ${SNAPSHOT_ENTRY}; the backup is incomplete.`);
    for (const listed of manifest.entries) {
      const entry = entries.get(listed.name);
      if (!entry) throw invalid(file, `the manifest lists ${shown(listed.name)}, which the archive lacks.`);
      if (entry.uncompressedSize !== listed.size) {
        throw invalid(
          file,
          `${listed.name} is ${entry.uncompressedSize} bytes in the ZIP directory but ${listed.size} in the manifest.`,
        );
      }
    }
    for (const name of entries.keys()) {
      if (name !== MANIFEST_ENTRY && !manifest.entries.some((e) => e.name === name)) {
        throw invalid(file, `the entry ${name} is not listed in the manifest.`);
      }
    }
    // The whole expanded size, as the ZIP directory and the manifest both state it (each entry was
    // compared above): what extracting will write at most, checked against free space before it starts.
    const expandedBytes = [...entries.values()].reduce((sum, e) => sum + e.uncompressedSize, 0);
    const listedBytes = manifest.entries.reduce((sum, e) => sum + e.size, 0) + manifestEntry.uncompressedSize;
    if (expandedBytes !== listedBytes)
      throw invalid(file, `it expands to ${expandedBytes} bytes but its manifest lists ${listedBytes}.`);
    return { file, sizeBytes: zip.fileSize, manifest, snapshotEntry, zip, close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw error;
  }
}

const EMPTY = 'This file is empty — it is not a backup archive.';

const ZIP_OPTIONS = {
  lazyEntries: true,
  autoClose: false,
  strictFileNames: true,
  validateEntrySizes: true,
} as const;

// The library's own sentence ends with a period: "(… truncated.)." read badly.
const notAZip = (file: string, error: unknown) =>
  invalid(file, `not a ZIP archive, or truncated (${(error as Error).message.replace(/\.\s*$/, '')}).`);

/** A file of the data directory (a safety backup, a test's archive): read in this process. */
async function openHere(file: string): Promise<yauzl.ZipFile> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new AppFailure('NOT_FOUND', `The file ${file} does not exist or cannot be read.`);
  }
  if (!stat.isFile()) throw new AppFailure('INVALID_ARGUMENT', `${file} is not a file.`);
  // The zip library would say "End of central directory record signature not found".
  if (stat.size === 0) throw invalid(file, EMPTY);
  try {
    return await yauzl.openPromise(file, ZIP_OPTIONS);
  } catch (error) {
    throw notAZip(file, error);
  }
}

/** A file on a user-chosen path: every read goes through the job's file agent, under its deadline. */
async function openThroughAgent(file: string, io: TargetFs): Promise<yauzl.ZipFile> {
  const stat = await io.stat(file).catch((error: unknown) => {
    if (error instanceof AppFailure) throw error;
    return null;
  });
  if (!stat) throw new AppFailure('NOT_FOUND', `The file ${file} does not exist or cannot be read.`);
  if (stat.type !== 'file') throw new AppFailure('INVALID_ARGUMENT', `${file} is not a file.`);
  if (stat.size === 0) throw invalid(file, EMPTY);
  const opened = await io.open(file, 'r').catch((error: unknown) => {
    if (error instanceof AppFailure) throw error;
    throw new AppFailure('NOT_FOUND', `The file ${file} does not exist or cannot be read.`);
  });
  const reader = new AgentReader(opened);
  try {
    return await yauzl.fromRandomAccessReaderPromise(reader, opened.size, ZIP_OPTIONS);
  } catch (error) {
    await opened.close().catch(() => {});
    if (error instanceof AppFailure) throw error;
    const failure = (error as { cause?: unknown }).cause;
    if (failure instanceof AppFailure) throw failure;
    throw notAZip(file, error);
  }
}

function checkEntry(file: string, entry: yauzl.Entry): void {
  const name = entry.fileName;
  // yauzl already refuses absolute paths, `..` and backslashes (strictFileNames); we accept only our own
  // two names, so a directory, a link target or any other path never reaches the disk.
  if (name === CONFIGURATION_ENTRY) throw invalid(file, NOT_A_REPOSITORY_BACKUP);
  if (name !== MANIFEST_ENTRY && name !== SNAPSHOT_ENTRY) {
    throw invalid(
      file,
      `unexpected entry "${shown(name)}"; a backup holds only ${SNAPSHOT_ENTRY} and ${MANIFEST_ENTRY}.`,
    );
  }
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type !== 0 && type !== S_IFREG) throw invalid(file, `the entry ${name} is a link or a special file.`);
  if (entry.isEncrypted()) throw invalid(file, `the entry ${name} is encrypted.`);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw invalid(file, `the entry ${name} uses an unknown compression method (${entry.compressionMethod}).`);
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw invalid(file, `the stored entry ${name} has sizes that disagree.`);
  }
  if (entry.uncompressedSize > MAX_COMPRESSION_RATIO * Math.max(entry.compressedSize, 1024)) {
    throw invalid(
      file,
      `the entry ${name} claims to inflate ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} ` +
        `times its packed size: a zip bomb, not a backup.`,
    );
  }
}

async function readManifestEntry(file: string, zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<ManifestV1> {
  if (entry.uncompressedSize > MAX_MANIFEST_BYTES) throw invalid(file, `${MANIFEST_ENTRY} is too large.`);
  const chunks: Buffer[] = [];
  let crc = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      crc = zlib.crc32(chunk, crc);
    }
  } catch (error) {
    // A folder that stopped answering, or a cancel, is not a damaged file.
    if (error instanceof AppFailure) throw error;
    throw invalid(file, `${MANIFEST_ENTRY} cannot be read (${(error as Error).message}).`);
  }
  if (crc !== entry.crc32) throw invalid(file, `${MANIFEST_ENTRY} fails its CRC check; the file is damaged.`);
  try {
    return parseManifest(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    if (error instanceof AppFailure) throw new AppFailure(error.code, `${file}: ${error.message}`);
    throw error;
  }
}

export interface ExtractOptions {
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  /** Free space to leave beside the extracted snapshot (EXTRACT_HEADROOM_BYTES by default). */
  headroomBytes?: number;
}

/** What inflating the snapshot hands on at a time: each piece is an ArrayBuffer for the main thread's GC to sweep. */
const INFLATE_CHUNK_BYTES = 1024 * 1024;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SQLITE_HEADER_BYTES = 100;

/**
 * What is wrong with a snapshot's first 100 bytes, or null: SQLite's magic, a page size SQLite allows,
 * and (when the header's page count is current) pages × page size = the size the manifest declares. So a
 * bomb of zeros or a file that lies about its size is refused at its first bytes, before it is written.
 */
export function sqliteHeaderProblem(header: Buffer, declaredSize: number): string | null {
  if (header.length < SQLITE_HEADER_BYTES || !header.subarray(0, 16).equals(SQLITE_MAGIC))
    return "its first bytes are not SQLite's header";
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    return `its header gives a page size of ${raw}, which SQLite does not use`;
  const pages = header.readUInt32BE(28);
  // The page count is trusted by SQLite only when "version valid for" matches the change counter.
  const current = pages > 0 && header.readUInt32BE(92) === header.readUInt32BE(24);
  if (current && pages * pageSize !== declaredSize)
    return `its header says ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes), the manifest ${declaredSize}`;
  return null;
}

/**
 * Streams the snapshot out, checking as it goes that it never grows past its declared size, and at the
 * end that its CRC, size and SHA-256 are the ones recorded. With no target, only checks.
 */
export async function checkSnapshot(
  archive: OpenedArchive,
  target: string | null,
  options: ExtractOptions = {},
): Promise<void> {
  const entry = archive.snapshotEntry;
  const declared = archive.manifest.entries.find((e) => e.name === SNAPSHOT_ENTRY)!;
  const hash = createHash('sha256');
  let crc = 0;
  let size = 0;
  /** The first bytes are held back until SQLite's header can be read from them. */
  let head: Buffer | null = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      let out: Buffer | null = chunk;
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const complete = head.length >= SQLITE_HEADER_BYTES || size >= declared.size;
        // The header first: a file that lies about its size is named by the page count it gives.
        const problem = complete ? sqliteHeaderProblem(head, declared.size) : null;
        if (problem)
          return callback(
            invalid(archive.file, `${SNAPSHOT_ENTRY} is not a usable SQLite database: ${problem}.`),
          );
        out = complete ? head : null;
        if (complete) head = null;
      }
      if (size > declared.size)
        return callback(
          invalid(archive.file, `${SNAPSHOT_ENTRY} inflates past its declared ${declared.size} bytes.`),
        );
      hash.update(chunk);
      crc = zlib.crc32(chunk, crc);
      options.onBytes?.(size);
      callback(null, target && out ? out : undefined);
    },
    flush(callback) {
      // A snapshot shorter than SQLite's header never got past the check above.
      if (head !== null)
        return callback(
          invalid(
            archive.file,
            `${SNAPSHOT_ENTRY} is not a usable SQLite database: ${sqliteHeaderProblem(head, declared.size)}.`,
          ),
        );
      callback();
    },
  });
  if (target)
    await ensureFreeSpace(
      path.dirname(target),
      declared.size,
      `Extracting ${SNAPSHOT_ENTRY}`,
      options.headroomBytes,
    );
  try {
    // The raw entry, inflated here rather than by yauzl: its zlib stream hands out 16 KB at a time, and
    // each piece was a turn of callbacks, hashing and stream bookkeeping on the main thread — 33,000
    // for a 517 MB snapshot, 40 % of the main thread's time verifying beside writing clients (#17).
    // openArchive has refused every method but stored and deflate, and encryption.
    const raw = await archive.zip.openReadStreamPromise(entry, { decodeFileData: false });
    const sink = target
      ? fs.createWriteStream(target, { flags: 'wx', highWaterMark: 1 << 20 })
      : new Writable({ write: (_c, _e, cb) => cb() });
    if (entry.compressionMethod === 8)
      await pipeline(raw, zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), tap, sink, {
        signal: options.signal,
      });
    else await pipeline(raw, tap, sink, { signal: options.signal });
  } catch (error) {
    if (target) await fs.promises.rm(target, { force: true });
    if (isAbortError(error) || options.signal?.aborted) throw cancelled();
    if (error instanceof AppFailure) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC')
      throw new AppFailure('NO_SPACE', `Not enough space in the data folder to restore (ENOSPC).`);
    throw invalid(
      archive.file,
      `${SNAPSHOT_ENTRY} cannot be read; the file is damaged or truncated (${(error as Error).message}).`,
    );
  }
  const failure =
    size !== declared.size
      ? `${SNAPSHOT_ENTRY} is ${size} bytes, the manifest says ${declared.size}`
      : crc !== entry.crc32
        ? `${SNAPSHOT_ENTRY} fails its CRC check`
        : hash.digest('hex') !== declared.sha256
          ? `${SNAPSHOT_ENTRY} does not match the SHA-256 in the manifest`
          : null;
  if (failure) {
    if (target) await fs.promises.rm(target, { force: true });
    throw invalid(archive.file, `${failure}; the file is damaged.`);
  }
}
