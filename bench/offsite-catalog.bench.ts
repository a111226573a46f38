// The catalog of the offsite copy against the same catalog here (`npm run bench:offsite-catalog
// [-- --archives N] [--runs N]`): N real archives in the remote folder of a real sshd on loopback
// (electron/core/offsite/testing/sshd.ts), opened through the offsite session (a listing and ranged
// reads of each ZIP's directory and manifest), against the same N files in a local folder opened
// through the file agent with no index (every manifest read too), in the same run. The figure is the
// ratio; the connect and login are timed apart (the catalog makes one per opening).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeAgentLauncher } from '../electron/core/backup/fs-agent';
import { archiveFileName } from '../electron/core/backup/manifest';
import { TargetFs } from '../electron/core/backup/target-fs';
import { buildZip } from '../electron/core/backup/zip-fixture';
import { openCatalog } from '../electron/core/catalog/open-catalog';
import { systemClock } from '../electron/core/clock';
import { judgeHostKey, pinHostKey } from '../electron/core/offsite/host-key';
import { remoteFs } from '../electron/core/offsite/remote-fs';
import { SftpDestination, sftpLabel } from '../electron/core/offsite/sftp-destination';
import { startSshd } from '../electron/core/offsite/testing/sshd';
import { OffsiteSettings } from '../electron/shared/settings-schema';
import { figure } from './figures';

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
const started = Date.parse('2026-01-01T00:00:00Z');
for (let i = 0; i < ARCHIVES; i++) {
  const repo = i % REPOSITORIES;
  const name = `Repository ${repo}`;
  const snapshot = randomBytes(64 * 1024);
  const at = started + i * 3_600_000;
  const manifest = {
    format: 'repo-server-backup',
    formatVersion: 1,
    repository: { name, id: `00000000-0000-4000-8000-${String(repo).padStart(12, '0')}` },
    schemaVersion: 3,
    itemCount: 100 + i,
    revisionCount: 10,
    includesHistory: true,
    startedAt: new Date(at).toISOString(),
    finishedAt: new Date(at + 2000).toISOString(),
    producer: { app: 'Repository Server', version: '0.1.0', host: 'bench' },
    trigger: 'schedule',
    clientsPolicy: 'keep-connected',
    entries: [
      {
        name: 'repository.sqlite',
        size: snapshot.length,
        sha256: createHash('sha256').update(snapshot).digest('hex'),
      },
    ],
  };
  const zip = buildZip([
    { name: 'repository.sqlite', data: snapshot },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) },
  ]);
  fs.writeFileSync(path.join(local, archiveFileName(name, at)), zip);
  fs.writeFileSync(path.join(remote, archiveFileName(name, at)), zip);
}

const hostKeyBlob = Buffer.from(
  fs.readFileSync(path.join(sshd.dir, 'host_ed25519.pub'), 'utf8').split(' ')[1]!,
  'base64',
);
const base = OffsiteSettings.parse({
  enabled: true,
  host: '127.0.0.1',
  port: sshd.port,
  username: sshd.user,
  auth: 'key-file',
  keyFile: sshd.keyFile,
  remoteFolder: remote,
});
const settings = {
  ...base,
  knownHosts: pinHostKey(
    [],
    judgeHostKey(base, '127.0.0.1', sshd.port, hostKeyBlob),
    new Date().toISOString(),
  ),
};
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
