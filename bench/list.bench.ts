// A client's `list` of a repository of large items (`npm run bench:list [-- --items 100 --mb 2]`):
// over a real WebSocket on loopback, against baselines in the same run — the same query on a copy of the
// file without the listing index (migration 003), which reads every item through its overflow pages,
// and a floor that reads no size at all. A list answers names and sizes; it should cost what the floor does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { systemClock } from '../electron/core/clock';
import { RepoClient } from '../electron/core/client/repo-client';
import { ClientServer } from '../electron/core/client-server/client-server';
import { MemorySettingsBackend, SettingsService } from '../electron/core/settings';
import { RepositoryStore } from '../electron/core/storage';
import { figure } from './figures';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100' },
    mb: { type: 'string', default: '2' },
    runs: { type: 'string', default: '7' },
  },
});
const ITEMS = Number(values.items);
const ITEM_BYTES = Number(values.mb) * 1024 * 1024;
const RUNS = Number(values.runs);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Median milliseconds of `runs` calls of `work`. */
async function median(work: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-list-'));
  const store = new RepositoryStore({ dataDir: dir, clock: systemClock });
  const repo = store.create('Large');
  for (let i = 0; i < ITEMS; i++)
    repo.put({
      path: `media/${i}`,
      kind: 'data',
      content: (i % 2 ? 'y' : 'é').repeat(i % 2 ? ITEM_BYTES : ITEM_BYTES / 2),
      updatedBy: 'bench',
    });
  for (let i = 0; i < 1000; i++) repo.put({ path: `small/${i}`, kind: 'data', content: 'x', updatedBy: 'b' });
  await store.checkpoints.idle(); // the checkpointer would make a TRUNCATE beside it busy
  repo.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const file = store.pathOf('Large');
  console.log(
    `repository: ${ITEMS} items of ${values.mb} MB and 1000 small ones, ${(fs.statSync(file).size / 1024 / 1024).toFixed(0)} MB`,
  );

  const settings = new SettingsService(new MemorySettingsBackend());
  const server = new ClientServer({ store, settings, clock: systemClock, logger: quiet });
  server.overrideAddress({ host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  const client = await RepoClient.connect({
    server: `ws://127.0.0.1:${port}`,
    repository: 'Large',
    label: 'bench',
  });
  const listed = await client.list();
  if (listed.length !== ITEMS + 1000) throw new Error(`listed ${listed.length}`);
  const clientMs = await median(() => client.list());

  // Baselines on connections of their own: the same query on a copy without the listing index (the
  // schema before migration 003), and as little as a list can read (names, no sizes) on this file.
  const before = path.join(dir, 'before-003.sqlite');
  fs.copyFileSync(file, before);
  const old = new DatabaseSync(before);
  old.exec('DROP INDEX items_listing');
  const asItWas = old.prepare(
    'SELECT path, kind, version, length(CAST(content AS BLOB)) AS size, updated_at, updated_by FROM items ORDER BY path',
  );
  const asItWasMs = await median(() => asItWas.all());
  old.close();
  const db = new DatabaseSync(file, { readOnly: true });
  const floor = db.prepare('SELECT path, kind, version, updated_at, updated_by FROM items ORDER BY path');
  const floorMs = await median(() => floor.all());
  db.close();

  console.log(`client list over WebSocket:              ${clientMs.toFixed(1)} ms`);
  console.log(`baseline: without the listing index:    ${asItWasMs.toFixed(1)} ms`);
  console.log(`baseline: names without sizes (floor):   ${floorMs.toFixed(1)} ms`);
  figure({
    name: `client list of ${ITEMS} × ${values.mb} MB items + 1000 small, vs without the listing index`,
    value: asItWasMs / clientMs,
    unit: 'x',
    baseline: `without index ${asItWasMs.toFixed(1)} ms; client ${clientMs.toFixed(1)} ms`,
  });
  figure({
    name: 'client list vs names-only query (network and protocol included)',
    value: clientMs / floorMs,
    unit: 'x',
    baseline: `floor ${floorMs.toFixed(1)} ms`,
  });

  await client.close();
  await server.close();
  store.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
