import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogMethods, type Catalog } from '../../shared/contract/catalog';
import { offsiteWorlds, sha256 } from '../offsite/testing/offsite-world';

// The catalog of the offsite copy (ARCHITECTURE §6): the remote folder of a real OpenSSH server
// (offsite/testing/sshd.ts) read through the offsite session, compared with the same files read here.

const { cleanups, world } = offsiteWorlds();

/** What a catalog says of its files, without where it read them from. */
const shape = (c: Catalog) => ({
  timelines: c.timelines.map((t) => ({
    ...t,
    archives: t.archives.map(({ file: _f, verification: _v, offsiteCopy: _o, ...a }) => a),
  })),
  others: c.others.map(({ file: _f, ...o }) => o),
});

const remoteState = (folder: string) =>
  fs
    .readdirSync(folder)
    .sort()
    .map((n) => [n, fs.statSync(path.join(folder, n)).mtimeMs, sha256(path.join(folder, n))]);

describe('the catalog of the offsite copy', () => {
  it('equals the catalog of the same archives here; foreign and truncated files are listed as such, never touched', async () => {
    const w = await world({ repositories: { Alpha: {} } });
    await w.configure();
    await w.scheduledBackup();
    await w.idle();
    const local = w.localArchives();
    expect(local).toHaveLength(1);
    // Someone else's file, and one of our archives cut in half (a copy that broke off by other means).
    fs.writeFileSync(path.join(w.remoteFolder, 'notes.txt'), 'tape rotation\n');
    const whole = fs.readFileSync(path.join(w.target, local[0]!));
    fs.writeFileSync(
      path.join(w.remoteFolder, 'Alpha_2020-01-01-00-00-00.zip'),
      whole.subarray(0, whole.length >> 1),
    );
    const before = remoteState(w.remoteFolder);

    const remote = await w.h.openCatalog({ source: 'offsite' });
    expect(remote.source).toBe('offsite');
    expect(remote.folder).toBe(`sftp://${w.sshd.user}@127.0.0.1:${w.sshd.port}${w.remoteFolder}`);
    expect(remote.timelines.map((t) => [t.repository, t.archives.length])).toEqual([['Alpha', 1]]);
    for (const a of remote.timelines.flatMap((t) => t.archives)) {
      expect(a.file).toBe(`${remote.folder}/${a.name}`);
      // Copied and checked by this server: its SHA-256 was the verified archive's.
      expect(a.offsiteCopy).toMatchObject({ state: 'copied', checkedBy: 'remote-command', unchanged: true });
      expect(a.offsiteCopy!.localFile).toBe(path.join(w.target, a.name));
      expect(a.verification).toMatchObject({ state: 'verified', source: 'history' });
    }
    // The run's configuration archive was copied too: ours, but no repository's (recovery reads it).
    const [config] = w.localConfigArchives();
    expect(config).toBeDefined();
    expect(sha256(path.join(w.remoteFolder, config!))).toBe(sha256(path.join(w.target, config!)));
    expect(remote.others.map((o) => [o.name, o.kind])).toEqual([
      [config, 'foreign'],
      ['Alpha_2020-01-01-00-00-00.zip', 'damaged'],
      ['notes.txt', 'foreign'],
    ]);
    expect(remote.others[0]!.reason).toBe('The server’s configuration backup (recovery reads it).');
    // Nothing written on the remote: no index, every file as it was.
    expect(remote.index).toMatchObject({ written: false, found: 'missing' });
    expect(remoteState(w.remoteFolder)).toEqual(before);

    // Browsing an offsite backup: read into the data dir's temp area, checked, then as a local one.
    const offsiteArchive = remote.timelines[0]!.archives[0]!;
    const items = await w.h.listArchiveItems({ file: offsiteArchive.file });
    expect(items.file).toBe(offsiteArchive.file);
    expect(items.items.map((i) => i.path)).toEqual(
      (await w.h.listArchiveItems({ file: path.join(w.target, offsiteArchive.name) })).items.map(
        (i) => i.path,
      ),
    );
    const restored = await w.h.restoreArchiveItems({
      file: offsiteArchive.file,
      paths: ['modules/login'],
      into: 'Alpha from offsite',
      create: true,
    });
    expect(restored).toMatchObject({ created: true, restored: [{ path: 'modules/login' }] });
    await expect(
      w.h.listArchiveItems({ file: `sftp://someone@elsewhere:22/x/${offsiteArchive.name}` }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(remoteState(w.remoteFolder)).toEqual(before);

    // The same files in a folder here.
    const here = fs.mkdtempSync(path.join(os.tmpdir(), 'offsite-catalog-here-'));
    cleanups.push(() => fs.rmSync(here, { recursive: true, force: true }));
    for (const n of fs.readdirSync(w.remoteFolder))
      fs.copyFileSync(path.join(w.remoteFolder, n), path.join(here, n));
    const same = await w.h.openCatalog({ folder: here });
    expect(shape(remote)).toEqual(shape(same));
  });

  it('says when there is no offsite copy, the host key changed, or the server dies while listing — within the deadline', async () => {
    const w = await world();
    await expect(w.h.openCatalog({ source: 'offsite' })).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
    // The contract refuses both at once (the IPC and HTTP adapters validate every call with it).
    const both = catalogMethods.openCatalog.input.safeParse({ source: 'offsite', folder: w.target });
    expect(both.success ? null : both.error.issues[0]!.message).toBe(
      'Choose either a folder or the offsite copy, not both.',
    );
    await w.configure();

    // sshd (and the session serving us) SIGKILLed as the listing is asked for.
    const offsite = w.server.offsite;
    const real = offsite.openForReading.bind(offsite);
    offsite.openForReading = async (signal) => {
      const opened = await real(signal);
      const list = opened.session.list.bind(opened.session);
      opened.session.list = () => {
        w.sshd.kill();
        return list();
      };
      return opened;
    };
    const started = performance.now();
    const dead = await w.h.openCatalog({ source: 'offsite' }).catch((e: unknown) => e);
    expect(dead).toMatchObject({ code: expect.stringMatching(/^(UNREACHABLE|NOT_RESPONDING)$/) });
    expect((dead as Error).message).toContain(`127.0.0.1:${w.sshd.port}`);
    expect(performance.now() - started).toBeLessThan(w.form.timeoutSeconds * 1000 + 2000);
    offsite.openForReading = real;

    await w.sshd.stop();
    await expect(w.h.openCatalog({ source: 'offsite' })).rejects.toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining(`127.0.0.1:${w.sshd.port}`),
    });
    w.sshd.newHostKey();
    await w.sshd.start();
    const changed = await w.h.openCatalog({ source: 'offsite' }).catch((e: unknown) => e);
    expect(changed).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect((changed as Error).message).toContain(w.sshd.fingerprint());
  });
});
