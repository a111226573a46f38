// The ZIP records an archive is made of (APPNOTE 6.3), laid out as yazl laid them out before the
// snapshot was compressed in parallel (archive-writer.ts), so archives read the same everywhere:
// - a streamed entry (the snapshot): general purpose bit 3, zeros in the local header, CRC and sizes in
//   a data descriptor after the data (24 bytes with 8-byte sizes when ZIP64 is needed);
// - a buffered entry (the manifest): CRC and sizes in the local header, no descriptor;
// - the central directory with Info-ZIP's "UT" modification time and, where a size or an offset does
//   not fit in 32 bits, the ZIP64 extended information; ZIP64 end records only when needed.

const FILE_NAME_IS_UTF8 = 1 << 11;
const SIZES_IN_DESCRIPTOR = 1 << 3;
const VERSION_NEEDED_UTF8 = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** 3 = Unix, 63 = APPNOTE 6.3. */
const VERSION_MADE_BY = (3 << 8) | 63;
const MAX_32 = 0xfffffffe;

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;

export interface ZipEntryRecord {
  name: string;
  method: number;
  mtime: Date;
  /** Unix mode, e.g. 0o100644. */
  mode: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's local header starts. */
  offset: number;
  /** The sizes follow the data (streamed) rather than sit in the local header. */
  streamed: boolean;
  /** Tests: ZIP64 records even for small entries. */
  forceZip64?: boolean;
}

function writeUInt64LE(buffer: Buffer, n: number, at: number): void {
  buffer.writeUInt32LE(n % 0x100000000, at);
  buffer.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
}

/** DOS date and time, in local time as the DOS format means, clamped to what it can say. */
function dosDateTime(date: Date): { date: number; time: number } {
  const min = new Date(1980, 0, 1);
  const max = new Date(2107, 11, 31, 23, 59, 58);
  const d = date < min ? min : date > max ? max : date;
  return {
    date: d.getDate() | ((d.getMonth() + 1) << 5) | ((d.getFullYear() - 1980) << 9),
    time: Math.floor(d.getSeconds() / 2) | (d.getMinutes() << 5) | (d.getHours() << 11),
  };
}

const flags = (entry: ZipEntryRecord) => FILE_NAME_IS_UTF8 | (entry.streamed ? SIZES_IN_DESCRIPTOR : 0);

export const needsZip64 = (entry: ZipEntryRecord) =>
  !!entry.forceZip64 ||
  entry.uncompressedSize > MAX_32 ||
  entry.compressedSize > MAX_32 ||
  entry.offset > MAX_32;

/** The local file header; a streamed entry's CRC and sizes are zero here (they follow the data). */
export function localHeader(entry: ZipEntryRecord): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  const header = Buffer.alloc(30);
  const { date, time } = dosDateTime(entry.mtime);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(VERSION_NEEDED_UTF8, 4);
  header.writeUInt16LE(flags(entry), 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  if (!entry.streamed) {
    header.writeUInt32LE(entry.crc32, 14);
    header.writeUInt32LE(entry.compressedSize, 18);
    header.writeUInt32LE(entry.uncompressedSize, 22);
  }
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

/** The data descriptor after a streamed entry's data (with its optional signature, which readers expect). */
export function dataDescriptor(entry: ZipEntryRecord): Buffer {
  const zip64 = needsZip64(entry);
  const buffer = Buffer.alloc(zip64 ? 24 : 16);
  buffer.writeUInt32LE(0x08074b50, 0);
  buffer.writeUInt32LE(entry.crc32, 4);
  if (zip64) {
    writeUInt64LE(buffer, entry.compressedSize, 8);
    writeUInt64LE(buffer, entry.uncompressedSize, 16);
  } else {
    buffer.writeUInt32LE(entry.compressedSize, 8);
    buffer.writeUInt32LE(entry.uncompressedSize, 12);
  }
  return buffer;
}

export function centralRecord(entry: ZipEntryRecord): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  const zip64 = needsZip64(entry);
  // Info-ZIP's "UT" field: modification time in UTC (flags say mtime and atime, as Info-ZIP writes it).
  const ut = Buffer.alloc(9);
  ut.writeUInt16LE(0x5455, 0);
  ut.writeUInt16LE(5, 2);
  ut.writeUInt8(0b11, 4);
  ut.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(entry.mtime.getTime() / 1000))), 5);
  let extra = ut;
  if (zip64) {
    const z = Buffer.alloc(28);
    z.writeUInt16LE(0x0001, 0);
    z.writeUInt16LE(24, 2);
    writeUInt64LE(z, entry.uncompressedSize, 4);
    writeUInt64LE(z, entry.compressedSize, 12);
    writeUInt64LE(z, entry.offset, 20);
    extra = Buffer.concat([ut, z]);
  }
  const record = Buffer.alloc(46);
  const { date, time } = dosDateTime(entry.mtime);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(VERSION_MADE_BY, 4);
  record.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED_UTF8, 6);
  record.writeUInt16LE(flags(entry), 8);
  record.writeUInt16LE(entry.method, 10);
  record.writeUInt16LE(time, 12);
  record.writeUInt16LE(date, 14);
  record.writeUInt32LE(entry.crc32, 16);
  record.writeUInt32LE(zip64 ? 0xffffffff : entry.compressedSize, 20);
  record.writeUInt32LE(zip64 ? 0xffffffff : entry.uncompressedSize, 24);
  record.writeUInt16LE(name.length, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt32LE((entry.mode << 16) >>> 0, 38);
  record.writeUInt32LE(zip64 ? 0xffffffff : entry.offset, 42);
  return Buffer.concat([record, name, extra]);
}

/** The end of the central directory, preceded by the ZIP64 end record and locator when needed. */
export function endOfCentralDirectory(
  entries: number,
  directoryOffset: number,
  directorySize: number,
  forceZip64 = false,
): Buffer {
  // Only the fields that do not fit say "see the ZIP64 record".
  const manyEntries = forceZip64 || entries >= 0xffff;
  const bigDirectory = forceZip64 || directorySize >= 0xffffffff;
  const farDirectory = forceZip64 || directoryOffset >= 0xffffffff;
  const zip64 = manyEntries || bigDirectory || farDirectory;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(manyEntries ? 0xffff : entries, 8);
  end.writeUInt16LE(manyEntries ? 0xffff : entries, 10);
  end.writeUInt32LE(bigDirectory ? 0xffffffff : directorySize, 12);
  end.writeUInt32LE(farDirectory ? 0xffffffff : directoryOffset, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  writeUInt64LE(record, 56 - 12, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
  writeUInt64LE(record, entries, 24);
  writeUInt64LE(record, entries, 32);
  writeUInt64LE(record, directorySize, 40);
  writeUInt64LE(record, directoryOffset, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  writeUInt64LE(locator, directoryOffset + directorySize, 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}
