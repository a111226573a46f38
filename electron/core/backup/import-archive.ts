import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ConflictPolicy } from '../../shared/contract/archives';
import { nameWithSuffix, RepositoryName, sameRepositoryName } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import type { ClientsControl } from '../clients-control';
import type { Repository } from '../storage/repository';
import type { RepositoryStore } from '../storage/repository-store';
import { openArchive, type OpenedArchive } from './archive-reader';
import type { JobContext } from './jobs';
import { SNAPSHOT_ENTRY } from './manifest';
import type { TargetFs } from './target-fs';
import { makeTempFolder } from './temp-area';
import { rebuildUntrustedSnapshot } from './untrusted-snapshot';
import { verifyOpenedArchive } from './verify-archive';

export interface ImportDeps {
  dataDir: string;
  store: RepositoryStore;
  clients?: ClientsControl | null;
  /** Reads the archive (a user-chosen path) through this file agent, under its deadline. */
  io?: TargetFs;
  /** Writes a safety backup (trigger pre-restore) of the repository; returns the archive's path. */
  safetyBackup(repository: string, job: Pick<JobContext, 'signal' | 'progress'>): Promise<string>;
}

export interface ImportRequest {
  file: string;
  targetName?: string;
  onConflict: ConflictPolicy;
  includeHistory: boolean;
}

export interface ImportResult {
  restoredAs: string;
  /** What happened to an existing repository of that name. */
  action: 'created' | 'renamed' | 'merged' | 'replaced';
  safetyBackup: string | null;
}

type Job = Pick<JobContext, 'signal' | 'progress'>;

const MERGE_BATCH = 200;

function validTarget(name: string): string {
  const parsed = RepositoryName.safeParse(name);
  if (!parsed.success) {
    throw new AppFailure(
      'INVALID_ARGUMENT',
      `"${name}" cannot be a repository name: ${parsed.error.issues[0]?.message} Choose another name.`,
    );
  }
  return parsed.data;
}

