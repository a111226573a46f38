// Backup and restore of a generated repository (default 512 MB, `--size MB`), printed against the same
// data through the script an administrator would write (sqlite3 .backup, then zip -1; unzip to restore)
// and through adm-zip (the whole-archive-in-memory library this design replaced). Also: peak RSS
// increase, and the main thread's event-loop delay (bench/event-loop.ts) while 10 clients write, with no
// backup, during a backup and during a restore; a run
// of several repositories (`--repositories 4`, SIZE / 4 each) against the script over the same ones;
// and what compressing in parallel blocks costs in size. `npm run bench:backup [-- --size 128]`. The clients run in a worker thread, so the event-loop figure
// is the server's own.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import AdmZip from 'adm-zip';
import { createServer } from '../electron/core/create-server';
import { benchGcMode } from './fixtures';
import { checkSnapshot, openArchive } from '../electron/core/backup/archive-reader';
import { nodeAgentLauncher } from '../electron/core/backup/fs-agent';
import { fileWriter, TargetFs } from '../electron/core/backup/target-fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { BlockDeflater } from '../electron/core/backup/parallel-deflate';
import type { EventBus } from '../electron/core/event-bus';
import type { Repository } from '../electron/core/storage/repository';
import { watchEventLoop } from './event-loop';
import { atLeast, below, figure, load } from './figures';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '512' }, repositories: { type: 'string', default: '4' } },
});
const SIZE_MB = Number(values.size);
/** The run of several: this many repositories of SIZE_MB / this each, backed up one after the other. */
const RUN_OF = Number(values.repositories);
const ITEM_BYTES = 64 * 1024;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const mb = (bytes: number) => bytes / 1024 / 1024;
const tempDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bench-backup-${name}-`));

/** Peak RSS above the level at start, sampled every 20 ms while `work` runs. */
async function measured<T>(
  work: () => Promise<T> | T,
): Promise<{ value: T; seconds: number; peakRssMb: number; load: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const start = performance.now();
  const value = await work();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { value, seconds, peakRssMb: mb(peak - base), load: load() };
}

/**
 * The time jobs spend in each phase, summed over the jobs, in the order the phases came. A phase lasts
 * from its first progress tick (ticks repeat the phase) until the next phase's, or until jobEnded().
 */
function timePhases(events: EventBus) {
  const ms = new Map<string, number>();
  let current: { phase: string; at: number } | null = null;
  const end = () => {
    if (current) ms.set(current.phase, (ms.get(current.phase) ?? 0) + performance.now() - current.at);
    current = null;
  };
  const off = events.on('jobProgress', (p) => {
    if (p.phase === undefined || p.phase === current?.phase) return;
    end();
    current = { phase: p.phase, at: performance.now() };
  });
  return {
    jobEnded: end,
    stop() {
      end();
      off();
      return ms;
    },
  };
}

const phaseList = (ms: Map<string, number>) =>
  [...ms].map(([phase, t]) => `${phase} ${(t / 1000).toFixed(2)} s`).join(', ');

/** Ten closed-loop writers over WebSocket, in a worker thread; stop() resolves with their counts. */
function startClients(url: string) {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const WebSocket = require(workerData.ws);
    let running = true, writes = 0, failures = 0;
    parentPort.on('message', () => { running = false; });
    async function client(c) {
      const ws = new WebSocket(workerData.url + '/v1/repositories/Bench?client=bench' + c);
      const waiting = new Map();
      await new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.welcome) resolve();
          else if (m.id !== undefined && waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); }
        });
      });
      for (let i = 0; running; i++) {
        const m = await new Promise((resolve) => {
          waiting.set(i, resolve);
          ws.send(JSON.stringify({ id: i, op: 'put', path: 'live/c' + c + '/' + (i % 200), kind: 'result', content: 'run ' + i, encoding: 'utf8' }));
        });
        if (m.ok) writes++; else failures++;
      }
      ws.close();
    }
    Promise.all(Array.from({ length: 10 }, (_, c) => client(c))).then(
      () => parentPort.postMessage({ writes, failures }),
      (e) => parentPort.postMessage({ error: String(e) }),
    );
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: { url, ws: path.resolve('node_modules/ws') },
  });
  return {
    stop: () =>
      new Promise<{ writes: number; failures: number; error?: string }>((resolve) => {
        worker.once('message', (m) => {
          void worker.terminate();
          resolve(m);
        });
        worker.postMessage('stop');
      }),
  };
}

/** Text-like content (base64 of random bytes): compresses about as well as real test data does. */
function generate(repo: Repository, megabytes: number) {
  for (let i = 0; i < (megabytes * 1024 * 1024) / ITEM_BYTES; i++) {
    repo.put({
      path: `gen/${i}`,
      kind: 'data',
      content: randomBytes((ITEM_BYTES * 3) / 4).toString('base64'),
      updatedBy: 'bench',
    });
  }
}

/** Bytes out of one deflate stream over the whole file: what the archive would be without blocks. */
async function oneStreamBytes(file: string): Promise<number> {
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  await pipeline(fs.createReadStream(file), zlib.createDeflateRaw({ level: 1 }), count);
  return bytes;
}

async function blockBytes(file: string): Promise<number> {
  const deflater = new BlockDeflater({ level: 1 });
  try {
    let bytes = 0;
    for await (const block of deflater.compress(file)) bytes += block.data.length;
    return bytes;
  } finally {
    deflater.close();
  }
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
  console.log(`garbage collection: ${benchGcMode()}`);
  server.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
  await server.start();
  const repo = server.store.create('Bench');
  generate(repo, SIZE_MB);
  // The checkpointer's worker may be copying the WAL: a TRUNCATE beside it would find it busy.
  await server.store.checkpoints.idle();
  repo.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const dbFile = server.store.pathOf('Bench');
  const dbBytes = fs.statSync(dbFile).size;
  console.log(`repository: ${mb(dbBytes).toFixed(0)} MB, ${repo.counts().items} items`);
  const url = `ws://127.0.0.1:${server.clientServer.status().port}`;

  // 1. Ours, no clients: throughput and memory; and where the time goes.
  const oursPhases = timePhases(server.events);
  const ours = await measured(async () => {
    const r = await server.backups.startExportJob({
      repository: 'Bench',
      destination: { kind: 'folder', folder: out },
    }).done;
    if (r.error) throw new Error(r.error.message);
    return r.file!;
  });
  const oursFile = ours.value;
  const phaseMs = oursPhases.stop();
  // The archive written (every pipeline step but verifying it): what the hand-written script does.
  const writtenSeconds = ours.seconds - (phaseMs.get('verifying') ?? 0) / 1000;

  // 1b. The file agent's cost alone: the same bytes written through the agent (IPC, positional writes,
  // a datasync every 8 MB, fsync at the end) and as the in-process writer did before the agent (a write
  // stream, a datasync every 8 MB on 'drain', fsync at the end), to the same disk.
  const agentBytes = Math.min(dbBytes, 256 * 1024 * 1024);
  const chunks = () => {
    const chunk = randomBytes(64 * 1024);
    let left = agentBytes;
    return Readable.from(
      (function* () {
        while (left > 0) {
          left -= chunk.length;
          yield chunk;
        }
      })(),
    );
  };
  const inProcess = await measured(async () => {
    const file = path.join(out, 'in-process.bin');
    const stream = fs.createWriteStream(file, { flush: true, highWaterMark: 1 << 20 });
    const [fd] = (await once(stream, 'open')) as [number];
    let unsynced = 0;
    let syncing = false;
    stream.on('drain', () => {
      if (syncing || unsynced < 8 * 1024 * 1024) return;
      syncing = true;
      unsynced = 0;
      fs.fdatasync(fd, () => (syncing = false));
    });
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        unsynced += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(chunks(), count, stream);
    fs.rmSync(file);
  });
  const throughAgent = await measured(async () => {
    const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000 });
    const file = path.join(out, 'agent.bin');
    const target = await io.open(file, 'wx');
    await pipeline(chunks(), fileWriter(target));
    await target.close();
    await io.unlink(file);
    io.close();
  });

  // 2. Ours again with 10 clients writing: event-loop delay of the main thread, with no backup, during
  // a backup of the repository they write to, and during a restore of its archive beside them.
  const idleClients = startClients(url);
  await new Promise((r) => setTimeout(r, 500));
  const idleWatch = watchEventLoop();
  await new Promise((r) => setTimeout(r, 2000));
  const idle = idleWatch.stop();
  const idleLoad = load();
  const loopWatch = watchEventLoop();
  const busy = await measured(async () => {
    const r = await server.backups.startExportJob({
      repository: 'Bench',
      destination: { kind: 'folder', folder: out },
    }).done;
    if (r.error) throw new Error(r.error.message);
  });
  const loop = loopWatch.stop();
  const restoreWatch = watchEventLoop();
  /** Our archive restored beside the repository, as a new one: full verification, rebuild, install. */
  const restoreOurs = async () => {
    const r = await server.backups.startImportJob({
      file: oursFile,
      onConflict: 'rename',
      includeHistory: true,
    }).done;
    if (r.error) throw new Error(r.error.message);
    return r.restoredAs!;
  };
  const busyRestore = await measured(restoreOurs);
  const restoreLoop = restoreWatch.stop();
  server.store.delete(busyRestore.value);
  const clients = await idleClients.stop();
  if (clients.error) throw new Error(clients.error);

  // 3. The hand-written script: sqlite3 .backup, then zip -1; unzip to restore.
  const scriptDir = tempDir('script');
  const scriptZip = path.join(scriptDir, 'Bench.zip');
  const script = await measured(() => {
    execFileSync('sqlite3', [dbFile, `.backup '${path.join(scriptDir, 'repository.sqlite')}'`]);
    execFileSync('zip', ['-1', '-j', '-q', scriptZip, path.join(scriptDir, 'repository.sqlite')]);
  });
  const scriptRestoreDir = tempDir('script-restore');
  const scriptRestore = await measured(() =>
    execFileSync('unzip', ['-q', '-o', scriptZip, '-d', scriptRestoreDir]),
  );

  // 4. Ours, restore: full verification (SHA-256, integrity check) and install; and the bare extraction.
  const restore = await measured(restoreOurs);
  const extractDir = tempDir('extract');
  const extract = await measured(async () => {
    const archive = await openArchive(oursFile);
    await checkSnapshot(archive, path.join(extractDir, 'repository.sqlite'));
    archive.close();
  });

  // 4b. A run of several repositories, one after the other (as a scheduled run backs them up), against
  // the script run over the same repositories; the archive written, verification excluded (as above).
  const runDir = tempDir('run');
  const runNames = Array.from({ length: RUN_OF }, (_, i) => `Run${i + 1}`);
  for (const name of runNames) {
    const r = server.store.create(name);
    generate(r, SIZE_MB / RUN_OF);
    await server.store.checkpoints.idle(); // the checkpointer would make a TRUNCATE beside it busy
    r.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }
  // Where the run's time goes: each phase's time summed over the jobs.
  const runPhases = timePhases(server.events);
  const runOurs = await measured(async () => {
    for (const name of runNames) {
      const r = await server.backups.startExportJob({
        repository: name,
        destination: { kind: 'folder', folder: runDir },
      }).done;
      runPhases.jobEnded();
      if (r.error) throw new Error(r.error.message);
    }
  });
  const runPhaseMs = runPhases.stop();
  const runVerifying = runPhaseMs.get('verifying') ?? 0;
  const runWrittenSeconds = runOurs.seconds - runVerifying / 1000;
  const runScriptDir = tempDir('run-script');
  const runScript = await measured(() => {
    for (const name of runNames) {
      const copy = path.join(runScriptDir, `${name}.sqlite`);
      execFileSync('sqlite3', [server.store.pathOf(name), `.backup '${copy}'`]);
      execFileSync('zip', ['-1', '-j', '-q', path.join(runScriptDir, `${name}.zip`), copy]);
    }
  });

  // 4c. What the blocks cost in compression: the same snapshot in parallel blocks, in one deflate
  // stream (what yazl wrote before), and as zip -1 wrote it.
  const scriptSnapshot = path.join(scriptDir, 'repository.sqlite');
  const snapshotBytes = fs.statSync(scriptSnapshot).size;
  const inBlocks = await blockBytes(scriptSnapshot);
  const inOneStream = await oneStreamBytes(scriptSnapshot);

  // 5. adm-zip (last: its memory stays with this process).
  const admDir = tempDir('adm');
  const admSnapshot = path.join(admDir, 'repository.sqlite');
  execFileSync('sqlite3', [dbFile, `.backup '${admSnapshot}'`]);
  const adm = await measured(async () => {
    const zip = new AdmZip();
    zip.addLocalFile(admSnapshot);
    zip.writeZip(path.join(admDir, 'Bench.zip'));
  });
  const admRestore = await measured(() =>
    new AdmZip(path.join(admDir, 'Bench.zip')).extractAllTo(tempDir('adm-restore'), true),
  );

  await server.stop();
  const size = mb(dbBytes);
  const rate = (s: number) => size / s;
  console.log(
    `backup throughput (ours, fast, written and verified): ${rate(ours.seconds).toFixed(1)} MB/s (${ours.seconds.toFixed(2)} s, archive ${mb(fs.statSync(oursFile).size).toFixed(0)} MB)`,
  );
  console.log(`backup phases (ours): ${phaseList(phaseMs)}`);
  console.log(`run of ${RUN_OF} phases (ours, summed): ${phaseList(runPhaseMs)}`);
  console.log(
    `backup throughput (ours, archive written, verify excluded): ${rate(writtenSeconds).toFixed(1)} MB/s (${writtenSeconds.toFixed(2)} s)`,
  );
  console.log(
    `backup throughput vs sqlite3+zip -1 (verify excluded): ${(script.seconds / writtenSeconds).toFixed(2)}x`,
  );
  console.log(
    `file agent: ${mb(agentBytes).toFixed(0)} MB written through the agent ${(mb(agentBytes) / throughAgent.seconds).toFixed(0)} MB/s, ` +
      `in this process ${(mb(agentBytes) / inProcess.seconds).toFixed(0)} MB/s: ${(inProcess.seconds / throughAgent.seconds).toFixed(2)}x`,
  );
  console.log(
    `backup throughput (sqlite3 .backup + zip -1): ${rate(script.seconds).toFixed(1)} MB/s (${script.seconds.toFixed(2)} s)`,
  );
  console.log(
    `backup throughput (sqlite3 .backup excluded, adm-zip): ${rate(adm.seconds).toFixed(1)} MB/s (${adm.seconds.toFixed(2)} s)`,
  );
  console.log(`backup throughput with 10 clients writing (ours): ${rate(busy.seconds).toFixed(1)} MB/s`);
  console.log(`backup throughput vs sqlite3+zip -1: ${(script.seconds / ours.seconds).toFixed(2)}x`);
  console.log(`backup throughput vs adm-zip: ${(adm.seconds / ours.seconds).toFixed(2)}x`);
  console.log(
    `restore throughput (ours: extract, SHA-256, integrity check, install): ${rate(restore.seconds).toFixed(1)} MB/s (${restore.seconds.toFixed(2)} s)`,
  );
  console.log(
    `restore throughput (ours: streaming extract with CRC and SHA-256 only): ${rate(extract.seconds).toFixed(1)} MB/s`,
  );
  console.log(`restore throughput (unzip): ${rate(scriptRestore.seconds).toFixed(1)} MB/s`);
  console.log(`restore throughput (adm-zip): ${rate(admRestore.seconds).toFixed(1)} MB/s`);
  console.log(
    `restore throughput vs unzip (verified restore): ${(scriptRestore.seconds / restore.seconds).toFixed(2)}x`,
  );
  console.log(
    `restore throughput vs unzip (extract only): ${(scriptRestore.seconds / extract.seconds).toFixed(2)}x`,
  );
  console.log(
    `restore throughput vs adm-zip (verified restore): ${(admRestore.seconds / restore.seconds).toFixed(2)}x`,
  );
  console.log(`peak RSS increase, backup (ours): ${ours.peakRssMb.toFixed(0)} MB`);
  console.log(`peak RSS increase, backup with 10 clients (ours): ${busy.peakRssMb.toFixed(0)} MB`);
  console.log(`peak RSS increase, restore (ours): ${restore.peakRssMb.toFixed(0)} MB`);
  console.log(`peak RSS increase, backup (adm-zip): ${adm.peakRssMb.toFixed(0)} MB`);
  console.log(`peak RSS increase, restore (adm-zip): ${admRestore.peakRssMb.toFixed(0)} MB`);
  console.log(
    `peak RSS increase vs adm-zip (backup): ${(adm.peakRssMb / Math.max(ours.peakRssMb, 1)).toFixed(2)}x`,
  );
  for (const [name, d] of [
    ['no backup', idle],
    ['during a backup', loop],
    ['during a restore', restoreLoop],
  ] as const)
    console.log(
      `event-loop delay (late timers), 10 clients writing, ${name}: p99 ${d.p99Ms.toFixed(2)} ms, max ${d.maxMs.toFixed(1)} ms; ` +
        `longest GC pause ${d.longestGcMs.toFixed(1)} ms, GC ${d.gcTotalMs.toFixed(0)} ms in all (` +
        Object.entries(d.gcByKind)
          .map(([kind, k]) => `${kind} ${k.count}× ${k.ms.toFixed(0)} ms`)
          .join(', ') +
        `; ${d.samples} samples); ` +
        `worst at ${d.worst.map((w) => `${w.endUs}:${w.lateMs.toFixed(0)}`).join(',')}, window ${d.window} (µs:ms, for cpu-profile-stalls --at)`,
    );
  // adm-zip is synchronous: the main thread is blocked for its whole run.
  console.log(`main thread blocked in one piece, adm-zip backup: ${(adm.seconds * 1000).toFixed(0)} ms`);
  console.log(
    `client writes during the backup and the restore: ${clients.writes} ok, ${clients.failures} failed`,
  );
  const ratio = (n: number) => (100 * n) / snapshotBytes;
  console.log(
    `compressed size: in blocks ${ratio(inBlocks).toFixed(2)} %, one stream ${ratio(inOneStream).toFixed(2)} %, ` +
      `zip -1 ${ratio(fs.statSync(scriptZip).size).toFixed(2)} % of the snapshot`,
  );

  // The figures the issue sets goals for (npm run bench collects them into one table).
  const oursVsScript = script.seconds / writtenSeconds;
  figure({
    name: `backup ${size.toFixed(0)} MB, archive written, vs sqlite3 .backup + zip -1`,
    value: oursVsScript,
    unit: 'x',
    baseline: `script ${script.seconds.toFixed(2)} s, ours ${writtenSeconds.toFixed(2)} s`,
    goal: '>= 1.8x',
    met: atLeast(oursVsScript, 1.8),
    load: ours.load,
  });
  figure({
    name: `backup ${size.toFixed(0)} MB, written and verified, vs the script`,
    value: script.seconds / ours.seconds,
    unit: 'x',
    baseline: `script ${script.seconds.toFixed(2)} s, ours ${ours.seconds.toFixed(2)} s`,
    load: ours.load,
  });
  const runRatio = runScript.seconds / runWrittenSeconds;
  figure({
    name: `run of ${RUN_OF} repositories x ${(size / RUN_OF).toFixed(0)} MB, archives written, vs the script`,
    value: runRatio,
    unit: 'x',
    baseline: `script ${runScript.seconds.toFixed(2)} s, ours ${runWrittenSeconds.toFixed(2)} s (+ ${(runVerifying / 1000).toFixed(2)} s verifying)`,
    goal: '>= 1.8x',
    met: atLeast(runRatio, 1.8),
    load: runOurs.load,
  });
  figure({
    name: 'compression cost of parallel blocks (size vs one deflate stream)',
    value: 100 * (inBlocks / inOneStream - 1),
    unit: '%',
    baseline: `one stream ${ratio(inOneStream).toFixed(2)} % of the snapshot, blocks ${ratio(inBlocks).toFixed(2)} %`,
  });
  figure({
    name: `peak RSS increase, backup of ${size.toFixed(0)} MB`,
    value: ours.peakRssMb,
    unit: 'MB',
    baseline: `adm-zip ${adm.peakRssMb.toFixed(0)} MB`,
    goal: '< 64 MB',
    met: below(ours.peakRssMb, 64),
    load: ours.load,
  });
  figure({
    name: `restore ${size.toFixed(0)} MB, verified, vs unzip`,
    value: scriptRestore.seconds / restore.seconds,
    unit: 'x',
    baseline: `unzip ${scriptRestore.seconds.toFixed(2)} s, ours ${restore.seconds.toFixed(2)} s`,
    load: restore.load,
  });
  figure({
    name: `peak RSS increase, restore of ${size.toFixed(0)} MB`,
    value: restore.peakRssMb,
    unit: 'MB',
    goal: '< 64 MB',
    met: below(restore.peakRssMb, 64),
    load: restore.load,
  });
  for (const [name, d, at] of [
    ['10 clients writing, no backup', idle, idleLoad],
    ['10 clients writing, during a backup', loop, busy.load],
    ['10 clients writing, during a restore', restoreLoop, busyRestore.load],
  ] as const) {
    figure({
      name: `event-loop delay p99, ${name}`,
      value: d.p99Ms,
      unit: 'ms',
      goal: '< 5 ms',
      met: below(d.p99Ms, 5),
      baseline: `timers every 5 ms, late by this; longest GC pause ${d.longestGcMs.toFixed(1)} ms`,
      load: at,
    });
    figure({
      name: `event-loop delay max, ${name}`,
      value: d.maxMs,
      unit: 'ms',
      goal: '< 50 ms',
      met: below(d.maxMs, 50),
      load: at,
    });
  }
  for (const dir of [dataDir, out, scriptDir, scriptRestoreDir, extractDir, admDir, runDir, runScriptDir])
    fs.rmSync(dir, { recursive: true, force: true });
}

await main();
