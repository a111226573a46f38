import path from 'node:path';
import { applyRetention, type RetentionResult } from '../backup/retention';
import type { CopyQueue } from './copy-queue';
import type { OffsiteSession } from './destination';

// Remote retention keeps the newest N checked copies of a repository on the offsite server, by the same
// rules as local retention (backup/retention.ts, which decides): never after a failed copy (the uploader
// runs it only right after a copy was checked), never the last good copy, never a file it did not
// write. "Ours" is stricter than locally: the file must be in the ledger as copied and checked to this
// destination, with the size it had then — a manifest can be copied by anyone, the ledger cannot.

export interface RemoteRetentionInput {
  session: OffsiteSession;
  queue: CopyQueue;
  destination: string;
  repository: { name: string; id: string };
  keepLast: number;
}

export interface RemoteRetentionResult extends RetentionResult {
  /** Ledger copies no longer on the server (someone removed them). */
  missing: string[];
}

export async function applyRemoteRetention(input: RemoteRetentionInput): Promise<RemoteRetentionResult> {
  const { session, queue, destination, repository, keepLast } = input;
  const entries = await session.list();
  const present = new Map(entries.filter((e) => e.type === 'file').map((e) => [e.name, e]));
  const ledger = new Map(
    queue
      .copiedOf(repository.id, destination)
      .filter((row) => row.remoteName !== null)
      .map((row) => [row.remoteName!, row]),
  );
  const missing: string[] = [];
  for (const [name, row] of ledger) {
    if (present.has(name)) continue;
    queue.gone(row.id, 'missing');
    missing.push(name);
  }
  const ours = (file: string) => {
    const name = path.basename(file);
    const row = ledger.get(name);
    const entry = present.get(name);
    return row && entry && entry.size === row.sizeBytes ? { row, entry } : null;
  };
  const result = await applyRetention({
    folder: '.',
    repository,
    keepLast,
    io: {
      readdir: async () => entries.map((e) => ({ name: e.name, type: e.type })),
      unlink: async (file) => {
        const found = ours(file);
        // applyRetention deletes only what readManifest vouched for; this is the second lock.
        if (!found) throw new Error(`${path.basename(file)} is not a copy this server made.`);
        const removed = await session.remove(found.row.remoteName!);
        queue.gone(found.row.id, 'removed');
        return removed;
      },
    },
    inspector: {
      readManifest: async (file) => {
        const found = ours(file);
        return found
          ? {
              repository: { name: repository.name, id: found.row.repositoryId },
              startedAt: found.row.archiveStartedAt,
            }
          : null;
      },
      // Unchanged since it was checked (same size and time): good. Changed: check its bytes again.
      verify: async (file) => {
        const found = ours(file);
        if (!found) return false;
        if (found.row.remoteMtime !== null && found.entry.mtimeMs === found.row.remoteMtime) return true;
        const digest = await session.digest(found.row.remoteName!);
        return digest.size === found.row.sizeBytes && digest.sha256 === found.row.sha256;
      },
    },
  });
  return { ...result, missing };
}
