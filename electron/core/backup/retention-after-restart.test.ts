import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveInspector } from './pipeline';
import { agentIo, backupFixture, fill } from './test-support';

// Retention verifies the N archives it keeps. Its cache of results lived only in memory, so the first
// run after a restart verified every kept archive of every repository again; it now also trusts what
// this server's history says it verified in full — as long as the file was not written since.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A byte in the middle flipped, the size kept: verification fails, a listing cannot tell. */
function damageInPlace(file: string, mtime?: Date) {
  const fd = fs.openSync(file, 'r+');
  const middle = Math.floor(fs.statSync(file).size / 2);
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, middle);
  fs.writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, middle);
  fs.closeSync(fd);
  if (mtime) fs.utimesSync(file, mtime, mtime);
}

describe('retention after a restart', () => {
  it('counts an archive this server verified and nobody wrote since as good, and checks one written since', async () => {
    const t = backupFixture(cleanups);
    fill(t.store.create('Alpha'), 30);
    // The history's times come from the server's (fake) clock, a file's mtime from the disk's: the fake
    // clock is set an hour ahead, so the archives written now are older than their verification however
    // long the exports take on a busy machine.
    await t.clock.advanceTo(Date.now() + 3_600_000);
    const first = await t.service.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: t.out },
    }).done;
    const second = await t.service.startExportJob({
      repository: 'Alpha',
      destination: { kind: 'folder', folder: t.out },
    }).done;
    expect([first.error, second.error]).toEqual([null, null]);

    // As after a restart: an empty cache, the history's record of what was verified.
    const afterRestart = () =>
      archiveInspector(t.dataDir, agentIo(cleanups), new Map(), () =>
        t.service.history.verifiedArchives(t.out),
      );

    // Damaged with its time set back, the first is taken on the history's word: the limit of trusting it.
    const { mtime } = fs.statSync(first.file!);
    damageInPlace(first.file!, mtime);
    expect(await afterRestart().verify(first.file!)).toBe(true);

    // Damaged after its verification (its mtime says so): checked in full again, and refused.
    damageInPlace(second.file!, new Date(t.clock.now() + 60_000));
    expect(await afterRestart().verify(second.file!)).toBe(false);

    // A file the history never saw verified is checked in full.
    const copy = path.join(t.out, 'Alpha_2020-01-01-00-00-00.zip');
    fs.copyFileSync(second.file!, copy);
    expect(await afterRestart().verify(copy)).toBe(false);
  });
});