/** `<name>-Restore1`, `-Restore2`, …: the first that is free. */
export function restoreName(store: RepositoryStore, name: string): string {
  for (let n = 1; ; n++) {
    const candidate = nameWithSuffix(name, `-Restore${n}`);
    if (!store.resolve(candidate)) return candidate;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Restores one archive under a conflict policy (ARCHITECTURE §6). Nothing is written anywhere but a
 * temp folder inside the data dir until the archive is fully verified; replace swaps the new database
 * in atomically; merge and replace first write a safety backup of the repository they change.
 */
export async function importArchive(
  deps: ImportDeps,
  request: ImportRequest,
  job: Job,
): Promise<ImportResult> {
  job.progress({ phase: 'verifying' });
  const archive = await openArchive(request.file, deps.io);
  const temp = makeTempFolder(deps.dataDir, 'import');
  try {
    const name = validTarget(request.targetName ?? archive.manifest.repository.name);
    const existing = deps.store.resolve(name);
    if (existing && request.onConflict === 'fail') {
      throw new AppFailure(
        'ALREADY_EXISTS',
        `A repository named "${existing}" already exists. Choose another name, or rename, merge or replace.`,
      );
    }
    const extracted = temp.file(SNAPSHOT_ENTRY);
    await extractAndCheck(deps, archive, extracted, job);
    // Checksums prove the file is the one its manifest describes, not that it is sane: only its checked
    // rows, in a database of our own schema, are restored.
    const snapshot = temp.file('rebuilt.sqlite');
    const replacing = existing && request.onConflict === 'replace' ? existing : null;
    await rebuildUntrustedSnapshot(extracted, snapshot, {
      includeHistory: request.includeHistory,
      label: request.file,
      signal: job.signal,
      uniqueId: (id) => (idTaken(deps.store, id, replacing) ? randomUUID() : id),
    });

    if (!existing || request.onConflict === 'rename') {
      const target = existing ? restoreName(deps.store, name) : name;
      if (job.signal.aborted) throw new AppFailure('CANCELLED', 'Cancelled; nothing was restored.');
      job.progress({ phase: 'restoring' });
      giveUniqueId(deps.store, snapshot, null);
      deps.store.install(target, snapshot);
      return { restoredAs: target, action: existing ? 'renamed' : 'created', safetyBackup: null };
    }

    // Clients are held off from before the safety backup until the restore ends: one notice, one
    // disconnect, and no write acknowledged in between that the safety backup would miss.
    const reason = `"${existing}" is being restored from a backup; connect again when it is done.`;
    const release = deps.clients?.hold(existing, reason);
    try {
      if (deps.clients) {
        deps.clients.notify(existing, { kind: 'restore', message: reason });
        await deps.clients.disconnectAll(existing, reason);
      }
      job.progress({ phase: 'safety-backup' });
      const safetyBackup = await deps.safetyBackup(existing, job);
      if (job.signal.aborted) throw new AppFailure('CANCELLED', 'Cancelled; the repository was not changed.');
      job.progress({ phase: 'restoring' });
      if (request.onConflict === 'replace') {
        giveUniqueId(deps.store, snapshot, existing);
        deps.store.install(existing, snapshot);
        return { restoredAs: existing, action: 'replaced', safetyBackup };
      }
      await mergeInto(deps.store.open(existing), snapshot, request.includeHistory, job);
      return { restoredAs: existing, action: 'merged', safetyBackup };
    } finally {
      release?.();
    }
  } finally {
    archive.close();
    await temp.remove();
  }
}

async function extractAndCheck(
  deps: ImportDeps,
  archive: OpenedArchive,
  snapshot: string,
  job: Job,
): Promise<void> {
  await verifyOpenedArchive(archive, {
    dataDir: deps.dataDir,
    extractTo: snapshot,
    signal: job.signal,
    onBytes: (done, total) => job.progress({ bytesDone: done, bytesTotal: total }),
  });
}

/** Whether another repository than the one being replaced has this id. */
const idTaken = (store: RepositoryStore, id: string, replacing: string | null) =>
  store
    .identities()
    .some((r) => r.id === id && !(replacing !== null && sameRepositoryName(r.name, replacing)));

/**
 * Two repositories must never share an id (it names them in manifests): a copy beside its original got a
 * new one in the rebuild. Checked again just before the install, in the same turn of the event loop: a
 * repository installed meanwhile with the same id makes this write it, synced here (rare).
 */
function giveUniqueId(store: RepositoryStore, snapshot: string, replacing: string | null): void {
  const db = new DatabaseSync(snapshot);
  try {
    const id = (db.prepare("SELECT value FROM meta WHERE key = 'id'").get() as { value: string }).value;
    if (idTaken(store, id, replacing))
      db.prepare("UPDATE meta SET value = ? WHERE key = 'id'").run(randomUUID());
  } finally {
    db.close();
  }
}

interface ItemRow {
  path: string;
  kind: string;
  content: string | Uint8Array;
  updated_by: string;
}

const sameContent = (a: string | Uint8Array, b: string | Uint8Array) =>
  typeof a === 'string' || typeof b === 'string' ? a === b : Buffer.from(a).equals(Buffer.from(b));

/**
 * Merge: each item of the backup is created, or overwrites the item with the same path (whose version
 * becomes a revision, as any write does); other items stay. With history, the backup's revisions that
 * the repository lacks are added. Works in batches so clients of other repositories are not held up.
 */
async function mergeInto(
  repository: Repository,
  snapshot: string,
  includeHistory: boolean,
  job: Job,
): Promise<void> {
  const source = new DatabaseSync(snapshot, { readOnly: true });
  try {
    const total = (source.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
    let done = 0;
    let lastPath = '';
    const page = source.prepare(
      'SELECT path, kind, content, updated_by FROM items WHERE path > ? ORDER BY path LIMIT ?',
    );
    for (;;) {
      const rows = page.all(lastPath, MERGE_BATCH) as unknown as ItemRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const current = repository.get(row.path);
        if (!current || current.kind !== row.kind || !sameContent(current.content, row.content)) {
          repository.put({ path: row.path, kind: row.kind, content: row.content, updatedBy: row.updated_by });
        }
      }
      lastPath = rows.at(-1)!.path;
      done += rows.length;
      job.progress({ bytesDone: done, bytesTotal: total });
      if (job.signal.aborted)
        throw new AppFailure(
          'CANCELLED',
          'Cancelled midway; the safety backup holds the repository as it was.',
        );
      await yieldToEventLoop();
    }
    if (includeHistory) {
      const attachName = `merge_${randomUUID().replaceAll('-', '')}`;
      repository.db.prepare(`ATTACH DATABASE ? AS ${attachName}`).run(path.resolve(snapshot));
      try {
        repository.db.exec(`
          INSERT INTO revisions (path, kind, content, encoding, version, updated_at, updated_by, replaced_at, deleted)
          SELECT s.path, s.kind, s.content, s.encoding, s.version, s.updated_at, s.updated_by, s.replaced_at, s.deleted
          FROM ${attachName}.revisions AS s
          WHERE NOT EXISTS (SELECT 1 FROM revisions AS r
                            WHERE r.path = s.path AND r.version = s.version AND r.updated_at = s.updated_at)
          ORDER BY s.id`);
      } finally {
        repository.db.exec(`DETACH DATABASE ${attachName}`);
      }
    }
  } finally {
    source.close();
  }
}
