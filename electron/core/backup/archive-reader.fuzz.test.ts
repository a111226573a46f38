import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../shared/contract/archives';
import { AppFailure } from '../../shared/result';
import { fuzzParameters, fuzzTimeoutMs } from '../../shared/testing/fuzz';
import { checkSnapshot, openArchive } from './archive-reader';
import { MANIFEST_ENTRY, SNAPSHOT_ENTRY } from './manifest';
import { backupFixture, contentsOf, fill, tempDir } from './test-support';
import { buildZip, type FixtureEntry } from './zip-fixture';

// Fuzzing the archive reader (issue 12): hostile ZIP bytes, entries and manifests, all grown from a real
// export. Whatever the file holds, reading it answers — it resolves, or fails with a stable code and a
// message of bounded length, never another exception — within a deadline, and writes nothing but its
// one target file inside its temp folder. Through the whole import, a refused archive leaves the
// existing repository as it was. Runs briefly in `npm test`; `FUZZ_RUNS=20000 npm run test:unit --
// electron/core/backup/archive-reader.fuzz.test.ts` runs longer (electron/shared/testing/fuzz.ts).

const READER_CODES = ['INVALID_ARCHIVE', 'UNSUPPORTED_VERSION'];
/** Our sentence around at most a few names cut at 80 characters: never a whole 60 KB name. */
const MAX_MESSAGE_BEYOND_FILE_NAME = 700;
/** Reading a 100 KB archive that never answers by then is a hang. */
const DEADLINE_MS = 10_000;

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const lasting: Array<() => void> = [];
afterAll(() => lasting.splice(0).forEach((c) => c()));

let realZip: Buffer;
let realSnapshot: Buffer;
let realManifest: ManifestV1;

