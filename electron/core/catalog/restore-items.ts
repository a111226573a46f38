import path from 'node:path';
import { RepositoryName } from '../../shared/repository-name';
import { AppFailure } from '../../shared/result';
import { shownText } from '../../shared/shown-text';
import type { Item } from '../storage/repository';
import type { RepositoryStore } from '../storage/repository-store';
import type { ArchiveSnapshot } from './archive-snapshot';

// Single-item restore (ARCHITECTURE §6): items of one backup written into the live repository as a NEW
// version of each (the current one goes to its revisions, as any write; a client still holding the old
// version gets CONFLICT from the usual version check), or into a new repository. Nothing is replaced in
// place and nothing is lost, so no safety backup is needed. The items come from the rebuilt snapshot:
// each already passed the client protocol's rules, and every write checks them again.

/** Items written per transaction: a large prefix does not hold the server's thread in one piece. */
const BATCH_ITEMS = 200;
const BATCH_BYTES = 32 * 1024 * 1024;

export interface RestoreItemsRequest {
  /** Exact paths of the backup; with `prefix`, every item under it too. */
  paths: string[];
  prefix?: string;
  /** The live repository to restore into, or (with `create`) the name of a new one. */
  into: string;
  create: boolean;
}

export interface RestoredItem {
  path: string;
  /** The version the item had in the backup. */
  backupVersion: number;
  /** Its new version in the repository; null when the repository already held the same content. */
  newVersion: number | null;
}

export interface RestoreItemsResult {
  repository: string;
  created: boolean;
  restored: RestoredItem[];
}

const sameContent = (a: Item, b: Item) =>
  a.kind === b.kind &&
  (typeof a.content === 'string' || typeof b.content === 'string'
    ? a.content === b.content
    : Buffer.from(a.content).equals(Buffer.from(b.content)));

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The backup's items a request names: every path must be in it, and something must be chosen. */
export function selectItems(
  snapshot: ArchiveSnapshot,
  request: Pick<RestoreItemsRequest, 'paths' | 'prefix'>,
): Item[] {
  const chosen = new Map<string, Item>();
  for (const p of request.paths) {
    const item = snapshot.item(p);
    if (!item)
      throw new AppFailure(
        'NOT_FOUND',
        `"${shownText(p)}" is not in the backup ${path.basename(snapshot.file)}; nothing was restored.`,
      );
    chosen.set(p, item);
  }
  if (request.prefix) {
    for (const summary of snapshot.items({ prefix: request.prefix })) {
      if (!chosen.has(summary.path)) chosen.set(summary.path, snapshot.item(summary.path)!);
    }
    if (chosen.size === 0)
      throw new AppFailure(
        'NOT_FOUND',
        `No item of the backup starts with "${shownText(request.prefix)}"; nothing was restored.`,
      );
  }
  if (chosen.size === 0) throw new AppFailure('INVALID_ARGUMENT', 'Choose at least one item to restore.');
  return [...chosen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function restoreItems(
  store: RepositoryStore,
  snapshot: ArchiveSnapshot,
  request: RestoreItemsRequest,
): Promise<RestoreItemsResult> {
  const items = selectItems(snapshot, request);
  let name: string;
  if (request.create) {
    const parsed = RepositoryName.safeParse(request.into);
    if (!parsed.success)
      throw new AppFailure(
        'INVALID_ARGUMENT',
        `"${shownText(request.into)}" cannot be a repository name: ${parsed.error.issues[0]?.message}`,
      );
    const existing = store.resolve(parsed.data);
    if (existing)
      throw new AppFailure(
        'ALREADY_EXISTS',
        `A repository named "${existing}" already exists; choose another name.`,
      );
    name = store.create(parsed.data).name;
  } else {
    const existing = store.resolve(request.into);
    if (!existing)
      throw new AppFailure('NOT_FOUND', `There is no repository named "${shownText(request.into)}".`);
    name = existing;
  }
  const repository = store.open(name);
  const by = `restore from ${path.basename(snapshot.file)}`.slice(0, 200);
  const restored: RestoredItem[] = [];
  let batch: Array<{ item: Item }> = [];
  let bytes = 0;
  const flush = () => {
    const written = repository.putAll(
      batch.map(({ item }) => ({ path: item.path, kind: item.kind, content: item.content, updatedBy: by })),
    );
    batch.forEach(({ item }, i) =>
      restored.push({ path: item.path, backupVersion: item.version, newVersion: written[i]!.version }),
    );
    batch = [];
    bytes = 0;
  };
  for (const item of items) {
    const live = repository.get(item.path);
    if (live && sameContent(live, item)) {
      restored.push({ path: item.path, backupVersion: item.version, newVersion: null });
      continue;
    }
    batch.push({ item });
    bytes += typeof item.content === 'string' ? Buffer.byteLength(item.content) : item.content.length;
    if (batch.length >= BATCH_ITEMS || bytes >= BATCH_BYTES) {
      flush();
      await yieldToEventLoop();
    }
  }
  if (batch.length) flush();
  restored.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { repository: name, created: request.create, restored };
}
