// The CLI forwarded to a running server against the same command in-process (ARCHITECTURE §8): the
// latency a script sees for one command body, median of N runs each, same data, same process. In-process
// opens the core (catalog, settings, migrations checked) and closes it; forwarded reads the lock and the
// token file, opens the event stream, calls the contract over loopback HTTP and closes. Node's own start
// (the same in both modes) is left out. A third column forwards to the desktop app's endpoint for the CLI
// (electron/main/cli-endpoint.ts, started as the app starts it, without Electron). `npm run bench:cli`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../electron/core/create-server';
import { lockDataDir } from '../electron/core/data-dir-lock';
import { MemorySettingsBackend } from '../electron/core/settings';
import { runCli } from '../electron/headless/cli';
import { startCliEndpoint } from '../electron/main/cli-endpoint';
import { openServer } from '../electron/headless/open-server';
import { figure } from './figures';

const RUNS = Number(process.argv[2] ?? 30);
const io = (out: string[]) => ({
  stdout: { write: (t: string) => out.push(t) },
  stderr: { write: (t: string) => out.push(t) },
  env: {},
  untilStopped: new Promise<void>(() => {}),
});

async function seed(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  const server = await openServer(dataDir);
  for (const name of ['Login Tests', 'Payments', 'Orders']) {
    const repo = server.store.create(name);
    for (let i = 0; i < 200; i++)
      repo.put({ path: `m/${i}`, kind: 'module', content: `content ${i}`.repeat(20), updatedBy: 'bench' });
  }
  await server.stop();
  return dataDir;
}

async function time(args: string[]): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out: string[] = [];
    const started = performance.now();
    const code = await runCli(args, io(out));
    samples.push(performance.now() - started);
    if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${out.join('')}`);
  }
  return samples.sort((a, b) => a - b);
}

const median = (s: number[]) => s[Math.floor(s.length / 2)]!;
const p90 = (s: number[]) => s[Math.floor(s.length * 0.9)]!;

const alone = await seed();
const served = await seed();
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-out-'));
let stop!: () => void;
const log: string[] = [];
const serving = runCli(['serve', '--data-dir', served, '--port', '0', '--console-port', '0'], {
  ...io(log),
  untilStopped: new Promise<void>((resolve) => (stop = resolve)),
});
while (!log.join('').includes('Clients connect to')) await new Promise((r) => setTimeout(r, 20));
// The desktop app on a third copy: its core, its lock, its endpoint.
const desktopDir = await seed();
const desktopLock = lockDataDir(desktopDir, { host: 'electron', startedAt: new Date().toISOString() });
const desktopCore = await createServer({
  dataDir: desktopDir,
  appInfo: { name: 'Repository Server', version: 'bench' },
  host: 'electron',
  settings: new MemorySettingsBackend(),
});
desktopCore.clientServer.overrideAddress({ host: '127.0.0.1', port: 0 });
await desktopCore.start();
const endpoint = await startCliEndpoint({
  dataDir: desktopDir,
  handlers: desktopCore.handlers,
  events: desktopCore.events,
  lock: desktopLock,
});

const commands: Array<[string, (dir: string) => string[]]> = [
  ['list', (dir) => ['list', '--data-dir', dir]],
  ['status', (dir) => ['status', '--data-dir', dir]],
  ['export (one small repository)', (dir) => ['export', 'Payments', '--to', outDir, '--data-dir', dir]],
];
console.log(`${RUNS} runs each; median (p90) in ms`);
console.log(
  'command                        in-process        forwarded         added     ratio   to the desktop app    ratio',
);
for (const [label, args] of commands) {
  const local = await time(args(alone));
  const remote = await time(args(served));
  const desktop = await time(args(desktopDir));
  const added = median(remote) - median(local);
  console.log(
    `${label.padEnd(30)} ${median(local).toFixed(1).padStart(7)} (${p90(local).toFixed(1).padStart(6)})` +
      `  ${median(remote).toFixed(1).padStart(7)} (${p90(remote).toFixed(1).padStart(6)})` +
      `  ${added >= 0 ? '+' : ''}${added.toFixed(1).padStart(6)}  ${(median(remote) / median(local)).toFixed(2)}×` +
      `  ${median(desktop).toFixed(1).padStart(7)} (${p90(desktop).toFixed(1).padStart(6)})` +
      `  ${(median(desktop) / median(local)).toFixed(2)}×`,
  );
  // Into `npm run bench`'s table: a forwarded command against the same command in-process.
  figure({
    name: `cli ${label}, forwarded to serve, vs in-process`,
    value: median(remote) / median(local),
    unit: 'x',
    baseline: `in-process ${median(local).toFixed(1)} ms; forwarded ${median(remote).toFixed(1)} ms`,
  });
  figure({
    name: `cli ${label}, forwarded to the desktop app, vs in-process`,
    value: median(desktop) / median(local),
    unit: 'x',
    baseline: `in-process ${median(local).toFixed(1)} ms; desktop ${median(desktop).toFixed(1)} ms`,
  });
}
stop();
await serving;
await endpoint.close();
await desktopCore.stop();
desktopLock.release();
for (const dir of [alone, served, desktopDir, outDir]) fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
