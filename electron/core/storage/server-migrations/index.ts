import type { Migration } from '../migrations/runner';
import { audit } from './001-audit';

/** Every server.sqlite schema step, in order. Append one line per new migration file. */
export const serverMigrations: Migration[] = [audit];
