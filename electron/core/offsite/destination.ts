// Where offsite copies go, as a small interface: the SFTP server today (sftp-destination.ts), an
// S3-compatible store next, without touching the pipeline, the queue or retention. Everything is named
// inside one remote folder by a plain file name (no paths, so a name can never climb out of it).

export interface RemoteEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  size: number;
  /** Seconds precision on SFTP; what retention compares to notice a file that changed. */
  mtimeMs: number;
}

export type CheckedBy = 'remote-command' | 'read-back';

export interface RemoteDigest {
  size: number;
  sha256: string;
  /** Whether the server computed it (`sha256sum`) or we read the file back and hashed it here. */
  by: CheckedBy;
}

export interface PutProgress {
  /** Bytes of the file now on the remote (including what an earlier attempt left there). */
  bytesDone: number;
  bytesTotal: number;
}

export interface PutSource {
  size: number;
  /** Reads `length` bytes at `position` of the local file (through the file agent). */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** One open connection; every call runs under the destination's no-progress deadline. */
export interface OffsiteSession {
  /** The files of the remote folder. */
  list(): Promise<RemoteEntry[]>;
  stat(name: string): Promise<RemoteEntry | null>;
  /**
   * Writes `source` under `tempName` (never a final name), starting at `offset`: what an interrupted
   * attempt left is kept and continued (resume). The file is flushed to the server's disk before this
   * resolves. `onAcknowledged(n)`: the first n bytes are acknowledged by the server (a safe resume point).
   */
  put(
    tempName: string,
    source: PutSource,
    offset: number,
    onProgress: (progress: PutProgress & { acknowledged: number }) => void,
  ): Promise<void>;
  /** Renames atomically; refuses (CONFLICT) rather than replace a file that exists under `finalName`. */
  publish(tempName: string, finalName: string): Promise<void>;
  /** Bytes [start, start + length) of a remote file. */
  getRange(name: string, start: number, length: number): Promise<Uint8Array>;
  /** Size and SHA-256 of a remote file, by the server's command where allowed, else by reading it back. */
  digest(name: string, onBytes?: (done: number) => void): Promise<RemoteDigest>;
  /** true when it removed a file, false when there was none. */
  remove(name: string): Promise<boolean>;
  /** Free bytes in the remote folder, when the server says (null when it cannot). */
  freeBytes(): Promise<number | null>;
  close(): void;
}

export interface OffsiteDestination {
  /** How people see it: sftp://user@host:port/folder. */
  readonly label: string;
  /** Connects (and checks the host key); the remote folder is created when missing. */
  open(signal: AbortSignal): Promise<OffsiteSession>;
}

/** Names we write or delete on a remote: plain file names, no separators, no dot names. */
export const isPlainName = (name: string) =>
  name.length > 0 &&
  name.length <= 255 &&
  name !== '.' &&
  name !== '..' &&
  !/[/\\]/.test(name) &&
  // eslint-disable-next-line no-control-regex
  !/[\u0000-\u001f\u007f]/.test(name);
