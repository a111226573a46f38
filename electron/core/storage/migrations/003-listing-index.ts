import type { Migration } from './runner';

/**
 * A covering index for a list (path, kind, version, times, author and the content's size): a list of
 * a repository answers from it without reading the items. The columns after `content` in a row are
 * reached only through its overflow pages, so a list of 100 items of 2 MB read all 200 MB (82 ms; 3 ms
 * from this index, `npm run bench:list`). The size is the expression Repository.list selects, as
 * written there (an index on an expression covers only the same expression); not octet_length, which
 * the sqlite3 of Debian 12 lacks, and an archive's snapshot must open in an administrator's tools.
 * Built once here, from one read of every item.
 */
export const listingIndex: Migration = {
  version: 3,
  name: '003-listing-index',
  up(db) {
    db.exec(
      'CREATE INDEX items_listing ON items (path, kind, version, updated_at, updated_by, length(CAST(content AS BLOB)))',
    );
  },
};
