// The catalog of the offsite copy against the same catalog here (`npm run bench:offsite-catalog
// [-- --archives N] [--runs N]`): N real archives in the remote folder of a real sshd on loopback
// (electron/core/offsite/testing/sshd.ts), opened through the offsite session (a listing and ranged
// reads of each ZIP's directory and manifest), against the same N files in a local folder opened
// through the file agent with no index (every manifest read too), in the same run. The figure is the
// ratio; the connect and login are timed apart (the catalog makes one per opening).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeAgentLauncher } from '../electron/core/backup/fs-agent';
import { TargetFs } from '../electron/core/backup/target-fs';
import { openCatalog } from '../electron/core/catalog/open-catalog';
import { systemClock } from '../electron/core/clock';
import { remoteFs } from '../electron/core/offsite/remote-fs';
import { SftpDestination, sftpLabel } from '../electron/core/offsite/sftp-destination';
import { startSshd } from '../electron/core/offsite/testing/sshd';
import { figure } from './figures';
import { pinnedSftpSettings, writeArchives } from './fixtures';

const { values } = parseArgs({
  options: { archives: { type: 'string', default: '100' }, runs: { type: 'string', default: '5' } },
});
const ARCHIVES = Number(values.archives);
const RUNS = Number(values.runs);
const REPOSITORIES = 10;

const sshd = await startSshd({ passphrase: '' });
const local = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-offsite-catalog-'));
const remote = path.join(sshd.remoteRoot, 'copies');
fs.mkdirSync(remote);

// Real archives of format v1 (a 64 KB snapshot entry, a manifest that describes it), 10 repositories.
writeArchives([local, remote], { archives: ARCHIVES, repositories: REPOSITORIES, snapshotBytes: 64 * 1024 });

const settings = pinnedSftpSettings(sshd, remote);
const destination = new SftpDestination({
  settings,
  privateKey: fs.readFileSync(sshd.keyFile),
  secret: null,
});
const label = sftpLabel(settings);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(label: string, work: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await work();
    runs.push(performance.now() - t);
  }
  const m = median(runs);
  console.log(`${label.padEnd(52)} ${m.toFixed(1).padStart(8)} ms  (median of ${RUNS})`);
  return m;
}
const expectAll = (c: Awaited<ReturnType<typeof openCatalog>>) => {
  const n = c.timelines.reduce((s, t) => s + t.archives.length, 0);
  if (n !== ARCHIVES || c.others.length !== 0)
    throw new Error(`listed ${n} archives, ${c.others.length} others`);
};

const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000, role: 'source' });
try {
  await io.stat(local); // the agent is started before anything is timed
  const here = await time(`local folder, ${ARCHIVES} archives (no index)`, async () =>
    expectAll(await openCatalog(local, { io, clock: systemClock, writeIndex: false })),
  );
  const connect = await time('offsite: connect, key exchange, login', async () =>
    (await destination.open(new AbortController().signal)).close(),
  );
  const offsite = await time(`offsite folder, ${ARCHIVES} archives (connect included)`, async () => {
    const signal = new AbortController().signal;
    const session = await destination.open(signal);
    const r = remoteFs(session, { root: path.join(local, '.remote'), timeoutMs: 30_000, signal });
    try {
      expectAll(
        await openCatalog(r.root, { io: r.io, clock: systemClock, writeIndex: false, remoteLabel: label }),
      );
    } finally {
      r.close();
      session.close();
    }
  });
  console.log(
    `per archive: local ${(here / ARCHIVES).toFixed(2)} ms, offsite ${((offsite - connect) / ARCHIVES).toFixed(2)} ms`,
  );
  figure({
    name: `offsite catalog of ${ARCHIVES} archives over SFTP (loopback) vs the same folder here`,
    value: offsite / here,
    unit: 'x',
    baseline: `local ${here.toFixed(0)} ms, offsite ${offsite.toFixed(0)} ms (of which connect ${connect.toFixed(0)} ms)`,
  });
} finally {
  io.close();
  await sshd.dispose();
  fs.rmSync(local, { recursive: true, force: true });
}
