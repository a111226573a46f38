import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../shared/contract/catalog';
import { backupFixture, fill, mountTmpfs, tempDir } from '../backup/test-support';
import { nodeAgentLauncher } from '../backup/fs-agent';
import { TargetFs } from '../backup/target-fs';
import { mountHangingFs } from '../testing/hanging-fs';
import { newestPerRepository } from '../../shared/catalog-choice';
import { INDEX_NAME } from './catalog-index';
import { CatalogService } from './catalog-service';
import { openCatalog } from './open-catalog';

// A catalog over a real folder of real archives, written by two data directories' backup pipelines,
// with foreign files, a truncated archive and a renamed one beside them.

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

type Fixture = ReturnType<typeof backupFixture>;

const catalogOf = (f: Fixture) =>
  new CatalogService({
    backups: f.service,
    settings: f.settings,
    clock: f.clock,
    dataDir: f.dataDir,
    store: f.store,
  });

async function backUp(f: Fixture, repository: string, folder: string): Promise<string> {
  await f.clock.advanceBy(61_000);
  const result = await f.service.backupRepository({
    repository,
    destination: { kind: 'folder', folder },
    kind: 'backup',
    trigger: 'schedule',
  });
  return result.file;
}

/** Bytes and modification time of every file: what "never touched" means. */
function fingerprint(folder: string, names: string[]) {
  return Object.fromEntries(
    names.map((n) => {
      const file = path.join(folder, n);
      return [n, { bytes: fs.readFileSync(file).toString('base64'), mtimeMs: fs.statSync(file).mtimeMs }];
    }),
  );
}

/** What a person compares between two openings: the timelines and the other files, not timings. */
const shape = (c: Catalog) => ({ timelines: c.timelines, others: c.others, truncated: c.truncated });

const FOREIGN = {
  'notes.txt': 'remember to rotate the tapes\n',
  'photo.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]),
  'empty.bin': '',
};

async function folderOfThree() {
  const one = backupFixture(cleanups);
  const two = backupFixture(cleanups);
  const folder = tempDir('catalog');
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  for (const name of ['Alpha', 'Beta']) fill(one.store.create(name), 5);
  fill(two.store.create('Gamma'), 3);
  const alpha1 = await backUp(one, 'Alpha', folder);
  const alpha2 = await backUp(one, 'Alpha', folder);
  const beta1 = await backUp(one, 'Beta', folder);
  const gamma1 = await backUp(two, 'Gamma', folder);
  const gamma2 = await backUp(two, 'Gamma', folder);
  for (const [name, content] of Object.entries(FOREIGN)) fs.writeFileSync(path.join(folder, name), content);
  // Someone else's ZIP, made by the system's zip tool.
  fs.writeFileSync(path.join(folder, 'readme.txt'), 'hello');
  execFileSync('zip', ['-q', path.join(folder, 'other.zip'), 'readme.txt'], { cwd: folder });
  fs.rmSync(path.join(folder, 'readme.txt'));
  // The newest Gamma backup cut in half (a copy that stopped midway); the first Alpha one renamed.
  const bytes = fs.readFileSync(gamma2);
  fs.writeFileSync(gamma2, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const renamed = path.join(folder, 'alpha before the migration.zip');
  fs.renameSync(alpha1, renamed);
  const foreignNames = [...Object.keys(FOREIGN), 'other.zip'];
  return { one, two, folder, alpha2, beta1, gamma1, gamma2, renamed, foreignNames };
}

function ioFor(timeoutMs = 30_000) {
  const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs, role: 'source' });
  cleanups.push(() => io.close());
  return io;
}

