// Client server throughput: N clients (1, 10, 100) on loopback doing a write-heavy mix (80% put, 20% get),
// each client closed-loop (it sends its next request when the answer came). Printed against a baseline
// measured in the same run: the same mix written directly with node:sqlite, and through the storage
// layer (Repository, one transaction per write, revisions kept) without the network.
// `npm run bench:clients [-- --ops 5000]`. Clients and server share this process (and its one thread);
// a last line runs the 100 clients in a worker thread, leaving the server its thread as other programs would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../electron/core/clock';
import { RepoClient } from '../electron/core/client/repo-client';
import { ClientServer } from '../electron/core/client-server/client-server';
import { MemorySettingsBackend, SettingsService } from '../electron/core/settings';
import { RepositoryStore } from '../electron/core/storage';
import { atLeast, below, figure } from './figures';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '5000' } } });
const TOTAL_OPS = Number(values.ops);
const CONTENT = 'x'.repeat(200);
const KEYS = 500;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Figures {
  opsPerSecond: number;
  p50: number;
  p99: number;
}

function summarize(latencies: number[], elapsedMs: number): Figures {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { opsPerSecond: latencies.length / (elapsedMs / 1000), p50: at(0.5), p99: at(0.99) };
}

/** Deterministic mix: op i of a worker is a get every 5th time (20%), otherwise a put. */
const isGet = (i: number) => i % 5 === 4;
/** A get reads the key the previous op wrote, so it always finds something. */
const keyOf = (i: number) => (isGet(i) ? i - 1 : i) % KEYS;

function tempDir(name: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
}

function directSqlite(ops: number): Figures {
  const dir = tempDir('direct');
  const db = new DatabaseSync(path.join(dir, 'direct.sqlite'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec(
    'CREATE TABLE items (path TEXT PRIMARY KEY, kind TEXT, content ANY, version INTEGER, updated_at INTEGER, updated_by TEXT)',
  );
  const put = db.prepare(
    `INSERT INTO items VALUES (?, 'data', ?, 1, ?, 'bench')
     ON CONFLICT (path) DO UPDATE SET content = excluded.content, version = version + 1, updated_at = excluded.updated_at`,
  );
  const get = db.prepare('SELECT * FROM items WHERE path = ?');
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    if (isGet(i)) get.get(`k/${keyOf(i)}`);
    else put.run(`k/${keyOf(i)}`, CONTENT, Date.now());
    latencies.push(performance.now() - t);
  }
  const figures = summarize(latencies, performance.now() - start);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return figures;
}

function storageLayer(ops: number): Figures {
  const dir = tempDir('storage');
  const store = new RepositoryStore({ dataDir: dir, clock: systemClock });
  const repo = store.create('Bench');
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    if (isGet(i)) repo.get(`k/${keyOf(i)}`);
    else repo.put({ path: `k/${keyOf(i)}`, kind: 'data', content: CONTENT, updatedBy: 'bench' });
    latencies.push(performance.now() - t);
  }
  const figures = summarize(latencies, performance.now() - start);
  store.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
  return figures;
}

async function overTheNetwork(clientsCount: number, ops: number): Promise<Figures> {
  const dir = tempDir('clients');
  const store = new RepositoryStore({ dataDir: dir, clock: systemClock });
  const repositories = Array.from({ length: Math.min(10, clientsCount) }, (_, i) => `Repo ${i}`);
  for (const name of repositories) store.create(name);
  const settings = new SettingsService(new MemorySettingsBackend());
  const server = new ClientServer({ store, settings, clock: systemClock, logger: quiet });
  server.overrideAddress({ host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  const clients = await Promise.all(
    Array.from({ length: clientsCount }, (_, i) =>
      RepoClient.connect({
        server: `ws://127.0.0.1:${port}`,
        repository: repositories[i % repositories.length]!,
        label: `bench-${i}`,
      }),
    ),
  );
  const perClient = Math.ceil(ops / clientsCount);
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < perClient; i++) {
        const key = `c${c}/k${keyOf(i)}`;
        const t = performance.now();
        if (isGet(i)) await client.get(key);
        else await client.put({ path: key, kind: 'data', content: CONTENT });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const figures = summarize(latencies, performance.now() - start);
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  store.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
  return figures;
}

/**
 * The same mix from clients in a worker thread: the server keeps this thread to itself, as it does when
 * the test tools are other programs (above, clients and server share one thread and its CPU).
 */
async function clientsInWorker(clientsCount: number, ops: number): Promise<Figures> {
  const dir = tempDir('clients-worker');
  const store = new RepositoryStore({ dataDir: dir, clock: systemClock });
  const repositories = Array.from({ length: Math.min(10, clientsCount) }, (_, i) => `Repo ${i}`);
  for (const name of repositories) store.create(name);
  const settings = new SettingsService(new MemorySettingsBackend());
  const server = new ClientServer({ store, settings, clock: systemClock, logger: quiet });
  server.overrideAddress({ host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const WebSocket = require(workerData.ws);
    const { url, repositories, clients, perClient, content, keys } = workerData;
    const isGet = (i) => i % 5 === 4;
    const keyOf = (i) => (isGet(i) ? i - 1 : i) % keys;
    function connect(c) {
      const ws = new WebSocket(url + '/v1/repositories/' + encodeURIComponent(repositories[c % repositories.length]) + '?client=bench-' + c);
      const waiting = new Map();
      return new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.welcome) resolve({ ws, waiting });
          else if (waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); }
        });
      });
    }
    (async () => {
      const conns = await Promise.all(Array.from({ length: clients }, (_, c) => connect(c)));
      const latencies = [];
      const start = performance.now();
      await Promise.all(conns.map(async ({ ws, waiting }, c) => {
        for (let i = 0; i < perClient; i++) {
          const path = 'c' + c + '/k' + keyOf(i);
          const t = performance.now();
          const m = await new Promise((resolve) => {
            waiting.set(i, resolve);
            ws.send(JSON.stringify(isGet(i) ? { id: i, op: 'get', path } : { id: i, op: 'put', path, kind: 'data', content }));
          });
          if (!m.ok) throw new Error(JSON.stringify(m.error));
          latencies.push(performance.now() - t);
        }
      }));
      const elapsed = performance.now() - start;
      for (const { ws } of conns) ws.close();
      parentPort.postMessage({ latencies, elapsed });
    })().catch((e) => parentPort.postMessage({ error: String(e) }));
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: {
      url: `ws://127.0.0.1:${port}`,
      ws: path.resolve('node_modules/ws'),
      repositories,
      clients: clientsCount,
      perClient: Math.ceil(ops / clientsCount),
      content: CONTENT,
      keys: KEYS,
    },
  });
  const result = await new Promise<{ latencies: number[]; elapsed: number; error?: string }>((resolve) =>
    worker.once('message', resolve),
  );
  await worker.terminate();
  await server.close();
  store.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
  if (result.error) throw new Error(result.error);
  return summarize(result.latencies, result.elapsed);
}

