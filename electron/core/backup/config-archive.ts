import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { Trigger } from '../../shared/contract/archives';
import {
  CONFIGURATION_ENTRY,
  CONFIGURATION_LEFT_OUT,
  ConfigurationManifestV1,
  ServerConfiguration,
} from '../../shared/contract/recovery';
import { JsonTooDeepError, parseBoundedJson } from '../../shared/bounded-json';
import { AppFailure } from '../../shared/result';
import type { AppInfo } from '../app-info';
import { toLocalIso, type Clock } from '../clock';
import { moveIntoPlace, PARTIAL_SUFFIX } from './archive-writer';
import { ARCHIVE_FORMAT, FORMAT_VERSION, MANIFEST_ENTRY } from './manifest';
import type { TargetFs } from './target-fs';
import {
  centralRecord,
  endOfCentralDirectory,
  localHeader,
  METHOD_DEFLATE,
  type ZipEntryRecord,
} from './zip-records';

// The server's configuration as an archive of the backup format family (ARCHITECTURE §6): a ZIP with
// manifest.json (kind "server-configuration") and configuration.json. It is a few kilobytes, so it is
// built in memory and read whole — never more than MAX_CONFIG_ARCHIVE_BYTES — and every byte of it is
// checked like any archive's: entry names, sizes and SHA-256 against the manifest, then both schemas.

/** Far above any real configuration (10,000 repositories are under 2 MB), far below harm. */
export const MAX_CONFIG_ARCHIVE_BYTES = 8 * 1024 * 1024;

export interface ConfigArchive {
  file: string;
  manifest: ConfigurationManifestV1;
  configuration: ServerConfiguration;
}

const invalid = (file: string, why: string) => new AppFailure('INVALID_ARCHIVE', `${file}: ${why}`);

/** A small ZIP built whole in memory, with the same records as every archive (zip-records.ts). */
function zipToBuffer(entries: Array<{ name: string; data: Buffer }>, mtime: Date): Buffer {
  const parts: Buffer[] = [];
  const records: ZipEntryRecord[] = [];
  let offset = 0;
  for (const e of entries) {
    const packed = zlib.deflateRawSync(e.data);
    const record: ZipEntryRecord = {
      name: e.name,
      method: METHOD_DEFLATE,
      mtime,
      mode: 0o100644,
      crc32: zlib.crc32(e.data),
      compressedSize: packed.length,
      uncompressedSize: e.data.length,
      offset,
      streamed: false,
    };
    const header = localHeader(record);
    parts.push(header, packed);
    records.push(record);
    offset += header.length + packed.length;
  }
  const directory = Buffer.concat(records.map(centralRecord));
  return Buffer.concat([
    ...parts,
    directory,
    endOfCentralDirectory(records.length, offset, directory.length),
  ]);
}

/**
 * Writes the configuration archive to `file` through the job's file agent: `*.partial`, fsynced, then
 * linked into place (never over an existing file). Returns its manifest.
 */
