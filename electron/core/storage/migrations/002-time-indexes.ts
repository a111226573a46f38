import type { Migration } from './runner';

/**
 * Indexes on the write times, so a repository's "last modified" (every summary the Control Panel gets,
 * after each client's connect or disconnect and every 2 s of writes) is one index lookup. Without them
 * max(updated_at) reads every row, and a row's columns after `content` are reached only through its
 * overflow pages: 40 items of 15 MiB made each summary read 600 MiB on the main thread, for seconds
 * under load, while handshakes and /health waited.
 */
export const timeIndexes: Migration = {
  version: 2,
  name: '002-time-indexes',
  up(db) {
    db.exec(`
      CREATE INDEX items_by_updated_at ON items (updated_at);
      CREATE INDEX revisions_by_replaced_at ON revisions (replaced_at);
    `);
  },
};
