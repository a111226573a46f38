// Scale in count (issue 17): a data directory of 500 small, real repositories (`--count`), against the
// same measured for 50 (`--baseline`) in the same run, so the figures show how each grows with the count:
// - server start: `createServer` + `start()` to ready in a fresh process, and `repo-server serve` (the
//   built CLI, `npm run build` first) from spawn to "Clients connect to:" printed;
// - one scheduled run of all of them: the real scheduler (a slot missed since yesterday, caught up at
//   start, trigger "schedule") through the real pipeline (file agent, snapshot, archive, verify,
//   retention, catalog index); total, per repository (p50/p95 of the outcomes' durationMs) and the
//   server process's peak RSS (its file agents are processes of their own and not counted);
// - retention over `--keep` (30) archives per repository: each repository's archive copied under 29
//   older names (the same verified bytes, so the real rules count them as ours), then Back Up Now of
//   `--sample` (5) of them, whose retention reads the whole folder (count × 30 files), opens each of its
//   archives' manifests, verifies the newest 30 and deletes the oldest; then again with the
//   verifications cached (a server that stays up).
// `npm run bench:scale [-- --count 500 --baseline 50 --keep 30 --sample 5]`. Timings are noisy on a shared machine:
// read the ratios against the baseline measured in the same run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServer, type RepoServer } from '../electron/core/create-server';
import { MemorySettingsBackend } from '../electron/core/settings';
import type { BackupRunReport } from '../electron/shared/contract/schedule';
import { below, figure } from './figures';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    baseline: { type: 'string', default: '50' },
    keep: { type: 'string', default: '30' },
    sample: { type: 'string', default: '5' },
    // Internal: `createServer` + `start()` timed in a process of its own.
    'measure-start': { type: 'string' },
  },
});
const COUNT = Number(values.count);
const BASELINE = Number(values.baseline);
const KEEP = Number(values.keep);
const SAMPLE = Number(values.sample);
const ROOT = path.resolve(import.meta.dirname, '../..');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const appInfo = { name: 'bench', version: '0' };
const mb = (bytes: number) => bytes / 1024 / 1024;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const names = (count: number) =>
  Array.from({ length: count }, (_, i) => `Repo ${String(i + 1).padStart(3, '0')}`);

/** The child: createServer + start on the data dir, its time on stdout. */
async function measureStart(dataDir: string) {
  const start = performance.now();
  const server = await createServer({ dataDir, appInfo, host: 'headless', logger: quiet });
  await server.start();
  const ms = performance.now() - start;
  await server.stop();
  console.log(JSON.stringify({ ms }));
}

function startMs(dataDir: string): number {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, process.argv[1]!, '--measure-start', dataDir],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`start stopped: ${child.stderr}`);
  return (JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ms: number }).ms;
}

/** `repo-server serve` from spawn to listening (both lines printed), then stopped with SIGTERM. */
function serveMs(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/repo-server.mjs'),
        'serve',
        '--data-dir',
        dataDir,
        '--port',
        '0',
        '--console-port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let ms = 0;
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ms && /Control Panel: /.test(output) && /Clients connect to: /.test(output)) {
        ms = performance.now() - start;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => (ms ? resolve(ms) : reject(new Error(`serve ended early:\n${output}`))));
  });
}

