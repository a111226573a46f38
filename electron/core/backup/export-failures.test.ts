import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFixture, tempDir } from './test-support';

// Targets that fail midway, and a process killed midway: never a file with the final name that is
// incomplete, and no `*.partial` left once the failure is known.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function bigRepository(t: ReturnType<typeof backupFixture>, megabytes: number) {
  const repo = t.store.create('Big');
  for (let i = 0; i < megabytes; i++) {
    repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  }
  return repo;
}

function mountTmpfs(options: string): string {
  const dir = tempDir('backup-mount');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  cleanups.push(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

describe('export to a target that fails', () => {
  it('a folder that does not exist yet is created, as the schedule creates its target', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 1);
    const folder = path.join(t.out, 'exports', 'nightly');
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder },
    }).done;
    expect(result.error).toBeNull();
    expect(path.dirname(result.file!)).toBe(folder);
    expect(fs.readdirSync(folder)).toEqual([path.basename(result.file!)]);
  });

  it('a path beneath a file: names the file that stands in the way', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 1);
    const blocker = path.join(t.out, 'backups.txt');
    fs.writeFileSync(blocker, 'not a folder');
    const folder = path.join(blocker, 'exports');
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder },
    }).done;
    expect(result.error).toEqual({
      code: 'NOT_WRITABLE',
      message: `${blocker} is a file, not a folder, so ${folder} cannot be used; choose a folder.`,
    });
    expect(fs.readdirSync(t.out)).toEqual(['backups.txt']);
  });

  it('a read-only disk: a clear error, nothing written', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 1);
    const readOnly = mountTmpfs('size=1m,ro');
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder: readOnly },
    }).done;
    expect(result.error).toEqual({
      code: 'NOT_WRITABLE',
      message: `The target folder ${readOnly} is on a read-only disk (EROFS).`,
    });
    expect(t.service.history.list()[0]).toMatchObject({ status: 'failed', error: result.error!.message });
  });

  it('a disk that fills up midway: NO_SPACE, and no *.partial left behind', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 6);
    // Room for the estimate (the repository's size and a margin), but not once someone else writes.
    const small = mountTmpfs('size=12m');
    // Once compression starts, something else takes most of the free space.
    const off = t.events.on('jobProgress', (p) => {
      if (p.phase === 'compressing') {
        off();
        fs.writeFileSync(path.join(small, 'someone-else.bin'), Buffer.alloc(11 * 1024 * 1024));
      }
    });
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder: small },
    }).done;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('NO_SPACE');
    expect(result.error?.message).toMatch(
      new RegExp(`^The disk of the target folder ${small} is full \\(ENOSPC\\)`),
    );
    expect(fs.readdirSync(small)).toEqual(['someone-else.bin']);
  });

  it('a folder removed midway: a clear error, and no file appears elsewhere', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 4);
    const folder = path.join(t.out, 'share');
    fs.mkdirSync(folder);
    const off = t.events.on('jobProgress', (p) => {
      if (p.phase === 'compressing') {
        off();
        fs.rmSync(folder, { recursive: true });
      }
    });
    const result = await t.service.startExportJob({
      repository: 'Big',
      destination: { kind: 'folder', folder },
    }).done;
    expect(result.error).toMatchObject({ code: 'NOT_WRITABLE' });
    expect(result.error!.message).toContain(`The target folder ${folder} does not exist or was removed`);
    expect(fs.readdirSync(t.out)).toEqual([]);
  });

  it('an existing file is never overwritten when exporting to one file', async () => {
    const t = backupFixture(cleanups);
    bigRepository(t, 1);
    const file = path.join(t.out, 'mine.zip');
    fs.writeFileSync(file, 'precious');
    const result = await t.service.startExportJob({ repository: 'Big', destination: { kind: 'file', file } })
      .done;
    expect(result.error?.code).toBe('ALREADY_EXISTS');
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
  });
});

