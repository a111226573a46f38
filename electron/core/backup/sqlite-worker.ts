import { Worker } from 'node:worker_threads';
import { AppFailure } from '../../shared/result';
import { KeptWorkers } from './kept-workers';

// Whole-file SQLite work on a snapshot copy (integrity check, VACUUM) takes seconds on a large
// repository and cannot yield; it runs in a worker thread so the main thread keeps serving clients.
// The worker is plain JavaScript in a string: it then runs the same from sources, tests and bundles.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { createHash } = require('node:crypto');
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
function runTask(task, file, digest) {
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
  return { ok: true, result };
} catch (error) {
  try { db && db.close(); } catch {}
  return { ok: false, message: String(error && error.message || error) };
}
}
// One task at a time, each with a connection of its own that is closed before the answer.
parentPort.on('message', ({ id, task, file, digest }) => {
  const answer = runTask(task, file, digest);
  collect();
  parentPort.postMessage({ id, ...answer });
});
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

type Answer = { id: number; ok: true; result: SnapshotFacts } | { id: number; ok: false; message: string };

/** Workers that wait for their next task; one that failed is never kept. */
const kept = new KeptWorkers<Worker>((worker) => void worker.terminate());
let nextTaskId = 1;

function takeWorker(): Worker {
  const waiting = kept.take();
  if (waiting) return waiting;
  const worker = new Worker(workerSource, { eval: true });
  worker.once('exit', () => kept.drop(worker));
  return worker;
}

function run(task: Task, file: string, digest = false): Promise<SnapshotFacts> {
  return new Promise((resolve, reject) => {
    const worker = takeWorker();
    const id = nextTaskId++;
    const settle = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: Answer) => {
      if (m.id !== id) return;
      settle();
      kept.keep(worker);
      if (m.ok) resolve(m.result);
      else reject(new AppFailure('INVALID_ARCHIVE', m.message));
    };
    const onError = (error: Error) => {
      settle();
      void worker.terminate();
      reject(error);
    };
    const onExit = (code: number) => {
      settle();
      reject(new AppFailure('INTERNAL', `The SQLite worker stopped with code ${code}.`));
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ id, task, file, digest });
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
