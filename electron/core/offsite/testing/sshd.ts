import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A real OpenSSH server for the offsite tests (Debian's openssh-server, installed by .ci/run): run as
// `sshd -D -f <config>` (not a daemon) on a free loopback port, with its own host key and an
// authorized_keys for a generated test key, everything in a temp folder. It can be SIGKILLed with its
// session processes (the server dying mid-upload), started again on the same port, and given a new
// host key (a reinstalled or impersonated server).

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  readonly dir: string;
  readonly port: number;
  readonly user: string;
  /** The client's private key file; encrypted with `passphrase`. */
  readonly keyFile: string;
  readonly passphrase: string;
  /** An absolute folder on the "server" the copies may go to. */
  readonly remoteRoot: string;
  /** `SHA256:…` of the current host key, as `ssh-keygen -lf` prints it. */
  fingerprint(): string;
  /** Starts (again) on the same port; resolves once it answers with its SSH banner. */
  start(): Promise<void>;
  /** SIGKILL to sshd and every process it started (the session serving an upload too). */
  kill(): void;
  /** A new host key (takes effect at the next start). */
  newHostKey(): void;
  /** The pids of this sshd and its descendants. */
  pids(): number[];
  /** Kills it and waits until it is gone (start() brings it back). */
  stop(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });

const banner = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('data', (d) => done(d.toString('latin1').startsWith('SSH-2.0-')));
    socket.once('error', () => done(false));
  });

/** Descendants of `root` by walking /proc (Linux): the sessions sshd forked. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(root);
  return found;
}

export async function startSshd(
  options: {
    passphrase?: string;
    /** An SFTP-only account (ForceCommand internal-sftp): no command such as sha256sum can run. */
    sftpOnly?: boolean;
  } = {},
): Promise<TestSshd> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (.ci/run does).`);
  // sshd insists on its privilege separation folder (root-owned, not writable by others).
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-sshd-'));
  const port = await freePort();
  const user = os.userInfo().username;
  const passphrase = options.passphrase ?? 'correct horse battery staple';
  const hostKey = path.join(dir, 'host_ed25519');
  const keyFile = path.join(dir, 'client_ed25519');
  const remoteRoot = path.join(dir, 'remote');
  fs.mkdirSync(remoteRoot);
  const keygen = (file: string, pass: string) => {
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', 'repo-server-test', '-f', file]);
  };
  keygen(hostKey, '');
  keygen(keyFile, passphrase);
  fs.copyFileSync(`${keyFile}.pub`, path.join(dir, 'authorized_keys'));
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'MaxStartups 100',
      'LogLevel ERROR',
      ...(options.sftpOnly ? ['ForceCommand internal-sftp'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();
  let log = '';

  const sshd: TestSshd = {
    dir,
    port,
    user,
    keyFile,
    passphrase,
    remoteRoot,
    fingerprint: () =>
      execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(
        ' ',
      )[1]!,
    async start() {
      await exited;
      child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      const running = child;
      exited = new Promise((r) => running.once('exit', r));
      child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      for (let i = 0; i < 100; i++) {
        if (await banner(port)) return;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`sshd did not start on port ${port}: ${log}`);
    },
    pids() {
      const running = child && child.exitCode === null && child.signalCode === null;
      return running && child!.pid ? [child!.pid, ...descendants(child!.pid)] : [];
    },
    kill() {
      for (const pid of sshd.pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
    newHostKey: () => keygen(hostKey, ''),
    async stop() {
      sshd.kill();
      await exited;
      child = null;
    },
    async dispose() {
      await sshd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await sshd.start();
  return sshd;
}
