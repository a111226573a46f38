// The catalog's open time for a folder of 1,000 archives (`npm run bench:catalog [-- --archives N]`):
// cold (no index: every archive's ZIP directory and manifest read) and warm (the index beside them:
// a listing and a stat per file), against a baseline measured in the same run — a plain listing plus a
// stat of the same files, through the same file agent, and in this process with fs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeAgentLauncher } from '../electron/core/backup/fs-agent';
import { TargetFs } from '../electron/core/backup/target-fs';
import { INDEX_NAME } from '../electron/core/catalog/catalog-index';
import { openCatalog } from '../electron/core/catalog/open-catalog';
import { systemClock } from '../electron/core/clock';
import { figure } from './figures';
import { writeArchives } from './fixtures';

const { values } = parseArgs({
  options: { archives: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } },
});
const ARCHIVES = Number(values.archives);
const RUNS = Number(values.runs);
const REPOSITORIES = 10;
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-catalog-'));

// Real archives of format v1 (a small snapshot entry, a manifest that describes it), 10 repositories.
writeArchives([folder], { archives: ARCHIVES, repositories: REPOSITORIES, snapshotBytes: 4096 });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(label: string, work: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await work();
    runs.push(performance.now() - t);
  }
  const m = median(runs);
  console.log(`${label.padEnd(46)} ${m.toFixed(1).padStart(8)} ms  (median of ${RUNS})`);
  return m;
}

const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000, role: 'source' });
try {
  await io.stat(folder); // the agent is started before anything is timed
  const names = fs.readdirSync(folder);
  const listFs = await time('baseline: readdir + stat, in-process fs', async () => {
    for (const n of fs.readdirSync(folder)) fs.statSync(path.join(folder, n));
  });
  const listAgent = await time('baseline: readdir + stat, through the agent', async () => {
    const listed = await io.readdir(folder);
    for (let i = 0; i < listed.length; i += 200)
      await io.statMany(
        folder,
        listed.slice(i, i + 200).map((e) => e.name),
      );
  });
  const cold = await time(`cold open (no index), ${names.length} archives`, async () => {
    fs.rmSync(path.join(folder, INDEX_NAME), { force: true });
    const c = await openCatalog(folder, { io, clock: systemClock });
    if (c.index.filesRead !== ARCHIVES) throw new Error(`read ${c.index.filesRead}`);
  });
  const warm = await time(`warm open (index fresh), ${names.length} archives`, async () => {
    const c = await openCatalog(folder, { io, clock: systemClock });
    if (c.index.filesRead !== 0 || c.timelines.length !== REPOSITORIES) throw new Error('not warm');
  });
  const index = fs.statSync(path.join(folder, INDEX_NAME)).size;
  console.log(`index file: ${(index / 1024).toFixed(0)} KB for ${ARCHIVES} archives`);
  console.log(
    `cold vs agent listing: ${(cold / listAgent).toFixed(1)}x; warm vs agent listing: ${(warm / listAgent).toFixed(1)}x`,
  );
  console.log(
    `cold vs warm: ${(cold / warm).toFixed(1)}x; agent listing vs in-process listing: ${(listAgent / listFs).toFixed(1)}x`,
  );
  // Into `npm run bench`'s table: what opening Backups… costs against just listing the folder.
  figure({
    name: `catalog cold open (no index), ${ARCHIVES} archives, vs the agent's listing`,
    value: cold / listAgent,
    unit: 'x',
    baseline: `listing ${listAgent.toFixed(1)} ms; cold ${cold.toFixed(1)} ms`,
  });
  figure({
    name: `catalog warm open (index fresh), ${ARCHIVES} archives, vs the agent's listing`,
    value: warm / listAgent,
    unit: 'x',
    baseline: `listing ${listAgent.toFixed(1)} ms; warm ${warm.toFixed(1)} ms`,
  });
} finally {
  io.close();
  fs.rmSync(folder, { recursive: true, force: true });
}
