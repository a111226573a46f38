// Memory flat in size (issue #17): a large repository (default 4 GB, `--size-gb`) and a small one (default
// 128 MB, `--base-mb`) are each backed up (export through the real pipeline), imported (the real import
// path: verify, untrusted-snapshot rebuild, install) and restore-drilled (verify, rebuild, integrity,
// counts, content digest). Each step runs in a process of its own, so none inherits the heap, the page
// cache or the allocator arenas another grew. Printed per step: time, MB/s (of the repository's file),
// the peak RSS increase over the process's idle level before the step, and the ratio large / small —
// flat memory is a ratio near 1. `npm run bench:memory [-- --size-gb 1 --base-mb 128]`.
// The file agents (child processes that do the archive's file calls) are reported beside, not added.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from '../electron/core/create-server';
import { benchGcMode } from './fixtures';
import { drillArchive } from '../electron/core/backup/restore-drill';
import type { PutInput } from '../electron/core/storage/repository';
import { below, figure } from './figures';

const { values } = parseArgs({
  options: {
    'size-gb': { type: 'string', default: '4' },
    'base-mb': { type: 'string', default: '128' },
    // Internal: one measured step in a process of its own (see apart()).
    measure: { type: 'string' },
    'data-dir': { type: 'string' },
    file: { type: 'string' },
    out: { type: 'string' },
    'repository-id': { type: 'string' },
  },
});
const GOAL_MB = 64;
const MiB = 1024 * 1024;
const mb = (bytes: number) => bytes / MiB;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const job = { signal: new AbortController().signal, progress: () => {} };
const steps = ['backup', 'import', 'drill'] as const;
type Step = (typeof steps)[number];

// Generation ---------------------------------------------------------------------------------------

/** A small seeded generator: the same sizes every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'login logout module action interface data result expected actual step verify click type wait assert ' +
  'button field page user password submit cancel table row column value error timeout retry pass fail ' +
  'setup teardown fixture browser session token header request response status report suite case'.split(' ');

/** 1 MB of test-script-like text (words, numbers, line breaks) that items take slices of. */
function textPool(next: () => number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < MiB) {
    const line =
      Array.from({ length: 4 + Math.floor(next() * 8) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(
        ' ',
      ) + ` ${Math.floor(next() * 100000)}\n`;
    parts.push(line);
    length += line.length;
  }
  return parts.join('');
}

/**
 * Items of the sizes a test team keeps, over half of the bytes incompressible: text of 2–128 KB (most
 * items), bytes of 16–256 KB (screenshots, recordings), and one in 100 a large binary of 1–8 MB; every
 * 20th item is then written again, so the repository has history.
 */
function* generatedItems(totalBytes: number): Generator<PutInput & { bytes: number }> {
  const next = random(17);
  const pool = textPool(next);
  let written = 0;
  for (let i = 0; written < totalBytes; i++) {
    const pick = i % 100 === 99 ? 'large' : next() < 0.75 ? 'text' : 'bytes';
    const size =
      pick === 'text'
        ? 2048 + Math.floor(next() * 126 * 1024)
        : pick === 'bytes'
          ? 16 * 1024 + Math.floor(next() * 240 * 1024)
          : MiB + Math.floor(next() * 7 * MiB);
    const content =
      pick === 'text'
        ? `${randomBytes(16).toString('hex')}\n` +
          pool.slice(Math.floor(next() * (pool.length - size))).slice(0, size)
        : randomBytes(size);
    const path = `${pick === 'text' ? 'modules' : 'results'}/${Math.floor(i / 100)}/${pick}-${i}`;
    yield { path, kind: pick === 'text' ? 'module' : 'result', content, updatedBy: 'bench', bytes: size };
    written += size;
    if (i % 20 === 10) {
      yield { path, kind: 'module', content: pool.slice(0, 4096) + i, updatedBy: 'bench', bytes: 4096 };
      written += 4096;
    }
  }
}

async function generate(dataDir: string, bytes: number) {
  const server = await createServer({
    dataDir,
    appInfo: { name: 'bench', version: '0' },
    host: 'headless',
    logger: quiet,
  });
  const repo = server.store.create('Bench');
  let batch: PutInput[] = [];
  let batchBytes = 0;
  let done = 0;
  let reported = 0;
  for (const item of generatedItems(bytes)) {
    batch.push(item);
    batchBytes += item.bytes;
    if (batch.length >= 200 || batchBytes >= 32 * MiB) {
      repo.putAll(batch);
      done += batchBytes;
      batch = [];
      batchBytes = 0;
      if (done - reported >= 512 * MiB) {
        reported = done;
        console.log(`  …${mb(done).toFixed(0)} MB written`);
      }
    }
  }
  if (batch.length) repo.putAll(batch);
  await server.store.checkpoints.idle(); // the checkpointer would make a TRUNCATE beside it busy
  repo.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const facts = {
    id: repo.id,
    fileBytes: fs.statSync(server.store.pathOf('Bench')).size,
    ...repo.counts(),
  };
  await server.stop();
  return facts;
}

/** This process's resident memory by kind of mapping, from /proc/self/smaps (Linux). */
function residentByKind(): { mallocHeapMb: number; anonymousMb: number } {
  let kind: 'heap' | 'anon' | 'other' = 'other';
  let heapKb = 0;
  let anonKb = 0;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) kind = mapping[1] === '[heap]' ? 'heap' : mapping[1] === '' ? 'anon' : 'other';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && kind === 'heap') heapKb += Number(rss[1]);
    if (rss && kind === 'anon') anonKb += Number(rss[1]);
  }
  return { mallocHeapMb: heapKb / 1024, anonymousMb: anonKb / 1024 };
}