/** Runs export-child.fixture.ts and SIGKILLs it once its output matches `when`; returns its output. */
async function exportKilledWhen(dataDir: string, folder: string, when: RegExp) {
  const root = path.resolve(import.meta.dirname, '../../..');
  const child = spawn(
    path.join(root, 'node_modules/.bin/node'),
    [
      path.join(root, 'node_modules/.bin/jiti'),
      path.join(import.meta.dirname, 'export-child.fixture.ts'),
      dataDir,
      folder,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  let killedAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!killedAt && when.test(output)) {
      killedAt = Date.now();
      child.kill('SIGKILL');
    }
  });
  await exited;
  return { output, killedAt };
}

describe('a process killed midway', () => {
  it('leaves no archive with its final name; the next start removes its *.partial', async () => {
    const dataDir = tempDir('backup-killed');
    const folder = tempDir('backup-killed-out');
    // Midway: the archive is being written (some bytes are in), not yet complete.
    const { output } = await exportKilledWhen(dataDir, folder, /phase compressing [1-9]/);
    expect(output).toContain('phase compressing');
    expect(output).not.toContain('finished');
    const left = fs.readdirSync(folder);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^Big_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip\.partial$/);

    // The next start (same data dir) knows the job was interrupted and removes what it left.
    const t = backupFixture(cleanups, dataDir);
    await t.service.recovered;
    expect(fs.readdirSync(folder)).toEqual([]);
    const tmp = path.join(dataDir, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
    expect(t.service.history.list()[0]).toMatchObject({
      kind: 'export',
      status: 'failed',
      error: 'Interrupted: the application stopped during this job.',
    });
  }, 60_000);

  it('killed while verifying: the next start verifies the archive and records it; "Took" ends at the kill', async () => {
    const dataDir = tempDir('backup-killed-verify');
    const folder = tempDir('backup-killed-verify-out');
    const { output, killedAt } = await exportKilledWhen(dataDir, folder, /phase verifying [1-9]/);
    expect(output).not.toContain('finished');
    const [archive, ...others] = fs.readdirSync(folder);
    expect(archive).toMatch(/^Big_.*\.zip$/);
    expect(others).toEqual([]);

    const t = backupFixture(cleanups, dataDir);
    await t.service.recovered;
    const row = t.service.history.list()[0]!;
    expect(row).toMatchObject({
      kind: 'export',
      status: 'ok',
      file: path.join(folder, archive!),
      sizeBytes: fs.statSync(path.join(folder, archive!)).size,
      error: 'Interrupted while it was being verified; verified at the next start.',
    });
    expect(Date.parse(row.finishedAt!)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(row.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(row.startedAt));
    // No final-named file the history does not know of.
    const known = new Set(t.service.history.list().map((h) => h.file));
    expect(fs.readdirSync(folder).every((f) => known.has(path.join(folder, f)))).toBe(true);
    expect((await t.service.verify(path.join(folder, archive!))).verified).toBe(true);
  }, 60_000);

  it('killed while verifying an archive that is damaged: the next start removes it', async () => {
    const dataDir = tempDir('backup-killed-damaged');
    const folder = tempDir('backup-killed-damaged-out');
    await exportKilledWhen(dataDir, folder, /phase verifying [1-9]/);
    const [archive] = fs.readdirSync(folder);
    const file = path.join(folder, archive!);
    // A byte of the snapshot changes on disk before the restart (a bad sector, say).
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x55]), 0, 1, Math.floor(fs.statSync(file).size / 2));
    fs.closeSync(fd);

    const t = backupFixture(cleanups, dataDir);
    await t.service.recovered;
    expect(fs.readdirSync(folder)).toEqual([]);
    expect(t.service.history.list()[0]).toMatchObject({ kind: 'export', status: 'failed' });
    expect(t.service.history.list()[0]!.error).toMatch(/did not verify at the next start and was removed/);
  }, 60_000);
});