export async function writeConfigArchive(
  options: {
    io: TargetFs;
    file: string;
    serverId: string;
    configuration: ServerConfiguration;
    trigger: Trigger;
    startedAt: number;
    clock: Clock;
    appInfo: AppInfo;
  },
  onPublishing?: () => void,
): Promise<{ sizeBytes: number; manifest: ConfigurationManifestV1 }> {
  const { io } = options;
  const data = Buffer.from(JSON.stringify(ServerConfiguration.parse(options.configuration), null, 2) + '\n');
  const manifest: ConfigurationManifestV1 = {
    format: ARCHIVE_FORMAT,
    formatVersion: FORMAT_VERSION,
    kind: 'server-configuration',
    server: { id: options.serverId },
    startedAt: toLocalIso(options.startedAt),
    finishedAt: toLocalIso(options.clock.now()),
    producer: { app: options.appInfo.name, version: options.appInfo.version, host: os.hostname() },
    trigger: options.trigger,
    repositories: options.configuration.repositories,
    leftOut: [...CONFIGURATION_LEFT_OUT],
    entries: [
      {
        name: CONFIGURATION_ENTRY,
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
      },
    ],
  };
  const zipped = zipToBuffer(
    [
      { name: CONFIGURATION_ENTRY, data },
      { name: MANIFEST_ENTRY, data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
    ],
    new Date(options.startedAt),
  );
  const partial = options.file + PARTIAL_SUFFIX;
  const target = await io.open(partial, 'wx');
  try {
    for (let at = 0; at < zipped.length;) at += await target.write(zipped.subarray(at), at);
    await target.fsync();
    await target.close();
    onPublishing?.();
    await moveIntoPlace(io, partial, options.file);
    await io.syncFolder(path.dirname(options.file));
    return { sizeBytes: zipped.length, manifest };
  } catch (error) {
    await target.close().catch(() => {});
    await io.unlink(partial).catch(() => {});
    throw error;
  }
}

async function readWhole(io: TargetFs, file: string): Promise<Buffer> {
  const stat = await io.stat(file);
  if (!stat) throw new AppFailure('NOT_FOUND', `${file} does not exist.`);
  if (stat.size > MAX_CONFIG_ARCHIVE_BYTES)
    throw invalid(file, `it is ${stat.size} bytes; a configuration backup is far smaller.`);
  const handle = await io.open(file, 'r');
  try {
    const parts: Buffer[] = [];
    for (let at = 0; at < stat.size;) {
      const chunk = Buffer.from(await handle.read(at, Math.min(1024 * 1024, stat.size - at)));
      if (chunk.length === 0) break;
      parts.push(chunk);
      at += chunk.length;
    }
    return Buffer.concat(parts);
  } finally {
    await handle.close();
  }
}

/** Every entry of a small ZIP, each at most `limit` bytes expanded (yauzl checks sizes and CRCs). */
async function unzipSmall(file: string, bytes: Buffer, limit: number): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (e, z) =>
      e ? reject(e) : resolve(z),
    ),
  ).catch((error: Error) => Promise.reject(invalid(file, `not a readable ZIP file (${error.message}).`)));
  const out = new Map<string, Buffer>();
  try {
    if (zip.entryCount > 4) throw invalid(file, `${zip.entryCount} entries; a configuration backup has 2.`);
    for await (const entry of zip.eachEntry()) {
      if (out.has(entry.fileName)) throw invalid(file, `the entry ${entry.fileName} appears twice.`);
      if (entry.uncompressedSize > limit) throw invalid(file, `the entry ${entry.fileName} is too large.`);
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw invalid(file, `the entry ${entry.fileName} expands beyond its size.`);
        chunks.push(chunk);
      }
      out.set(entry.fileName, Buffer.concat(chunks));
    }
  } catch (error) {
    if (error instanceof AppFailure) throw error;
    throw invalid(file, `a damaged entry (${(error as Error).message}).`);
  } finally {
    zip.close();
  }
  return out;
}

/** The manifest of a configuration archive, or why it is not one. */
export function parseConfigurationManifest(file: string, text: string): ConfigurationManifestV1 {
  let raw: unknown;
  try {
    raw = parseBoundedJson(text);
  } catch (error) {
    throw invalid(
      file,
      error instanceof JsonTooDeepError
        ? `its manifest.json is ${error.message}: not a manifest of ours.`
        : 'its manifest.json is not valid JSON.',
    );
  }
  const parsed = ConfigurationManifestV1.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      file,
      `not a configuration backup: ${issue?.path.join('.') || 'manifest'}: ${issue?.message}.`,
    );
  }
  return parsed.data;
}

/** Reads and checks a configuration archive through the file agent; throws INVALID_ARCHIVE naming the problem. */
export async function readConfigArchive(io: TargetFs, file: string): Promise<ConfigArchive> {
  const entries = await unzipSmall(file, await readWhole(io, file), MAX_CONFIG_ARCHIVE_BYTES);
  const manifestBytes = entries.get(MANIFEST_ENTRY);
  if (!manifestBytes) throw invalid(file, `no ${MANIFEST_ENTRY}; not a Repository Server backup.`);
  const manifest = parseConfigurationManifest(file, manifestBytes.toString('utf8'));
  const names = [...entries.keys()].filter((n) => n !== MANIFEST_ENTRY);
  if (
    names.length !== manifest.entries.length ||
    names.some((n) => !manifest.entries.some((e) => e.name === n))
  )
    throw invalid(file, 'its entries are not the ones its manifest lists.');
  for (const listed of manifest.entries) {
    const data = entries.get(listed.name)!;
    if (data.length !== listed.size || createHash('sha256').update(data).digest('hex') !== listed.sha256)
      throw invalid(file, `${listed.name} does not match its size and SHA-256 in the manifest.`);
  }
  const data = entries.get(CONFIGURATION_ENTRY);
  if (!data) throw invalid(file, `no ${CONFIGURATION_ENTRY}.`);
  let raw: unknown;
  try {
    raw = parseBoundedJson(data.toString('utf8'));
  } catch (error) {
    throw invalid(
      file,
      error instanceof JsonTooDeepError
        ? `${CONFIGURATION_ENTRY} is ${error.message}: not a configuration of ours.`
        : `${CONFIGURATION_ENTRY} is not valid JSON.`,
    );
  }
  const configuration = ServerConfiguration.safeParse(raw);
  if (!configuration.success) {
    const issue = configuration.error.issues[0];
    throw invalid(
      file,
      `${CONFIGURATION_ENTRY} is damaged: ${issue?.path.join('.') || 'configuration'}: ${issue?.message}.`,
    );
  }
  return { file, manifest, configuration: configuration.data };
}
