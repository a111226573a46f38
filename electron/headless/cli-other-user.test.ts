import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, spawnCli } from './testing/cli-child';
import { serveDataDir, tempDirs } from './testing/cli-harness';

// The CLI's credential (ARCHITECTURE §8) is the console token file, mode 0600, in the data directory: only
// the same OS user can read it. Here another local user is made (we run as root, as CI does) and the real
// CLI is run as that user by dropping privileges with setpriv — not skipped, not faked.

const USER = 'repo-cli-other';
const temp = tempDirs();
let uid = 0;

beforeAll(() => {
  if (process.getuid?.() !== 0)
    throw new Error('This test makes an OS user and drops privileges to it: run it as root (CI does).');
  const exists = spawnSync('id', ['-u', USER]).status === 0;
  if (!exists)
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
});
afterAll(() => {
  temp.removeAll();
  spawnSync('userdel', [USER]);
});

const asOther = ['setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', '--'];

describe('another OS user and the running server', () => {
  it('is refused with a clear reason, cannot read the credential, and gets nothing from the port alone', async () => {
    const dataDir = temp.make('cli-other-user-');
    // Even a folder others may look into (0755) does not let them in: the token file stays 0600.
    fs.chmodSync(dataDir, 0o755);
    const server = await serveDataDir(dataDir);
    try {
      const cli = await spawnCli(['list', '--data-dir', dataDir], { prefix: asOther }).done;
      expect(cli.code).toBe(4);
      expect(cli.err).toBe(
        `repo-server: The data directory ${dataDir} belongs to root (uid 0), not to ${USER} (uid ${uid}): ` +
          'run repo-server as root (sudo -u, runuser), never beside it as another user.\n',
      );
      expect(cli.out).toBe('');

      const token = path.join(dataDir, 'console-token');
      expect(fs.statSync(token).mode & 0o777).toBe(0o600);
      const read = spawnSync(asOther[0]!, [...asOther.slice(1), 'cat', token], { encoding: 'utf8' });
      expect(read.status).not.toBe(0);
      expect(read.stderr).toContain('Permission denied');

      // The Control Panel's port is on loopback for every local user: without the token it answers 401.
      // Not spawnSync: this process is the server, and must keep answering while the probe waits.
      const probe = await promisify(execFile)(
        asOther[0]!,
        [
          ...asOther.slice(1),
          NODE,
          '-e',
          `fetch(${JSON.stringify(`${server.origin}/api/listRepositories`)}, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'}).then(r => console.log(r.status))`,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(probe.stdout.trim()).toBe('401');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
