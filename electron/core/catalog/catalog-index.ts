import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ManifestV1 } from '../../shared/contract/archives';
import { parseBoundedJson } from '../../shared/bounded-json';
import type { TargetFs } from '../backup/target-fs';
import { isNotTheFilesFault } from './read-catalog-file';

// The catalog index: a small file beside the archives that remembers what each file's manifest said, so
// a folder of 1,000 archives opens with one listing and a stat per file instead of 1,000 ZIP
// directories. It is only a cache: an entry counts while the file's size and modification time are the
// ones recorded (else that file is read again), and a missing, unreadable or foreign index is rebuilt
// from the files. Like everything in a user-chosen folder it is hostile input: bounded, schema-checked.

export const INDEX_NAME = '.repo-server-catalog.json';
export const INDEX_FORMAT = 'repo-server-catalog';
const INDEX_VERSION = 1;
/** ~700 bytes per archive: room for tens of thousands, never a file that fills memory. */
export const MAX_INDEX_BYTES = 32 * 1024 * 1024;
const PARTIAL = /^\.repo-server-catalog\.json\.[0-9a-f-]+\.partial$/;

/** Our index's own files (the index and its temporary copies): never listed as foreign. */
export const isIndexFile = (name: string) => name === INDEX_NAME || PARTIAL.test(name);

const Reason = z.string().max(2000);

/** A check recorded with the archive, as the server that checked it wrote it. */
export const RecordedCheck = z.object({
  state: z.enum(['verified', 'failed']),
  at: z.string().max(64),
  error: Reason.nullable(),
});
export type RecordedCheck = z.infer<typeof RecordedCheck>;

const Stamp = {
  name: z.string().min(1).max(1024),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number().nonnegative(),
};

export const IndexedFile = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('archive'),
    ...Stamp,
    manifest: ManifestV1,
    check: RecordedCheck.nullable().default(null),
  }),
  z.object({ kind: z.enum(['foreign', 'damaged', 'newer']), ...Stamp, reason: Reason }),
]);
export type IndexedFile = z.infer<typeof IndexedFile>;

const IndexFile = z.object({
  format: z.literal(INDEX_FORMAT),
  formatVersion: z.literal(INDEX_VERSION),
  writtenAt: z.string().max(64),
  files: z.array(IndexedFile).max(100_000),
});

export type IndexRead =
  { state: 'found'; files: IndexedFile[] } | { state: 'missing' | 'unreadable' | 'not-ours' };

/** Reads the index through the folder's file agent; a deadline or cancel is thrown, anything else said. */
export async function readIndex(io: TargetFs, folder: string): Promise<IndexRead> {
  const file = path.join(folder, INDEX_NAME);
  const stat = await io.stat(file).catch(rethrowDeadline);
  if (!stat) return { state: 'missing' };
  if (stat.type !== 'file' || stat.size > MAX_INDEX_BYTES) return { state: 'not-ours' };
  let text: string;
  try {
    const opened = await io.open(file, 'r');
    try {
      const chunks: Uint8Array[] = [];
      let at = 0;
      while (at < Math.min(opened.size, MAX_INDEX_BYTES)) {
        const bytes = await opened.read(at, Math.min(1 << 20, MAX_INDEX_BYTES - at));
        if (bytes.length === 0) break;
        chunks.push(bytes);
        at += bytes.length;
      }
      text = Buffer.concat(chunks).toString('utf8');
    } finally {
      await opened.close().catch(() => {});
    }
  } catch (error) {
    rethrowDeadline(error);
    return { state: 'unreadable' };
  }
  let raw: unknown;
  try {
    // Bounded: anyone who can write the folder writes this file.
    raw = parseBoundedJson(text);
  } catch {
    return { state: 'unreadable' };
  }
  if ((raw as { format?: unknown } | null)?.format !== INDEX_FORMAT) return { state: 'not-ours' };
  const parsed = IndexFile.safeParse(raw);
  return parsed.success ? { state: 'found', files: parsed.data.files } : { state: 'unreadable' };
}

function rethrowDeadline(error: unknown): null {
  if (isNotTheFilesFault(error)) throw error;
  return null;
}

/**
 * Writes the index atomically: a temporary file of our own name, written in full and fsynced, renamed
 * over the old index, the folder synced. A reader sees the old index or the new one, never half of one.
 */
export async function writeIndex(
  io: TargetFs,
  folder: string,
  files: IndexedFile[],
  writtenAt: string,
): Promise<void> {
  const body = Buffer.from(
    JSON.stringify({ format: INDEX_FORMAT, formatVersion: INDEX_VERSION, writtenAt, files }) + '\n',
  );
  const partial = path.join(folder, `${INDEX_NAME}.${randomUUID()}.partial`);
  const out = await io.open(partial, 'wx');
  try {
    for (let at = 0; at < body.length; at += 1 << 20)
      await out.write(body.subarray(at, Math.min(body.length, at + (1 << 20))), at);
    await out.fsync();
    await out.close();
    await io.rename(partial, path.join(folder, INDEX_NAME));
  } catch (error) {
    await out.close().catch(() => {});
    await io.unlink(partial).catch(() => {});
    throw error;
  }
  await io.syncFolder(folder);
}