beforeAll(async () => {
  const t = backupFixture(lasting);
  fill(t.store.create('Alpha'));
  const result = await t.service.backupRepository({
    repository: 'Alpha',
    destination: { kind: 'folder', folder: t.out },
    compression: 'fast',
  });
  realZip = fs.readFileSync(result.file);
  realManifest = await t.service.readManifest(result.file);
  const archive = await openArchive(result.file);
  const extracted = path.join(t.out, 'snapshot.sqlite');
  try {
    await checkSnapshot(archive, extracted);
  } finally {
    archive.close();
  }
  realSnapshot = fs.readFileSync(extracted);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The real snapshot zipped with `manifest` (or raw manifest text): entries honest unless told. */
function zipWith(manifest: unknown, snapshot = realSnapshot): Buffer {
  const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  return buildZip([
    { name: SNAPSHOT_ENTRY, data: snapshot },
    { name: MANIFEST_ENTRY, data: Buffer.from(text) },
  ]);
}

const hostileName = fc.oneof(
  fc.constantFrom(
    MANIFEST_ENTRY,
    SNAPSHOT_ENTRY,
    '../../../../etc/evil_item',
    '../repository.sqlite',
    '/etc/passwd',
    'C:\\evil',
    'dir/',
    'repository.sqlite\u0000.txt',
    'REPOSITORY.SQLITE',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.nat(3000).map((n) => 'n'.repeat(n * 20)),
);

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.nat(6000).map((n) => 'v'.repeat(n * 10)),
  fc.nat(20000).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.constantFrom(-1, 0, 2 ** 53, 1e308, 99, 'repo-server-backup', null, true),
);

/** One field of the real manifest replaced by anything (a path of keys, e.g. entries.0.size). */
const manifestField = fc.constantFrom(
  'format',
  'formatVersion',
  'repository',
  'repository.name',
  'repository.id',
  'schemaVersion',
  'itemCount',
  'revisionCount',
  'includesHistory',
  'startedAt',
  'producer',
  'trigger',
  'clientsPolicy',
  'entries',
  'entries.0',
  'entries.0.name',
  'entries.0.size',
  'entries.0.sha256',
  'entries.1',
);

function withField(manifest: ManifestV1, key: string, value: unknown): unknown {
  const copy = structuredClone(manifest) as unknown as Record<string, unknown>;
  const keys = key.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
  return copy;
}

/** An archive whose manifest lies or is malformed, over the real snapshot. */
const hostileManifest = fc.oneof(
  fc
    .array(fc.tuple(manifestField, hostileValue), { minLength: 1, maxLength: 3 })
    .map((edits) =>
      zipWith(edits.reduce<unknown>((m, [k, v]) => withField(m as ManifestV1, k, v), realManifest)),
    ),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => zipWith(text)),
  fc
    .nat(30000)
    .map((n) =>
      zipWith(`{"format":"repo-server-backup","formatVersion":1,"x":${'['.repeat(n)}${']'.repeat(n)}}`),
    ),
);

/** A ZIP built entry by entry with whatever names, methods, CRCs, sizes and modes. */
const hostileEntries = fc
  .array(
    fc.record(
      {
        name: hostileName,
        data: fc.oneof(
          fc.constant(null), // the real manifest or snapshot, by the entry's name
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.nat(2000).map((n) => Buffer.alloc(n * 100)),
        ),
        method: fc.constantFrom(0, 8) as fc.Arbitrary<0 | 8>,
        crc32: fc.integer({ min: 0, max: 0xffffffff }),
        uncompressedSize: fc.integer({ min: 0, max: 0xffffffff }),
        mode: fc.oneof(fc.constantFrom(0o100644, 0o120777, 0o040755, 0o020644, 0), fc.nat(0xffff)),
      },
      { requiredKeys: ['name', 'data'] },
    ),
    { maxLength: 4 },
  )
  .map((entries) =>
    buildZip(
      entries.map((e): FixtureEntry => ({
        ...e,
        data:
          e.data ?? (e.name === MANIFEST_ENTRY ? Buffer.from(JSON.stringify(realManifest)) : realSnapshot),
      })),
    ),
  );

/** The real export with bytes changed — in its headers and central directory more often than not. */
const damagedBytes = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.oneof(
          fc.nat(),
          fc.nat(200).map((n) => -1 - n),
          fc.nat(64),
        ),
        fc.integer({ min: 0, max: 255 }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([edits, cut]) => {
    const bytes = Buffer.from(realZip);
    for (const [at, value] of edits) bytes[((at % bytes.length) + bytes.length) % bytes.length] = value;
    return cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
  });

const hostileArchive = fc.oneof(hostileManifest, hostileEntries, damagedBytes);

const hangs = (ms: number) =>
  new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: the reader hangs`)), ms);
    timer.unref();
  });

/** Every file under `dir`, relative, sorted: what "nothing written outside its temp area" compares. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => f.replaceAll('\\', '/')).sort();
}

describe('the archive reader under fuzzing', () => {
  it(
    'property: any archive is read or refused with a stable code and a bounded message, in time, writing only its target',
    async () => {
      const root = tempDir('fuzz-archive');
      cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
      let round = 0;
      await fc.assert(
        fc.asyncProperty(hostileArchive, async (bytes) => {
          const dir = path.join(root, String(round++));
          const tmp = path.join(dir, 'tmp');
          fs.mkdirSync(tmp, { recursive: true });
          const file = path.join(dir, 'in.zip');
          fs.writeFileSync(file, bytes);
          const target = path.join(tmp, 'snapshot.sqlite');
          const read = async () => {
            const archive = await openArchive(file);
            try {
              await checkSnapshot(archive, target);
            } finally {
              archive.close();
            }
          };
          let refused: unknown = null;
          await Promise.race([read(), hangs(DEADLINE_MS)]).catch((error: unknown) => (refused = error));
          if (refused) {
            expect(refused, String(refused)).toBeInstanceOf(AppFailure);
            const failure = refused as AppFailure;
            expect(READER_CODES).toContain(failure.code);
            expect(failure.message.startsWith(`${file}: `)).toBe(true);
            expect(failure.message.length - file.length).toBeLessThanOrEqual(MAX_MESSAGE_BEYOND_FILE_NAME);
            expect(filesUnder(dir)).toEqual(['in.zip', 'tmp']);
          } else {
            expect(filesUnder(dir)).toEqual(['in.zip', 'tmp', 'tmp/snapshot.sqlite']);
            // What it let through is what the manifest vouches for.
            const listed = (await openArchive(file).then((a) => (a.close(), a.manifest))).entries;
            expect(sha256(fs.readFileSync(target))).toBe(
              listed.find((e) => e.name === SNAPSHOT_ENTRY)!.sha256,
            );
          }
          expect(fs.readFileSync(file).equals(bytes)).toBe(true);
          fs.rmSync(dir, { recursive: true, force: true });
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeoutMs(60_000),
  );

  it(
    'property: through the whole import, a refused archive changes nothing and leaves the temp area empty',
    async () => {
      const t = backupFixture(cleanups);
      const repo = t.store.create('Alpha');
      repo.put({ path: 'mine', kind: 'data', content: 'keep me', updatedBy: 'x' });
      let before = contentsOf(repo);
      const incoming = tempDir('fuzz-import');
      cleanups.push(() => fs.rmSync(incoming, { recursive: true, force: true }));
      let round = 0;
      await fc.assert(
        fc.asyncProperty(hostileArchive, async (bytes) => {
          const file = path.join(incoming, `${round++}.zip`);
          fs.writeFileSync(file, bytes);
          const result = await Promise.race([
            t.service.startImportJob({ file, onConflict: 'replace', includeHistory: true }).done,
            hangs(30_000),
          ]);
          if (result.status === 'done') {
            // A lie the reader could not see (a producer's name, say): what was installed is servable.
            const restored = t.store.open(result.restoredAs ?? 'Alpha');
            expect(restored.counts().items).toBeGreaterThan(0);
            before = contentsOf(t.store.open('Alpha'));
            return;
          }
          expect(result.status).toBe('failed');
          expect(READER_CODES).toContain(result.error?.code);
          expect(result.error!.message.length - file.length).toBeLessThanOrEqual(
            MAX_MESSAGE_BEYOND_FILE_NAME,
          );
          expect(contentsOf(t.store.open('Alpha'))).toEqual(before);
          const tmp = path.join(t.dataDir, 'tmp');
          expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
        }),
        fuzzParameters(12),
      );
    },
    fuzzTimeoutMs(90_000),
  );
});