// Measuring one step in a process of its own ------------------------------------------------------

interface Measured {
  seconds: number;
  /** Peak RSS above the idle level before the step. */
  peakRssMb: number;
  /** At the sample with the highest RSS: what V8 and Node said it held. */
  atPeak: { heapUsedMb: number; externalMb: number; arrayBuffersMb: number };
  /**
   * At the highest RSS sampled (read at most every 100 ms), the increase of what the kernel counts
   * resident: the C heap malloc grows with brk (smaps "[heap]": freed blocks in its middle stay resident),
   * and anonymous mappings (V8's heaps, threads' stacks and malloc arenas, large buffers).
   */
  residentAtPeak: { mallocHeapMb: number; anonymousMb: number };
  /** The highest summed RSS of this process's child processes (its file agents) while it ran. */
  agentsPeakMb: number;
  /** The peak RSS increase within each phase the job reported (where the memory goes). */
  phases: Record<string, number>;
  file?: string;
}

function apart(step: Step, args: Record<string, string>): Measured {
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1]!,
      '--measure',
      step,
      ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (child.status !== 0) throw new Error(`${step} stopped (code ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
}

const rssOf = (pid: number): number => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** The summed RSS of this process's children (Linux; 0 where /proc cannot say). */
function childrenRss(): number {
  let sum = 0;
  try {
    for (const task of fs.readdirSync(`/proc/${process.pid}/task`)) {
      const list = fs.readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
      for (const pid of list ? list.split(/\s+/) : []) sum += rssOf(Number(pid));
    }
  } catch {
    return sum;
  }
  return sum;
}

async function measureHere(step: Step) {
  const dataDir = values['data-dir']!;
  const server = await createServer({
    dataDir,
    appInfo: { name: 'bench', version: '0' },
    host: 'headless',
    logger: quiet,
  });
  benchGcMode();
  // The idle level: after start-up's garbage is collected and the process has settled.
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 300));
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let peak = before;
  let atPeak = process.memoryUsage();
  const residentBefore = residentByKind();
  let residentAtPeak = residentBefore;
  let residentReadAt = 0;
  let agentsPeak = 0;
  let phase = 'starting';
  const phases: Record<string, number> = {};
  const sample = () => {
    const rss = process.memoryUsage.rss();
    phases[phase] = Math.max(phases[phase] ?? 0, mb(rss - before));
    if (rss > peak) {
      peak = rss;
      atPeak = process.memoryUsage();
      if (performance.now() - residentReadAt > 100) {
        residentReadAt = performance.now();
        residentAtPeak = residentByKind();
      }
    }
    agentsPeak = Math.max(agentsPeak, childrenRss());
  };
  const onPhase = (p: { phase?: string }) => {
    if (p.phase === undefined || p.phase === phase) return;
    sample();
    phase = p.phase;
  };
  server.events.onAny((name, payload) => {
    if (name === 'jobProgress') onPhase(payload as { phase?: string });
  });
  const sampler = setInterval(sample, 20);
  const start = performance.now();
  let file: string | undefined;
  if (step === 'backup') {
    const r = await server.backups.startBackupJob({
      repository: 'Bench',
      destination: { kind: 'folder', folder: values.out! },
      kind: 'backup',
      compression: 'fast',
    }).done;
    if (r.error) throw new Error(r.error.message);
    file = r.file!;
  } else if (step === 'import') {
    const r = await server.backups.startImportJob({
      file: values.file!,
      targetName: 'Bench copy',
      onConflict: 'replace',
      includeHistory: true,
    }).done;
    if (r.error) throw new Error(r.error.message);
  } else {
    const io = server.backups.sourceIo();
    try {
      await drillArchive(
        { dataDir, io },
        { file: values.file!, repository: { name: 'Bench', id: values['repository-id']! } },
        { ...job, progress: onPhase },
      );
    } finally {
      io.close();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  sample();
  // The kernel's high-water mark catches what fell between samples, when it was reached during the step.
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  if (maxAfter > maxBefore) peak = Math.max(peak, maxAfter);
  if (step === 'import') server.store.delete('Bench copy');
  await server.stop();
  const result: Measured = {
    seconds,
    peakRssMb: mb(peak - before),
    residentAtPeak: {
      mallocHeapMb: residentAtPeak.mallocHeapMb - residentBefore.mallocHeapMb,
      anonymousMb: residentAtPeak.anonymousMb - residentBefore.anonymousMb,
    },
    atPeak: {
      heapUsedMb: mb(atPeak.heapUsed),
      externalMb: mb(atPeak.external),
      arrayBuffersMb: mb(atPeak.arrayBuffers),
    },
    agentsPeakMb: mb(agentsPeak),
    phases,
    file,
  };
  console.log(JSON.stringify(result));
}

// The run ------------------------------------------------------------------------------------------

async function one(sizeMb: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-data-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-out-'));
  try {
    console.log(`\nGenerating a ${sizeMb} MB repository…`);
    const repo = await generate(dataDir, sizeMb * MiB);
    console.log(
      `repository: ${mb(repo.fileBytes).toFixed(0)} MB file, ${repo.items} items, ${repo.revisions} revisions`,
    );
    const results = {} as Record<Step, Measured>;
    console.log('backup…');
    results.backup = apart('backup', { 'data-dir': dataDir, out });
    const file = results.backup.file!;
    console.log(`archive: ${mb(fs.statSync(file).size).toFixed(0)} MB`);
    console.log('import…');
    results.import = apart('import', { 'data-dir': dataDir, file });
    console.log('restore drill…');
    results.drill = apart('drill', { 'data-dir': dataDir, file, 'repository-id': repo.id });
    for (const step of steps) {
      const r = results[step];
      console.log(
        `${`${sizeMb} MB ${step}`.padEnd(16)} ${r.seconds.toFixed(1).padStart(7)} s ` +
          `${(mb(repo.fileBytes) / r.seconds).toFixed(1).padStart(7)} MB/s ` +
          `${r.peakRssMb.toFixed(1).padStart(7)} MB peak RSS increase ` +
          `(at the peak: heap ${r.atPeak.heapUsedMb.toFixed(0)} MB, external ${r.atPeak.externalMb.toFixed(0)} MB, ` +
          `array buffers ${r.atPeak.arrayBuffersMb.toFixed(0)} MB; resident: malloc heap +${r.residentAtPeak.mallocHeapMb.toFixed(0)} MB, ` +
          `anonymous +${r.residentAtPeak.anonymousMb.toFixed(0)} MB; file agents ${r.agentsPeakMb.toFixed(0)} MB RSS)\n` +
          `${''.padEnd(17)}by phase: ${Object.entries(r.phases)
            .map(([p, v]) => `${p} ${v.toFixed(0)} MB`)
            .join(', ')}`,
      );
    }
    return { fileMb: mb(repo.fileBytes), results };
  } finally {
    for (const dir of [dataDir, out]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const largeMb = Math.round(Number(values['size-gb']) * 1024);
  const smallMb = Number(values['base-mb']);
  if (!(largeMb > 0 && smallMb > 0)) throw new Error('--size-gb and --base-mb must be positive numbers');
  const small = await one(smallMb);
  const large = await one(largeMb);
  const label = largeMb >= 1024 ? `${(largeMb / 1024).toFixed(largeMb % 1024 ? 1 : 0)} GB` : `${largeMb} MB`;
  console.log('');
  for (const step of steps) {
    const l = large.results[step];
    const s = small.results[step];
    figure({
      name: `${step} of a ${label} repository, peak RSS increase`,
      value: l.peakRssMb,
      unit: 'MB',
      baseline: `${smallMb} MB repository: ${s.peakRssMb.toFixed(1)} MB`,
      goal: `< ${GOAL_MB} MB`,
      met: below(l.peakRssMb, GOAL_MB),
    });
    figure({
      name: `${step} peak RSS increase, ${label} / ${smallMb} MB`,
      value: l.peakRssMb / Math.max(s.peakRssMb, 1),
      unit: 'x',
      baseline: `${l.peakRssMb.toFixed(1)} MB vs ${s.peakRssMb.toFixed(1)} MB`,
    });
    figure({
      name: `${step} of a ${label} repository, throughput`,
      value: large.fileMb / l.seconds,
      unit: 'MB/s',
      baseline: `${smallMb} MB repository: ${(small.fileMb / s.seconds).toFixed(1)} MB/s; ${l.seconds.toFixed(0)} s`,
    });
  }
}

(values.measure ? measureHere(values.measure as Step) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
