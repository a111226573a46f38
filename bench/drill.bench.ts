// A restore drill of one generated repository (default 500 MB, `--size MB`): its time and peak RSS
// increase, against two baselines in the same run — the plain import of the same archive (verify, rebuild,
// install: what a restore costs anyway) and what an administrator would script by hand (`unzip` the
// snapshot, `sqlite3 … 'PRAGMA integrity_check'`). Also the backup's extra cost of the content digest
// (one more read of the items, in the snapshot's worker). `npm run bench:drill [-- --size 128]`.
// The drill and the import each run in a process of their own, so neither inherits the heap and page
// cache the other grew: its peak RSS is that process's high-water mark above its level before the work.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createServer } from '../electron/core/create-server';
import { drillArchive } from '../electron/core/backup/restore-drill';
import { below, figure } from './figures';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '500' },
    // Internal: one measured step in a process of its own (see measureApart).
    measure: { type: 'string' },
    file: { type: 'string' },
    'data-dir': { type: 'string' },
    'repository-id': { type: 'string' },
  },
});
const SIZE_MB = Number(values.size);
const ITEM_BYTES = 64 * 1024;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const mb = (bytes: number) => bytes / 1024 / 1024;
const tempDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bench-drill-${name}-`));
const job = { signal: new AbortController().signal, progress: () => {} };

/** Peak RSS above the level at start, sampled every 20 ms while `work` runs. */
async function measured<T>(
  work: () => Promise<T> | T,
): Promise<{ value: T; seconds: number; peakRssMb: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const start = performance.now();
  const value = await work();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { value, seconds, peakRssMb: mb(peak - base) };
}

interface Measured {
  seconds: number;
  peakRssMb: number;
}

/** One step (`drill` or `import` of `file`) in a new process over `dataDir`: its time and its peak RSS. */
function measureApart(
  step: 'drill' | 'import',
  file: string,
  dataDir: string,
  repositoryId: string,
): Measured {
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1]!,
      '--measure',
      step,
      '--file',
      file,
      '--data-dir',
      dataDir,
      '--repository-id',
      repositoryId,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`${step} stopped: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
}

/** In the child: the step, then its time and (maxRSS − RSS before it) on stdout. */
async function measureHere(step: string, file: string, dataDir: string, repositoryId: string) {
  const server = await createServer({
    dataDir,
    appInfo: { name: 'bench', version: '0' },
    host: 'headless',
    logger: quiet,
  });
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  const start = performance.now();
  if (step === 'drill') {
    const io = server.backups.sourceIo();
    await drillArchive({ dataDir, io }, { file, repository: { name: 'Bench', id: repositoryId } }, job);
    io.close();
  } else {
    const r = await server.backups.startImportJob({
      file,
      targetName: 'Bench copy',
      onConflict: 'replace',
      includeHistory: true,
    }).done;
    if (r.error) throw new Error(r.error.message);
  }
  const seconds = (performance.now() - start) / 1000;
  const peakRssMb = mb(process.resourceUsage().maxRSS * 1024 - before);
  await server.stop();
  console.log(JSON.stringify({ seconds, peakRssMb }));
}