/** A data dir of `count` repositories, each with 20 small items and a few revisions. */
async function makeDataDir(count: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-scale-${count}-`));
  const server = await createServer({ dataDir, appInfo, host: 'headless', logger: quiet });
  for (const name of names(count)) {
    const repo = server.store.create(name);
    repo.putAll(
      Array.from({ length: 20 }, (_, i) => ({
        path: `modules/m${i}`,
        kind: 'module',
        content: `step ${i}\n`.repeat(50),
        updatedBy: 'bench',
      })),
    );
    repo.put({ path: 'modules/m0', kind: 'module', content: 'changed', updatedBy: 'bench' });
  }
  await server.stop();
  return dataDir;
}

interface Run {
  report: BackupRunReport;
  seconds: number;
  peakRssMb: number;
}

/**
 * One scheduled run: a server whose schedule (every day at 00:00, catch-up on) last handled a slot two
 * days ago, so `start()` catches the missed slot up at once through the real scheduler.
 */
async function scheduledRun(dataDir: string, target: string, count: number): Promise<Run[]> {
  fs.writeFileSync(
    path.join(dataDir, 'backup-scheduler.json'),
    JSON.stringify({ lastHandledSlot: Date.now() - 2 * 86_400_000 }),
  );
  const settings = new MemorySettingsBackend();
  settings.store = {
    backup: {
      enabled: true,
      repositories: names(count),
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      times: ['00:00'],
      targetFolder: target,
      keepLast: KEEP,
      catchUp: true,
    },
  };
  const server: RepoServer = await createServer({
    dataDir,
    appInfo,
    host: 'headless',
    logger: quiet,
    settings,
  });
  const runs: Run[] = [];
  const measure = async (begin: () => Promise<BackupRunReport>) => {
    globalThis.gc?.();
    const base = process.memoryUsage.rss();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    const t0 = performance.now();
    const report = await begin();
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    if (!report.ok) throw new Error(`the run failed: ${report.error}`);
    runs.push({ report, seconds, peakRssMb: mb(Math.max(peak, process.memoryUsage.rss()) - base) });
  };
  await measure(async () => {
    const finished = new Promise<BackupRunReport>((resolve) => {
      const off = server.events.on('backupRunFinished', (r) => {
        off();
        resolve(r);
      });
    });
    await server.start();
    const report = await finished;
    if (report.trigger !== 'schedule') throw new Error(`expected a scheduled run, got ${report.trigger}`);
    return report;
  });
  await server.stop();
  return runs;
}

/** Each repository's archive copied under older names, so the folder holds `KEEP` of each. */
function fillTarget(report: BackupRunReport): number {
  let copies = 0;
  for (const o of report.outcomes) {
    const file = o.file!;
    for (let day = 1; day < KEEP; day++) {
      const stamp = `2026-01-${String(day).padStart(2, '0')}-00-00-00`;
      fs.copyFileSync(file, path.join(path.dirname(file), `${o.repository}_${stamp}.zip`));
      copies++;
    }
  }
  return copies;
}

/**
 * Retention at `count` × KEEP archives: Back Up Now (the same run the schedule makes, through the same
 * pipeline) of a sample of the repositories, twice on one server: first with nothing verified yet (a
 * server just started), then with the verifications cached (a server that stays up). Every repository's
 * retention reads the whole folder, so the sample's time per repository is what each of the `count`
 * would take; a run of all 500 with a cold cache would take hours (see the note).
 */
async function retentionRuns(dataDir: string, target: string, count: number): Promise<[Run, Run]> {
  const settings = new MemorySettingsBackend();
  settings.store = {
    backup: { enabled: false, repositories: names(count), targetFolder: target, keepLast: KEEP },
  };
  const server = await createServer({ dataDir, appInfo, host: 'headless', logger: quiet, settings });
  const sample = names(count).slice(0, SAMPLE);
  const runs: Run[] = [];
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    const base = process.memoryUsage.rss();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    const t0 = performance.now();
    const report = await server.scheduler.runNow('manual', sample).done;
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    if (!report.ok) throw new Error(`the run failed: ${report.error}`);
    runs.push({ report, seconds, peakRssMb: mb(Math.max(peak, process.memoryUsage.rss()) - base) });
  }
  await server.stop();
  return [runs[0]!, runs[1]!];
}

interface Scale {
  count: number;
  startMs: number;
  serveMs: number;
  first: Run;
  retention: Run;
  cached: Run;
}

function perRepository(run: Run) {
  const sorted = run.report.outcomes.map((o) => o.durationMs).sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    mean: (run.seconds * 1000) / sorted.length,
  };
}

/** Measures `count` repositories; with `base` (the baseline's figures), prints each figure as it is known. */
async function measureScale(count: number, base?: Scale): Promise<Scale> {
  const vs = (v: number | undefined, unit: string) =>
    base ? `${BASELINE} repositories: ${v!.toFixed(unit === 's' ? 1 : 0)} ${unit}` : '';
  console.log(`\n${count} repositories: making the data dir…`);
  const dataDir = await makeDataDir(count);
  const target = fs.mkdtempSync(path.join(os.tmpdir(), `bench-scale-target-${count}-`));
  // Start twice, the first to warm the page cache as a running machine has it; the second is measured.
  startMs(dataDir);
  const start = startMs(dataDir);
  await serveMs(dataDir);
  const serve = await serveMs(dataDir);
  console.log(`  start ${start.toFixed(0)} ms, serve ${serve.toFixed(0)} ms; first scheduled run…`);
  if (base) {
    figure({
      name: `server start, createServer to ready, ${count} repositories`,
      value: start,
      unit: 'ms',
      goal: '< 2000 ms',
      met: below(start, 2000),
      baseline: vs(base.startMs, 'ms'),
    });
    figure({
      name: `server start, repo-server serve to listening, ${count} repositories`,
      value: serve,
      unit: 'ms',
      goal: '< 2000 ms',
      met: below(serve, 2000),
      baseline: vs(base.serveMs, 'ms'),
    });
  }
  const [first] = await scheduledRun(dataDir, target, count);
  console.log(`  first run ${first!.seconds.toFixed(1)} s, peak RSS +${first!.peakRssMb.toFixed(0)} MB`);
  if (base) runFigures(`scheduled run of all ${count} repositories`, first!, base.first);
  const copies = fillTarget(first!.report);
  console.log(
    `  ${copies} copies made (${fs.readdirSync(target).length} files); ` +
      `retention for ${SAMPLE} of them, cold then cached…`,
  );
  const [retention, cached] = await retentionRuns(dataDir, target, count);
  const deleted = retention.report.outcomes.reduce((n, o) => n + o.deleted.length, 0);
  console.log(
    `  retention run ${retention.seconds.toFixed(1)} s (removed ${deleted} archives), ` +
      `cached run ${cached.seconds.toFixed(1)} s`,
  );
  if (base) {
    const where = `${SAMPLE} repositories in a folder of ${count} × ${KEEP} archives`;
    runFigures(`backup with retention (nothing verified yet), ${where}`, retention, base.retention);
    runFigures(`backup with retention (verifications cached), ${where}`, cached, base.cached);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(target, { recursive: true, force: true });
  return { count, startMs: start, serveMs: serve, first: first!, retention, cached };
}

function runFigures(label: string, run: Run, baseRun: Run) {
  const a = perRepository(run);
  const b = perRepository(baseRun);
  figure({
    name: `${label}, total`,
    value: run.seconds,
    unit: 's',
    baseline: `${BASELINE} repositories: ${baseRun.seconds.toFixed(1)} s`,
  });
  figure({
    name: `${label}, per repository vs at ${BASELINE}`,
    value: a.mean / b.mean,
    unit: 'x',
    baseline: `${a.mean.toFixed(0)} vs ${b.mean.toFixed(0)} ms; job p50 ${a.p50} / p95 ${a.p95} vs ${b.p50} / ${b.p95} ms`,
  });
  figure({
    name: `${label}, peak RSS increase of the server`,
    value: run.peakRssMb,
    unit: 'MB',
    baseline: `${BASELINE} repositories: ${baseRun.peakRssMb.toFixed(0)} MB`,
  });
}

async function main() {
  const base = await measureScale(BASELINE);
  await measureScale(COUNT, base);
}

if (values['measure-start']) await measureStart(values['measure-start']);
else await main();
