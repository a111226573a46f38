import { z } from 'zod';
import { KnownRepositoryName, RepositoryName } from '../repository-name';
import { event, method } from './define';
import { NumberedStream, numberedChange } from './numbered';

export const RepositorySummary = z.object({
  name: z.string(),
  /** Stable id (UUID) kept across renames and written into backup manifests. */
  id: z.string(),
  /** Database file plus its WAL, in bytes. */
  sizeBytes: z.number().int().nonnegative(),
  itemCount: z.number().int().nonnegative(),
  revisionCount: z.number().int().nonnegative(),
  /** ISO 8601 of the last item write; null when empty. */
  lastModified: z.string().nullable(),
  createdAt: z.string(),
  connectedClients: z.number().int().nonnegative(),
});
export type RepositorySummary = z.infer<typeof RepositorySummary>;

/** Every repository, with the last repositoriesChanged it includes (shared/contract/numbered.ts). */
export const RepositoryList = z.object({
  ...NumberedStream,
  repositories: z.array(RepositorySummary),
});
export type RepositoryList = z.infer<typeof RepositoryList>;

/**
 * What changed since the announcement before (seq - 1): rows added or changed (whole summaries), names
 * removed, and, when the set of names changed, every name in the list's order.
 */
export const RepositoriesChange = numberedChange(RepositorySummary);
export type RepositoriesChange = z.infer<typeof RepositoriesChange>;

export const repositoryMethods = {
  listRepositories: method(z.object({}).strict().optional(), z.array(RepositorySummary), 'Every repository.'),
  followRepositories: method(
    z.object({}).strict().optional(),
    RepositoryList,
    'Every repository, with the last repositoriesChanged the list includes (the changes to apply after it).',
  ),
  createRepository: method(
    z.object({ name: RepositoryName }),
    RepositorySummary,
    'Create an empty repository.',
  ),
  renameRepository: method(
    z.object({ name: KnownRepositoryName, newName: RepositoryName }),
    RepositorySummary,
    'Rename a repository; refused while clients are connected to it.',
  ),
  deleteRepository: method(
    z.object({ name: KnownRepositoryName, force: z.boolean().default(false) }),
    z.null(),
    'Delete a repository; refused (BUSY) while clients are connected unless force is set.',
  ),
};

export const repositoryEvents = {
  repositoriesChanged: event(
    RepositoriesChange,
    'Repositories were added, changed or removed: only those, numbered in order (followRepositories).',
  ),
};