const fmt = (f: Figures) =>
  `${f.opsPerSecond.toFixed(0).padStart(7)} ops/s   p50 ${f.p50.toFixed(3).padStart(7)} ms   p99 ${f.p99.toFixed(3).padStart(7)} ms`;

console.log(
  `mix: 80% put (200-byte items), 20% get; ${TOTAL_OPS} operations per line; Node ${process.version}`,
);
// Warm up the JIT and the file system once, so the first line is not penalized.
directSqlite(500);
storageLayer(500);
await overTheNetwork(1, 500);

const direct = directSqlite(TOTAL_OPS);
const storage = storageLayer(TOTAL_OPS);
console.log(`baseline  direct node:sqlite           ${fmt(direct)}`);
console.log(
  `baseline  storage layer (Repository)   ${fmt(storage)}   ${(storage.opsPerSecond / direct.opsPerSecond).toFixed(2)}x direct`,
);
for (const n of [1, 10, 100]) {
  const figures = await overTheNetwork(n, TOTAL_OPS);
  const label = `${n} client${n === 1 ? ' ' : 's'}`.padEnd(11);
  console.log(
    `ws        ${label} on loopback        ${fmt(figures)}   ${(figures.opsPerSecond / direct.opsPerSecond).toFixed(2)}x direct, ${(figures.opsPerSecond / storage.opsPerSecond).toFixed(2)}x storage`,
  );
  const ratio = figures.opsPerSecond / direct.opsPerSecond;
  // The goal is for 100 clients (on 10 repositories here: the bench's `repositories`).
  const goal = n === 100;
  figure({
    name: `${n} client${n === 1 ? '' : 's'} over WebSocket, ops/s vs direct node:sqlite`,
    value: ratio,
    unit: 'x',
    baseline: `direct ${direct.opsPerSecond.toFixed(0)} ops/s, ours ${figures.opsPerSecond.toFixed(0)} ops/s`,
    ...(goal ? { goal: '>= 0.5x', met: atLeast(ratio, 0.5) } : {}),
  });
  figure({
    name: `${n} client${n === 1 ? '' : 's'} over WebSocket, latency p99`,
    value: figures.p99,
    unit: 'ms',
    ...(goal ? { goal: '< 5 ms', met: below(figures.p99, 5) } : {}),
  });
}

{
  const figures = await clientsInWorker(100, TOTAL_OPS);
  const ratio = figures.opsPerSecond / direct.opsPerSecond;
  console.log(
    `ws        100 clients in a worker thread   ${fmt(figures)}   ${ratio.toFixed(2)}x direct, ${(figures.opsPerSecond / storage.opsPerSecond).toFixed(2)}x storage`,
  );
  figure({
    name: '100 clients in a worker thread, ops/s vs direct node:sqlite',
    value: ratio,
    unit: 'x',
    baseline: `direct ${direct.opsPerSecond.toFixed(0)} ops/s, ours ${figures.opsPerSecond.toFixed(0)} ops/s`,
    goal: '>= 0.5x',
    met: atLeast(ratio, 0.5),
  });
  figure({
    name: '100 clients in a worker thread, latency p99',
    value: figures.p99,
    unit: 'ms',
    goal: '< 5 ms',
    met: below(figures.p99, 5),
  });
}
