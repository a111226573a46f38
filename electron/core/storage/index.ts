export { RepositoryStore, type StoredRepositorySummary } from './repository-store';
export {
  Repository,
  type Item,
  type ItemSummary,
  type PutInput,
  type Encoding,
  type RepositoryOps,
  type Settled,
} from './repository';
export { ServerDb, type AuditEntry } from './server-db';
export { openDatabase, BUSY_TIMEOUT_MS } from './open-database';
export { migrate, CURRENT_SCHEMA_VERSION, repositoryMigrations, schemaVersionOf } from './migrations';
export { runMigrations, type Migration } from './migrations/runner';
export { ItemPath, ItemKind } from './item-rules';
