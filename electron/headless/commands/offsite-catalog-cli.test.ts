import { describe, expect, it } from 'vitest';
import { offsiteWorlds } from '../../core/offsite/testing/offsite-world';
import { runCommand } from '../testing/cli-harness';

// `repo-server backups --offsite`: the catalog of the offsite copy's remote folder on a real OpenSSH
// server (core/offsite/testing/sshd.ts), as a script reads it.

const { world } = offsiteWorlds();

describe('repo-server backups --offsite', () => {
  it('repo-server backups --offsite prints the offsite copy’s timeline', async () => {
    const w = await world({ repositories: { Alpha: {} } });
    await w.configure();
    await w.scheduledBackup();
    await w.idle();
    await w.server.stop();
    const listed = await runCommand(['backups', '--offsite', 'alpha', '--data-dir', w.dataDir]);
    expect(listed).toMatchObject({ code: 0, err: '' });
    expect(listed.out).toContain(
      `Backups in sftp://${w.sshd.user}@127.0.0.1:${w.sshd.port}${w.remoteFolder}: 1 archive of 1 repository.`,
    );
    expect(listed.out).toMatch(/VERIFIED +COPY +MADE BY/);
    expect(listed.out).toMatch(
      /schedule +\S+ \S+ +1 +verified +copied, checked +this server +Alpha_\d{4}-.*\.zip/,
    );
    const both = await runCommand(['backups', '--offsite', '--in', w.target, '--data-dir', w.dataDir]);
    expect(both.code).toBe(2);
  });
});
