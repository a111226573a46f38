import { Worker } from 'node:worker_threads';
import { AppFailure } from '../../shared/result';

// Whole-file SQLite work on a snapshot copy (integrity check, VACUUM) takes seconds on a large
// repository and cannot yield; it runs in a worker thread so the main thread keeps serving clients.
// The worker is plain JavaScript in a string: it then runs the same from sources, tests and bundles.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { createHash } = require('node:crypto');
const { task, file, digest } = workerData;
// The items' content digest (ARCHITECTURE §5): every item's path, kind, encoding, version, time, author and
// content, in path order, one row at a time. Each content is hashed as SQLite handed it over (no copy),
// and the dead values are collected every few MB: V8 collects dead buffers only once ~64 MB of them
// piled up, which alone was the whole memory budget of a restore (the note of #17 has the figures).
const collect = (() => {
  try {
    require('node:v8').setFlagsFromString('--expose-gc');
    return require('node:vm').runInNewContext('gc');
  } catch {
    return () => {};
  }
})();
const COLLECT_EVERY = 4 * 1024 * 1024;
function contentDigest(db) {
  const hash = createHash('sha256');
  const rows = db.prepare(
    'SELECT path, kind, encoding, version, updated_at, updated_by, content FROM items ORDER BY path',
  ).iterate();
  let read = 0;
  for (const r of rows) {
    const text = typeof r.content === 'string';
    const length = text ? Buffer.byteLength(r.content, 'utf8') : r.content.length;
    hash.update(JSON.stringify([r.path, r.kind, r.encoding, r.version, r.updated_at, r.updated_by, length]) + '\\n');
    hash.update(r.content, text ? 'utf8' : undefined);
    read += length;
    if (read >= COLLECT_EVERY) {
      read = 0;
      collect();
    }
  }
  return hash.digest('hex');
}
let db;
try {
  db = new DatabaseSync(file, { readOnly: task === 'integrity' });
  const result = {};
  if (task === 'finish' || task === 'strip-history') {
    // A copy of a WAL database is flagged WAL; an archive's snapshot is one self-contained file.
    db.exec('PRAGMA journal_mode = DELETE');
  }
  if (task === 'strip-history') {
    db.exec('DELETE FROM revisions');
    db.exec('VACUUM');
  }
  if (task === 'integrity') {
    const rows = db.prepare('PRAGMA integrity_check(20)').all();
    result.problems = rows.map((r) => String(Object.values(r)[0])).filter((m) => m !== 'ok');
  }
  const count = (table) => db.prepare('SELECT count(*) AS n FROM ' + table).get().n;
  const has = (table) => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  result.schemaVersion = db.prepare('PRAGMA user_version').get().user_version;
  result.items = has('items') ? count('items') : null;
  result.revisions = has('revisions') ? count('revisions') : null;
  result.id = has('meta') ? (db.prepare("SELECT value FROM meta WHERE key = 'id'").get() || {}).value ?? null : null;
  if (digest && result.items !== null) result.contentSha256 = contentDigest(db);
  db.close();
  parentPort.postMessage({ ok: true, result });
} catch (error) {
  try { db && db.close(); } catch {}
  parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
}
`;

export interface SnapshotFacts {
  schemaVersion: number;
  items: number | null;
  revisions: number | null;
  id: string | null;
  /** The items' content digest (manifest contentSha256), when it was asked for. */
  contentSha256?: string;
  /** Only for the integrity task: what SQLite found wrong (empty when sound). */
  problems?: string[];
}

type Task = 'finish' | 'integrity' | 'strip-history';

function run(task: Task, file: string, digest = false): Promise<SnapshotFacts> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { task, file, digest } });
    worker.once('message', (m: { ok: true; result: SnapshotFacts } | { ok: false; message: string }) => {
      if (m.ok) resolve(m.result);
      else reject(new AppFailure('INVALID_ARCHIVE', m.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new AppFailure('INTERNAL', `The SQLite worker stopped with code ${code}.`));
    });
  });
}

/**
 * Makes a fresh snapshot copy a self-contained file (no WAL), optionally without its revision history
 * (removed and compacted away: never from the live database), and reads its counts, identity and content digest.
 */
export const finishSnapshot = (file: string, keepHistory: boolean) =>
  run(keepHistory ? 'finish' : 'strip-history', file, true);

/**
 * SQLite's integrity check; throws INVALID_ARCHIVE naming the first problem, or when the file is not a
 * SQLite database at all.
 */
export async function checkIntegrity(
  file: string,
  label: string,
  options: { digest?: boolean } = {},
): Promise<SnapshotFacts> {
  let facts: SnapshotFacts;
  try {
    facts = await run('integrity', file, options.digest ?? false);
  } catch (error) {
    if (error instanceof AppFailure && error.code === 'INVALID_ARCHIVE') {
      throw new AppFailure(
        'INVALID_ARCHIVE',
        `${label}: the snapshot is not a usable SQLite database (${error.message}).`,
      );
    }
    throw error;
  }
  if (facts.problems && facts.problems.length > 0) {
    throw new AppFailure(
      'INVALID_ARCHIVE',
      `${label}: the snapshot fails SQLite's integrity check: ${facts.problems[0]}`,
    );
  }
  if (facts.items === null || facts.revisions === null || facts.id === null) {
    throw new AppFailure(
      'INVALID_ARCHIVE',
      `${label}: the snapshot is a SQLite database but not a repository.`,
    );
  }
  return facts;
}
