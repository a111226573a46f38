import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import { offsiteWorlds, sha256 } from './testing/offsite-world';

// Offsite copies against a real OpenSSH server (testing/sshd.ts) on loopback.

const { cleanups, world } = offsiteWorlds();

describe('offsite copies over SFTP', () => {
  it('a scheduled backup and its configuration archive appear on the remote, checked; remote retention keeps N of each', async () => {
    const w = await world();
    const first = await w.configure();
    // The first connection stops before logging in and shows the key to compare with the server's own.
    expect(first.ok).toBe(false);
    expect(first.code).toBe('HOST_KEY_UNCONFIRMED');
    expect(first.hostKey).toMatchObject({
      state: 'new',
      fingerprint: w.sshd.fingerprint(),
      algorithm: 'ssh-ed25519',
    });
    expect(first.message).toContain(w.sshd.fingerprint());
    const again = await w.h.testOffsiteConnection({ settings: w.form, secret: w.sshd.passphrase });
    expect(again).toMatchObject({ ok: true, checkedBy: 'remote-command', hostKey: { state: 'pinned' } });
    expect(again.message).toMatch(/writable, .* free\. Copies will be checked by the server’s sha256sum\./);

    // Files in the remote folder that merely look like ours: a repository's and a configuration's.
    fs.mkdirSync(w.remoteFolder, { recursive: true });
    const foreign = 'Alpha_2020-01-01-00-00-00.zip';
    const foreignConfig = `${CONFIG_ARCHIVE_NAME}_2020-01-01-00-00-00.zip`;
    for (const name of [foreign, foreignConfig])
      fs.writeFileSync(path.join(w.remoteFolder, name), 'not ours');

    for (let run = 0; run < 3; run++) {
      const rows = await w.scheduledBackup();
      expect(rows.map((r) => r.status)).toEqual(['ok']);
      await w.idle();
    }
    const local = w.localArchives();
    expect(local).toHaveLength(3);
    // Each run wrote its configuration archive beside the repository's (local retention keeps 7).
    const localConfig = w.localConfigArchives();
    expect(localConfig).toHaveLength(3);
    const remote = w.remoteFiles();
    // The newest 2 of each of ours, each exactly the local bytes; the foreign files untouched; no temp
    // file left.
    expect(remote).toEqual([foreign, foreignConfig, ...local.slice(1), ...localConfig.slice(1)].sort());
    for (const name of [...local.slice(1), ...localConfig.slice(1)])
      expect(sha256(path.join(w.remoteFolder, name))).toBe(sha256(path.join(w.target, name)));
    for (const name of [foreign, foreignConfig])
      expect(fs.readFileSync(path.join(w.remoteFolder, name), 'utf8')).toBe('not ours');
    for (const name of ['Alpha', CONFIG_ARCHIVE_NAME]) {
      const copies = w.copiesOf(name);
      expect(
        copies.map((c) => c.state),
        name,
      ).toEqual(['copied', 'copied', 'removed']);
      expect(
        copies.every((c) => c.checkedBy === 'remote-command'),
        name,
      ).toBe(true);
    }
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME).map((c) => path.basename(c.file))).toEqual(
      [...localConfig].reverse(),
    );
    expect(w.copies()).toHaveLength(6);

    const status = await w.h.getOffsiteStatus(undefined);
    expect(status).toMatchObject({ enabled: true, pending: 0, alert: false, lastError: null });
    expect(status.perRepository).toEqual([
      expect.objectContaining({
        name: 'Alpha',
        pending: 0,
        checkedBy: 'remote-command',
        alert: false,
      }),
      expect.objectContaining({
        name: CONFIG_ARCHIVE_NAME,
        pending: 0,
        checkedBy: 'remote-command',
        alert: false,
      }),
    ]);
    expect(status.perRepository.every((r) => r.lastCopiedAt !== null)).toBe(true);
    // Three scheduled runs a second apart, each copied and read back over SSH: 20 s alone, more while
    // the other test files share the two cores.
  }, 90_000);

  it('sshd killed mid-upload: the copy is retried, resumes and completes after sshd returns; no final-named partial', async () => {
    const w = await world({ repositories: { Big: { randomMb: 40 } } });
    await w.configure();
    // Kill the server (and the session serving the upload) once 12 MB are on its disk.
    let killedAt = 0;
    const watcher = setInterval(() => {
      const partial = w.remoteFiles().find((f) => f.endsWith('.partial'));
      if (!killedAt && partial && fs.statSync(path.join(w.remoteFolder, partial)).size > 12 << 20) {
        killedAt = fs.statSync(path.join(w.remoteFolder, partial)).size;
        w.sshd.kill();
      }
    }, 2);
    cleanups.push(() => clearInterval(watcher));
    const rows = await w.scheduledBackup();
    expect(rows.map((r) => r.status)).toEqual(['ok']);
    await expect.poll(() => killedAt, { timeout: 20_000 }).toBeGreaterThan(0);
    await w.idle();
    clearInterval(watcher);

    const [copy] = w.copiesOf('Big');
    expect(copy).toMatchObject({ state: 'pending', attempts: 1 });
    expect(copy!.error).toMatch(/closed the connection|dropped the connection|failed/);
    // The run's configuration archive waits behind it.
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)).toEqual([expect.objectContaining({ state: 'pending' })]);
    // Nothing with a final name on the remote: only the temporary file, shorter than the archive.
    const archive = w.localArchives()[0]!;
    expect(w.remoteFiles().filter((f) => f.endsWith('.zip'))).toEqual([]);
    const partial = w.remoteFiles().find((f) => f.endsWith('.partial'))!;
    expect(partial.startsWith(archive)).toBe(true);
    expect(fs.statSync(path.join(w.remoteFolder, partial)).size).toBeLessThan(
      fs.statSync(path.join(w.target, archive)).size,
    );
    // The acknowledged prefix was kept: the next attempt resumes there.
    expect(w.server.offsite.queue.get(copy!.id)!.uploadedBytes).toBeGreaterThanOrEqual(8 << 20);
    const status = await w.h.getOffsiteStatus(undefined);
    expect(status).toMatchObject({ pending: 2, lastError: { code: 'UNREACHABLE' } });
    expect(status.failingSince).not.toBeNull();

    // Still down at the first retry: tried, failed again, still no final name.
    await w.clock.advanceBy(60_000);
    await w.idle();
    expect(w.copiesOf('Big')[0]).toMatchObject({ state: 'pending', attempts: 2 });
    expect(w.copiesOf('Big')[0]!.error).toMatch(/refused the connection/);

    await w.sshd.start();
    await w.clock.advanceBy(120_000);
    await w.idle();
    expect(w.copiesOf('Big')[0]).toMatchObject({
      state: 'copied',
      attempts: 3,
      remoteName: archive,
      checkedBy: 'remote-command',
    });
    expect(w.logs.some((l) => /Offsite: resuming the copy of .* at \d/.test(l))).toBe(true);
    const [config] = w.localConfigArchives();
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)[0]).toMatchObject({ state: 'copied', remoteName: config });
    expect(w.remoteFiles()).toEqual([archive, config!].sort());
    for (const name of [archive, config!])
      expect(sha256(path.join(w.remoteFolder, name))).toBe(sha256(path.join(w.target, name)));
    expect((await w.h.getOffsiteStatus(undefined)).failingSince).toBeNull();
  });

  it('a changed host key is refused with both fingerprints shown; confirming the new one lets copies go on', async () => {
    const w = await world();
    await w.configure();
    await w.scheduledBackup();
    await w.idle();
    const pinned = w.sshd.fingerprint();
    expect(w.copies().map((c) => [c.repository, c.state])).toEqual([
      [CONFIG_ARCHIVE_NAME, 'copied'],
      ['Alpha', 'copied'],
    ]);

    await w.sshd.stop();
    w.sshd.newHostKey();
    await w.sshd.start();
    const changed = w.sshd.fingerprint();
    expect(changed).not.toBe(pinned);
    await w.scheduledBackup();
    await w.idle();
    const [newest] = w.copiesOf('Alpha');
    expect(newest).toMatchObject({ state: 'pending' });
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)[0]).toMatchObject({ state: 'pending' });
    expect(newest!.error).toContain(`it was ${pinned}, now it is ${changed}`);
    expect(newest!.error).toMatch(/Refused: someone may be intercepting/);
    const status = await w.h.getOffsiteStatus(undefined);
    expect(status.lastError).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    // The first run's two copies only.
    expect(w.remoteFiles()).toHaveLength(2);
    // Saving cannot slip the new key in; a test shows it, and only the key just seen can be confirmed.
    const test = await w.h.testOffsiteConnection({ settings: w.form });
    expect(test).toMatchObject({
      ok: false,
      code: 'HOST_KEY_CHANGED',
      hostKey: { state: 'changed', pinnedFingerprint: pinned, fingerprint: changed },
    });
    await expect(
      w.h.confirmOffsiteHostKey({ host: '127.0.0.1', port: w.sshd.port, fingerprint: pinned }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await w.h.confirmOffsiteHostKey({ host: '127.0.0.1', port: w.sshd.port, fingerprint: changed });
    await w.idle();
    expect(
      w
        .copies()
        .slice(0, 2)
        .map((c) => c.state),
    ).toEqual(['copied', 'copied']);
    expect(w.remoteFiles()).toEqual([...w.localArchives(), ...w.localConfigArchives()].sort());
  });

  it('a full remote disk fails the copy with a clear message and keeps the local backup', async () => {
    const small = fs.mkdtempSync(path.join(os.tmpdir(), 'offsite-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', small]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', small]);
      fs.rmSync(small, { recursive: true, force: true });
    });
    const w = await world({ repositories: { Big: { randomMb: 5 } }, remoteFolder: small });
    await w.configure();
    const rows = await w.scheduledBackup();
    await w.idle();
    expect(rows.map((r) => r.status)).toEqual(['ok']);
    const archive = w.localArchives()[0]!;
    expect(fs.existsSync(path.join(w.target, archive))).toBe(true);
    const [copy] = w.copiesOf('Big');
    expect(copy).toMatchObject({ state: 'pending' });
    // A full disk is the destination's failure: the configuration's copy waits for the next attempt.
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)).toEqual([expect.objectContaining({ state: 'pending' })]);
    expect(copy!.error).toContain(`The offsite folder ${small} on 127.0.0.1:${w.sshd.port} has `);
    expect(copy!.error).toMatch(
      / free; the copy of .* needs 5\.\d+ MB\. The local backup is kept; free space on the server\.$/,
    );
    expect(copy!.error).toContain(archive);
    expect((await w.h.getOffsiteStatus(undefined)).lastError).toMatchObject({ code: 'NO_SPACE' });
    expect(w.remoteFiles()).toEqual([]);
  });

  it('a disk that fills up during the upload: the copy fails as full, its partial is removed, the retry succeeds once there is room', async () => {
    const small = fs.mkdtempSync(path.join(os.tmpdir(), 'offsite-fills-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', small]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', small]);
      fs.rmSync(small, { recursive: true, force: true });
    });
    const w = await world({ repositories: { Big: { randomMb: 8 } }, remoteFolder: small });
    await w.configure();
    // Another writer on the server takes the room once the upload is under way.
    const filler = path.join(small, 'someone-else.bin');
    const watcher = setInterval(() => {
      if (fs.existsSync(filler)) return;
      const partial = w.remoteFiles().find((f) => f.endsWith('.partial'));
      if (partial && fs.statSync(path.join(small, partial)).size > 1 << 20) {
        try {
          fs.writeFileSync(filler, Buffer.alloc(6 << 20));
        } catch {
          // the disk is as full as it gets
        }
      }
    }, 2);
    cleanups.push(() => clearInterval(watcher));
    await w.scheduledBackup();
    await w.idle();
    clearInterval(watcher);
    const [copy] = w.copiesOf('Big');
    expect(copy).toMatchObject({ state: 'pending' });
    expect(copy!.error).toContain(`The offsite folder ${small} on 127.0.0.1:${w.sshd.port} is full`);
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)).toEqual([expect.objectContaining({ state: 'pending' })]);
    expect(w.remoteFiles()).toEqual(['someone-else.bin']);
    expect(w.localArchives()).toHaveLength(1);

    fs.rmSync(filler);
    await w.clock.advanceBy(60_000);
    await w.idle();
    expect(w.copies().map((c) => c.state)).toEqual(['copied', 'copied']);
    expect(w.remoteFiles()).toEqual([...w.localArchives(), ...w.localConfigArchives()].sort());
  });

  it('a server that stops answering fails the attempt by its deadline, and stopping the core stays bounded', async () => {
    const w = await world({ repositories: { Big: { randomMb: 40 } }, offsite: { timeoutSeconds: 2 } });
    await w.configure({ timeoutSeconds: 2 });
    let stoppedAt = 0;
    const watcher = setInterval(() => {
      const partial = w.remoteFiles().find((f) => f.endsWith('.partial'));
      if (!stoppedAt && partial && fs.statSync(path.join(w.remoteFolder, partial)).size > 4 << 20) {
        stoppedAt = performance.now();
        for (const pid of w.sshd.pids()) process.kill(pid, 'SIGSTOP');
      }
    }, 2);
    cleanups.push(() => {
      clearInterval(watcher);
      for (const pid of w.sshd.pids()) process.kill(pid, 'SIGCONT');
    });
    await w.scheduledBackup();
    await w.idle();
    clearInterval(watcher);
    expect(stoppedAt).toBeGreaterThan(0);
    const [copy] = w.copiesOf('Big');
    expect(copy!.state).toBe('pending');
    expect(copy!.error).toBe(
      'The offsite server 127.0.0.1:' +
        w.sshd.port +
        ' did not answer for 2 s; the copy will be tried again.',
    );
    expect(w.remoteFiles().filter((f) => f.endsWith('.zip'))).toEqual([]);

    // Still frozen: the next attempt hangs in its connect, and stopping the core ends it at once.
    await w.clock.advanceBy(60_000);
    await expect.poll(() => w.server.offsite.uploader.current?.phase).toBe('connecting');
    const before = performance.now();
    await w.server.stop();
    expect(performance.now() - before).toBeLessThan(1_500);
  });

  it('an SFTP-only account (no commands): copies are checked by reading them back', async () => {
    const w = await world({ sftpOnly: true });
    await w.configure();
    const test = await w.h.testOffsiteConnection({ settings: w.form });
    expect(test).toMatchObject({ ok: true, checkedBy: 'read-back' });
    expect(test.message).toContain('reading each copy back (the server allows no commands)');
    await w.scheduledBackup();
    await w.idle();
    expect(w.copies()).toEqual([
      expect.objectContaining({ repository: CONFIG_ARCHIVE_NAME, state: 'copied', checkedBy: 'read-back' }),
      expect.objectContaining({ repository: 'Alpha', state: 'copied', checkedBy: 'read-back' }),
    ]);
    expect(w.remoteFiles()).toEqual([...w.localArchives(), ...w.localConfigArchives()].sort());
  });

  it('a local archive changed after it was verified is never copied', async () => {
    const w = await world();
    await w.configure();
    await w.sshd.stop();
    await w.scheduledBackup();
    await w.idle();
    const file = path.join(w.target, w.localArchives()[0]!);
    const bytes = fs.readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    await w.sshd.start();
    await w.clock.advanceBy(60_000);
    await w.idle();
    expect(w.copiesOf('Alpha')[0]).toMatchObject({ state: 'failed' });
    expect(w.copiesOf('Alpha')[0]!.error).toBe(
      `The local backup ${file} changed after it was verified; it was not copied.`,
    );
    // The run's configuration archive is unchanged: its copy is made.
    expect(w.copiesOf(CONFIG_ARCHIVE_NAME)[0]).toMatchObject({ state: 'copied' });
    expect(w.remoteFiles()).toEqual(w.localConfigArchives());
  });

  it('settings: enabled needs a confirmed host key; only a key a test just saw can be confirmed', async () => {
    const w = await world();
    await expect(
      w.h.saveOffsiteSettings({ settings: w.form, secret: w.sshd.passphrase }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: { hostKey: 'Test the connection and confirm the server’s host key before turning copies on.' },
    });
    await expect(
      w.h.confirmOffsiteHostKey({ host: '127.0.0.1', port: w.sshd.port, fingerprint: w.sshd.fingerprint() }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // The key is decrypted here before anything is sent: a wrong passphrase is said as such.
    const wrongPassphrase = await w.h.testOffsiteConnection({ settings: w.form, secret: 'not it' });
    expect(wrongPassphrase).toMatchObject({ ok: false, code: 'AUTH_FAILED', hostKey: null });
    expect(wrongPassphrase.message).toMatch(
      /^The private key could not be used: .*Check the key file and its passphrase\.$/,
    );
    const unconfirmed = await w.h.testOffsiteConnection({ settings: w.form, secret: w.sshd.passphrase });
    expect(unconfirmed).toMatchObject({ ok: false, code: 'HOST_KEY_UNCONFIRMED', hostKey: { state: 'new' } });
    await expect(
      w.h.confirmOffsiteHostKey({
        host: '127.0.0.1',
        port: w.sshd.port + 1,
        fingerprint: w.sshd.fingerprint(),
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await w.h.confirmOffsiteHostKey({
      host: '127.0.0.1',
      port: w.sshd.port,
      fingerprint: w.sshd.fingerprint(),
    });
    // Another user, whose key the server does not know.
    expect(
      await w.h.testOffsiteConnection({
        settings: { ...w.form, username: 'nobody' },
        secret: w.sshd.passphrase,
      }),
    ).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      message: `The offsite server 127.0.0.1:${w.sshd.port} refused the login of nobody (key, passphrase or password not accepted).`,
    });
    const noKey = await w.h.testOffsiteConnection({
      settings: { ...w.form, keyFile: '/nonexistent/id_ed25519' },
    });
    expect(noKey).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      message: 'The key file /nonexistent/id_ed25519 does not exist on this machine.',
    });
    expect(await w.h.testOffsiteConnection({ settings: w.form })).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      message: 'The private key is protected by a passphrase: enter it in the offsite settings.',
    });
    const closed = await w.h.testOffsiteConnection({
      settings: { ...w.form, port: 1 },
      secret: w.sshd.passphrase,
    });
    expect(closed).toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
      message: 'The offsite server 127.0.0.1:1 refused the connection (nothing listens there).',
    });
    const saved = await w.h.saveOffsiteSettings({ settings: w.form, secret: w.sshd.passphrase });
    expect(saved).toMatchObject({ secretStored: true, secretStorage: 'owner-only-file' });
    expect(saved.settings.knownHosts).toEqual([
      expect.objectContaining({
        host: '127.0.0.1',
        port: w.sshd.port,
        fingerprint: w.sshd.fingerprint(),
        algorithm: 'ssh-ed25519',
      }),
    ]);
  });

  it('the passphrase never appears in settings, logs, history, the queue or any archive (grep the data dir)', async () => {
    const w = await world();
    await w.configure();
    await w.scheduledBackup();
    await w.idle();
    expect(w.copies().map((c) => c.state)).toEqual(['copied', 'copied']);
    // The configuration archive on the remote is among the files grepped (and unzipped) below.
    expect(w.remoteFiles()).toEqual([...w.localArchives(), ...w.localConfigArchives()].sort());
    await w.server.stop();
    const secret = Buffer.from(w.sshd.passphrase);
    const secretsFile = path.join(w.dataDir, 'secrets', 'offsite-login');
    // Where it is kept: one file only this OS user can read, in a folder only this user can open.
    expect(fs.statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(secretsFile)).mode & 0o777).toBe(0o700);
    const everyFile = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((d) => (d.isDirectory() ? everyFile(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    const files = [...everyFile(w.dataDir), ...everyFile(w.target), ...everyFile(w.remoteFolder)].filter(
      (f) => f !== secretsFile,
    );
    expect(files.some((f) => f.endsWith('settings.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('server.sqlite'))).toBe(true);
    for (const file of files) expect(fs.readFileSync(file).includes(secret), file).toBe(false);
    // Inside the archives too (their entries are compressed on disk).
    for (const archive of files.filter((f) => f.endsWith('.zip'))) {
      const unpacked = execFileSync('unzip', ['-p', archive], { maxBuffer: 1 << 30 });
      expect(unpacked.includes(secret), archive).toBe(false);
    }
    expect(w.logs.join('\n')).not.toContain(w.sshd.passphrase);
  });
});