/** The content digest alone over a database file, in a worker as the snapshot's worker computes it. */
function digestSeconds(file: string): Promise<number> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { DatabaseSync } = require('node:sqlite');
    const { createHash } = require('node:crypto');
    const start = performance.now();
    const db = new DatabaseSync(workerData, { readOnly: true });
    const hash = createHash('sha256');
    for (const r of db.prepare('SELECT path, kind, encoding, version, updated_at, updated_by, content FROM items ORDER BY path').iterate()) {
      const bytes = typeof r.content === 'string' ? Buffer.from(r.content, 'utf8') : Buffer.from(r.content);
      hash.update(JSON.stringify([r.path, r.kind, r.encoding, r.version, r.updated_at, r.updated_by, bytes.length]) + '\\n');
      hash.update(bytes);
    }
    hash.digest('hex');
    db.close();
    parentPort.postMessage((performance.now() - start) / 1000);
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: file });
    worker.once('message', (s: number) => {
      resolve(s);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

async function main() {
  const dataDir = tempDir('data');
  const out = tempDir('out');
  console.log(`Generating a ${SIZE_MB} MB repository…`);
  const server = await createServer({
    dataDir,
    appInfo: { name: 'bench', version: '0' },
    host: 'headless',
    logger: quiet,
  });
  const repo = server.store.create('Bench');
  // Text-like content (base64 of random bytes), with some history, as a real repository has.
  const count = (SIZE_MB * 1024 * 1024) / ITEM_BYTES;
  for (let i = 0; i < count; i++)
    repo.put({
      path: `gen/${i}`,
      kind: 'data',
      content: randomBytes((ITEM_BYTES * 3) / 4).toString('base64'),
      updatedBy: 'bench',
    });
  for (let i = 0; i < count / 20; i++)
    repo.put({
      path: `gen/${i}`,
      kind: 'data',
      content: randomBytes(3000).toString('base64'),
      updatedBy: 'bench',
    });
  await server.store.checkpoints.idle(); // the checkpointer would make a TRUNCATE beside it busy
  repo.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const dbFile = server.store.pathOf('Bench');
  console.log(
    `repository: ${mb(fs.statSync(dbFile).size).toFixed(0)} MB, ${repo.counts().items} items, ${repo.counts().revisions} revisions`,
  );

  const backup = await server.backups.startBackupJob({
    repository: 'Bench',
    destination: { kind: 'folder', folder: out },
    kind: 'backup',
    compression: 'fast',
  }).done;
  if (backup.error) throw new Error(backup.error.message);
  const file = backup.file!;
  console.log(`archive: ${mb(fs.statSync(file).size).toFixed(0)} MB (${path.basename(file)})`);

  const digest = await digestSeconds(dbFile);
  const repositoryId = repo.id;
  await server.stop();

  // 1. The drill: verify + rebuild through the untrusted path + integrity, counts, digest; temp removed.
  const drill = measureApart('drill', file, dataDir, repositoryId);
  const leftover = fs.readdirSync(path.join(dataDir, 'tmp'));
  // 2. Baseline: the plain import of the same archive (what restoring it costs in any case).
  const imported = measureApart('import', file, dataDir, repositoryId);

  // 3. Baseline: by hand, unzip the snapshot and let sqlite3 check it (no manifest, no rebuild, no counts).
  const scratch = tempDir('unzip');
  const byHand = await measured(() => {
    execFileSync('unzip', ['-q', file, 'repository.sqlite', '-d', scratch]);
    const answer = execFileSync('sqlite3', [
      path.join(scratch, 'repository.sqlite'),
      'PRAGMA integrity_check',
    ])
      .toString()
      .trim();
    if (answer !== 'ok') throw new Error(answer);
  });

  const row = (label: string, r: { seconds: number; peakRssMb: number | null }) =>
    `${label.padEnd(44)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.peakRssMb === null ? '    —' : r.peakRssMb.toFixed(0).padStart(5)} MB peak RSS increase`;
  console.log(row('restore drill (verify, rebuild, check, remove)', drill));
  console.log(row('baseline: plain import of the same archive', imported));
  console.log(row('baseline: unzip + sqlite3 integrity_check', { ...byHand, peakRssMb: null }));
  console.log(`drill / import: ${(drill.seconds / imported.seconds).toFixed(2)}× time`);
  console.log(
    `drill / by hand: ${(drill.seconds / byHand.seconds).toFixed(2)}× time (by hand checks far less; its memory is another process's)`,
  );
  console.log(`content digest alone (the backup's extra read): ${digest.toFixed(2)} s`);
  console.log(
    `left in the temp area after the drill: ${leftover.length === 0 ? 'nothing' : leftover.join(', ')}`,
  );

  figure({
    name: `restore drill of a ${SIZE_MB} MB repository, time vs plain import`,
    value: drill.seconds / imported.seconds,
    unit: 'x',
    baseline: `import ${imported.seconds.toFixed(1)} s; drill ${drill.seconds.toFixed(1)} s`,
  });
  figure({
    name: `restore drill of a ${SIZE_MB} MB repository, peak RSS increase`,
    value: drill.peakRssMb,
    unit: 'MB',
    baseline: `import ${imported.peakRssMb.toFixed(0)} MB`,
    goal: '< 64 MB',
    met: below(drill.peakRssMb, 64),
  });
  for (const dir of [dataDir, out, scratch]) fs.rmSync(dir, { recursive: true, force: true });
}

(values.measure
  ? measureHere(values.measure, values.file!, values['data-dir']!, values['repository-id']!)
  : main()
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