describe('openCatalog', () => {
  it('gives a timeline per repository from two data dirs, lists foreign, truncated and renamed files, and touches none', async () => {
    const f = await folderOfThree();
    const before = fingerprint(f.folder, fs.readdirSync(f.folder));
    const catalog = await catalogOf(f.one).open(f.folder);

    expect(catalog.timelines.map((t) => [t.repository, t.archives.length])).toEqual([
      ['Alpha', 2],
      ['Beta', 1],
      ['Gamma', 1],
    ]);
    const alpha = catalog.timelines[0]!;
    // Newest first; the renamed one is recognised by its manifest and said to be renamed.
    expect(alpha.archives.map((a) => [a.file, a.renamed])).toEqual([
      [f.alpha2, false],
      [f.renamed, true],
    ]);
    expect(alpha.archives[0]).toMatchObject({
      repository: 'Alpha',
      trigger: 'schedule',
      itemCount: 5,
      includesHistory: true,
      sizeBytes: fs.statSync(f.alpha2).size,
      producer: { app: 'Repository Server', version: '0.1.0' },
    });
    // This server's history verified what it wrote; a renamed file is no longer the file it checked,
    // and the other data dir's backups are only known by their manifests here.
    expect(alpha.archives.map((a) => a.verification.state)).toEqual(['verified', 'unchecked']);
    expect(alpha.archives[0]!.verification.source).toBe('history');
    expect(catalog.timelines[2]!.archives[0]!.verification.state).toBe('unchecked');
    expect(Date.parse(alpha.archives[0]!.createdAt)).toBeGreaterThan(
      Date.parse(alpha.archives[1]!.createdAt),
    );

    const others = Object.fromEntries(catalog.others.map((o) => [o.name, o.kind]));
    expect(others).toEqual({
      [path.basename(f.gamma2)]: 'damaged',
      'empty.bin': 'foreign',
      'notes.txt': 'foreign',
      'other.zip': 'foreign',
      'photo.jpg': 'foreign',
    });
    expect(catalog.others.find((o) => o.kind === 'damaged')!.reason).toMatch(
      /not a ZIP archive, or truncated/,
    );
    expect(catalog.index).toMatchObject({ found: 'missing', written: true, writeError: null });

    // Nothing but the index was added, and no file changed, not even its time.
    const after = fs.readdirSync(f.folder);
    expect(after.sort()).toEqual([...Object.keys(before), INDEX_NAME].sort());
    expect(fingerprint(f.folder, Object.keys(before))).toEqual(before);
  });

  it('a truncated archive whose name was changed is still told apart from a foreign file by its first entry', async () => {
    const f = await folderOfThree();
    fs.renameSync(f.gamma2, path.join(f.folder, 'gamma-copy.bin'));
    const catalog = await openCatalog(f.folder, { io: ioFor(), clock: f.one.clock });
    expect(catalog.others.find((o) => o.name === 'gamma-copy.bin')?.kind).toBe('damaged');
  });

  it('opens warm from its index (no manifest read), rebuilds it after deletion equal to a full scan, and rereads only a changed file', async () => {
    const f = await folderOfThree();
    const open = (writeIndex = true) =>
      openCatalog(f.folder, { io: ioFor(), clock: f.one.clock, writeIndex });
    const cold = await open();
    expect(cold.index).toMatchObject({ found: 'missing', filesRead: 9, written: true });

    const warm = await open();
    expect(warm.index).toMatchObject({ found: 'fresh', filesRead: 0, written: false });
    expect(shape(warm)).toEqual(shape(cold));

    fs.rmSync(path.join(f.folder, INDEX_NAME));
    const rebuilt = await open();
    expect(rebuilt.index).toMatchObject({ found: 'missing', filesRead: 9, written: true });
    const fullScan = await (async () => {
      const scratch = tempDir('catalog-copy');
      cleanups.push(() => fs.rmSync(scratch, { recursive: true, force: true }));
      // A full scan never looks at an index: the same folder without one, read without writing one.
      for (const n of fs.readdirSync(f.folder).filter((n) => n !== INDEX_NAME))
        fs.copyFileSync(path.join(f.folder, n), path.join(scratch, n));
      return openCatalog(scratch, { io: ioFor(), clock: f.one.clock, writeIndex: false });
    })();
    const relative = (c: Catalog) =>
      JSON.parse(JSON.stringify(shape(c)).replaceAll(c.folder, '<folder>')) as unknown;
    expect(relative(rebuilt)).toEqual(relative(fullScan));
    expect(fs.existsSync(path.join(fullScan.folder, INDEX_NAME))).toBe(false);

    // Staleness is size + modification time per file: a touched file is read again, the rest is not.
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(f.beta1, later, later);
    const touched = await open();
    expect(touched.index).toMatchObject({ found: 'stale', filesRead: 1, written: true });
    // A removed archive leaves its timeline.
    fs.rmSync(f.beta1);
    const removed = await open();
    expect(removed.index).toMatchObject({ found: 'stale', filesRead: 0, written: true });
    expect(removed.timelines.map((t) => t.repository)).toEqual(['Alpha', 'Gamma']);
  });

  it('an index that is damaged is rebuilt; a file of that name that is not ours is left alone', async () => {
    const f = await folderOfThree();
    const indexFile = path.join(f.folder, INDEX_NAME);
    const open = () => openCatalog(f.folder, { io: ioFor(), clock: f.one.clock });
    const good = await open();

    fs.writeFileSync(
      indexFile,
      '{"format":"repo-server-catalog","formatVersion":1,"files":[{"kind":"archive"',
    );
    const afterGarbage = await open();
    expect(afterGarbage.index).toMatchObject({ found: 'unreadable', filesRead: 9, written: true });
    expect(shape(afterGarbage)).toEqual(shape(good));
    // Nested 50,000 deep (anyone who can write the folder can write this): refused unparsed, rebuilt.
    fs.writeFileSync(
      indexFile,
      `{"format":"repo-server-catalog","formatVersion":1,"files":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    );
    const afterDeep = await open();
    expect(afterDeep.index).toMatchObject({ found: 'unreadable', filesRead: 9, written: true });
    expect(shape(afterDeep)).toEqual(shape(good));

    // An index that lists a file with another repository's manifest under a stale stamp is not believed.
    const text = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as {
      files: Array<{ name: string; size: number }>;
    };
    for (const entry of text.files) entry.size += 1;
    fs.writeFileSync(indexFile, JSON.stringify(text));
    expect((await open()).index).toMatchObject({ found: 'stale', filesRead: 9 });

    fs.writeFileSync(indexFile, '{"my": "own settings"}');
    const foreignIndex = await open();
    expect(foreignIndex.index).toMatchObject({ found: 'not-ours', written: false });
    expect(fs.readFileSync(indexFile, 'utf8')).toBe('{"my": "own settings"}');
    expect(shape(foreignIndex)).toEqual(shape(good));
  });

  it('a read-only folder opens as a catalog and says the index could not be kept', async () => {
    const f = await folderOfThree();
    const disk = mountTmpfs(cleanups, 'size=64m');
    for (const n of fs.readdirSync(f.folder)) fs.copyFileSync(path.join(f.folder, n), path.join(disk, n));
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const catalog = await openCatalog(disk, { io: ioFor(), clock: f.one.clock });
    expect(catalog.timelines).toHaveLength(3);
    expect(catalog.index.written).toBe(false);
    expect(catalog.index.writeError).toMatch(/read-only/);
  });

  it('says which folder does not exist, and that a file is not a folder', async () => {
    const f = backupFixture(cleanups);
    const missing = path.join(f.out, 'nope');
    await expect(openCatalog(missing, { io: ioFor(), clock: f.clock })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `The folder ${missing} does not exist.`,
    });
    const file = path.join(f.out, 'a.txt');
    fs.writeFileSync(file, 'x');
    await expect(openCatalog(file, { io: ioFor(), clock: f.clock })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('a folder that stops answering fails the opening with its name within the deadline, never hangs it', async () => {
    const f = backupFixture(cleanups);
    const mount = await mountHangingFs();
    cleanups.push(() => mount.unmount());
    fill(f.store.create('Alpha'), 2);
    await backUp(f, 'Alpha', mount.dir);
    mount.hang('read');
    const started = performance.now();
    await expect(openCatalog(mount.dir, { io: ioFor(1_000), clock: f.clock })).rejects.toMatchObject({
      code: 'NOT_RESPONDING',
      message: expect.stringContaining(mount.dir) as unknown,
    });
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('what a server verified travels with the folder: each backup brings the index up to date, and a fresh server reads it', async () => {
    const one = backupFixture(cleanups);
    const catalogOne = catalogOf(one);
    one.service.pipeline.addStep(catalogOne.step, { after: 'retention' });
    const folder = tempDir('catalog-step');
    cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
    fill(one.store.create('Alpha'), 2);
    const first = await backUp(one, 'Alpha', folder);
    const second = await backUp(one, 'Alpha', folder);
    expect(fs.readdirSync(folder).sort()).toEqual(
      [INDEX_NAME, path.basename(first), path.basename(second)].sort(),
    );

    const fresh = backupFixture(cleanups);
    const seen = await catalogOf(fresh).open(folder);
    expect(seen.index).toMatchObject({ found: 'fresh', filesRead: 0 });
    expect(
      seen.timelines[0]!.archives.map((a) => [a.file, a.verification.state, a.verification.source]),
    ).toEqual([
      [second, 'verified', 'index'],
      [first, 'verified', 'index'],
    ]);
  });

  it('the newest archive of every repository, as of a time, verified or not known to fail', async () => {
    const f = await folderOfThree();
    const catalog = await catalogOf(f.one).open(f.folder);
    const pick = (options: Parameters<typeof newestPerRepository>[1]) =>
      newestPerRepository(catalog, options).map((c) => [c.timeline.repository, c.archive?.file ?? null]);
    expect(pick({})).toEqual([
      ['Alpha', f.alpha2],
      ['Beta', f.beta1],
      ['Gamma', null], // made by the other data dir: unchecked here
    ]);
    expect(pick({ accept: 'not-failed' })).toEqual([
      ['Alpha', f.alpha2],
      ['Beta', f.beta1],
      ['Gamma', f.gamma1],
    ]);
    const alpha = catalog.timelines[0]!.archives;
    const beforeNewest = Date.parse(alpha[0]!.createdAt) - 1;
    expect(pick({ notAfter: beforeNewest, accept: 'not-failed' })[0]).toEqual(['Alpha', f.renamed]);
    expect(pick({ notAfter: Date.parse(alpha[1]!.createdAt) - 1 })[0]).toEqual(['Alpha', null]);
  });
});
