// Offsite copy throughput over loopback against a real sshd (electron/core/offsite/testing/sshd.ts):
// our upload (local reads through the file agent, ssh2, SFTP writes in flight, fsync) and its remote
// check, against `scp` of the same file to the same server in the same run — the ratio is the figure.
// `npm run bench -- offsite [--size MB] [--rounds N]`
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeAgentLauncher } from '../electron/core/backup/fs-agent';
import { TargetFs } from '../electron/core/backup/target-fs';
import { SftpDestination } from '../electron/core/offsite/sftp-destination';
import { startSshd } from '../electron/core/offsite/testing/sshd';
import { sha256OfFile } from '../electron/core/offsite/uploader';
import { figure } from './figures';
import { pinnedSftpSettings } from './fixtures';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const sizeMb = arg('size', 128);
const rounds = arg('rounds', 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (ms: number) => sizeMb / (ms / 1000);

const sshd = await startSshd({ passphrase: '' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-offsite-'));
const file = path.join(dir, 'Bench_2026-01-01-00-00-00.zip');
{
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < sizeMb; i++) fs.writeSync(fd, randomBytes(1 << 20));
  fs.closeSync(fd);
}
const remote = path.join(sshd.remoteRoot, 'bench');
fs.mkdirSync(remote);

// The key pinned as an administrator would have confirmed it.
const settings = pinnedSftpSettings(sshd, remote);
const privateKey = fs.readFileSync(sshd.keyFile);

const ours: number[] = [];
const checks: number[] = [];
const hashes: number[] = [];
for (let round = 0; round < rounds; round++) {
  const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000, role: 'source' });
  const session = await new SftpDestination({ settings, privateKey, secret: null }).open(
    new AbortController().signal,
  );
  const local = await io.open(file, 'r');
  const name = `round-${round}.partial`;
  let t = performance.now();
  await session.put(name, { size: local.size, read: (p, l) => local.read(p, l) }, 0, () => {});
  ours.push(performance.now() - t);
  t = performance.now();
  await session.digest(name);
  checks.push(performance.now() - t);
  await local.close();
  await session.remove(name);
  session.close();
  // What the pipeline's step costs the backup job: one SHA-256 read of the verified archive.
  t = performance.now();
  await sha256OfFile(io, file);
  hashes.push(performance.now() - t);
  io.close();
}

const scp = (cipher: string | null) => {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const t = performance.now();
    execFileSync('scp', [
      '-q',
      ...(cipher ? ['-c', cipher] : []),
      '-i',
      sshd.keyFile,
      '-P',
      String(sshd.port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      file,
      `${sshd.user}@127.0.0.1:${remote}/scp-${round}.zip`,
    ]);
    times.push(performance.now() - t);
    fs.rmSync(path.join(remote, `scp-${round}.zip`));
  }
  return median(times);
};
const scpDefault = scp(null);
const scpGcm = scp('aes128-gcm@openssh.com');

const up = median(ours);
console.log(`file: ${sizeMb} MB of random bytes, loopback, median of ${rounds} rounds`);
console.log(`offsite upload (ssh2, aes128-gcm, through the file agent): ${mbps(up).toFixed(0)} MB/s`);
console.log(`remote check (sha256sum on the server): ${mbps(median(checks)).toFixed(0)} MB/s`);
console.log(
  `queue step (SHA-256 of the local archive through the file agent): ${mbps(median(hashes)).toFixed(0)} MB/s`,
);
console.log(`scp (default cipher): ${mbps(scpDefault).toFixed(0)} MB/s`);
console.log(`scp -c aes128-gcm@openssh.com: ${mbps(scpGcm).toFixed(0)} MB/s`);
console.log(`upload throughput / scp's (default cipher): ${(scpDefault / up).toFixed(2)}x`);
console.log(`upload throughput / scp's (same cipher): ${(scpGcm / up).toFixed(2)}x`);
figure({
  name: `offsite upload ${sizeMb} MB, throughput vs scp (same cipher)`,
  value: scpGcm / up,
  unit: 'x',
  baseline: `scp ${mbps(scpGcm).toFixed(0)} MB/s, ours ${mbps(up).toFixed(0)} MB/s`,
});
console.log(
  `upload + remote check / scp alone (default cipher): ${(scpDefault / (up + median(checks))).toFixed(2)}x`,
);

await sshd.dispose();
fs.rmSync(dir, { recursive: true, force: true });
