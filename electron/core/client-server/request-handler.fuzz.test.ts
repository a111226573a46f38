import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/result';
import { fuzzParameters, fuzzTimeoutMs } from '../../shared/testing/fuzz';
import { FakeClock } from '../testing/fake-clock';
import { RepositoryStore } from '../storage';
import type { Repository } from '../storage';
import { answerRequest } from './request-handler';
import type { ClientResponse } from './protocol';
import { startTestServer } from './test-support';

// Fuzzing the client protocol (issue 12): whatever text a peer sends, the handler answers it — never
// throws, answers with a stable code and a message of bounded length (nothing a peer sent is echoed in
// full) — and what it acknowledges is what the repository holds. Runs briefly in `npm test`;
// `FUZZ_RUNS=20000 npm run test:unit -- electron/core/client-server/request-handler.fuzz.test.ts`
// runs longer (electron/shared/testing/fuzz.ts).

/** The longest answer to a refused request: a 1,024-character path quoted in a sentence, and no more. */
const MAX_ERROR_MESSAGE = 1400;

let dataDir: string;
let store: RepositoryStore;
let repo: Repository;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-protocol-'));
  store = new RepositoryStore({ dataDir, clock: new FakeClock(Date.parse('2026-12-01T10:00:00Z')) });
  repo = store.create('Fuzz');
});
afterAll(() => {
  store.closeAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** What every answer must be, whatever was asked. */
function expectWellFormed(answer: ClientResponse, text: string): void {
  expect(typeof answer.ok).toBe('boolean');
  expect(() => JSON.stringify(answer)).not.toThrow();
  if (!answer.ok) {
    expect(ERROR_CODES).toContain(answer.error.code);
    expect(answer.error.code).not.toBe('INTERNAL');
    expect(typeof answer.error.message).toBe('string');
    expect(answer.error.message.length, `answer to ${text.slice(0, 200)}`).toBeLessThanOrEqual(
      MAX_ERROR_MESSAGE,
    );
  }
}

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '../../../../etc/evil_item',
    'a\u0000b',
    'a\u001fb',
    'a\\b',
    '/abs',
    'modules//x',
    './x',
    'x/..',
    '\ud800',
    'a\udc00b',
    '__proto__',
    'constructor',
  ),
  fc.nat(5000).map((n) => 'x'.repeat(n * 20)),
);

const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: hostileString },
  fc.nat(40).map((n) => `${'['.repeat(n * 3)}${']'.repeat(n * 3)}`),
);

/** A request as a peer might write it: a real op with some fields right and others anything at all. */
const requestLike = fc
  .record(
    {
      id: fc.oneof(fc.nat(), fc.string({ maxLength: 250 }), anyValue),
      op: fc.oneof(fc.constantFrom('list', 'get', 'put', 'delete'), anyValue),
      path: fc.oneof(fc.constantFrom('modules/login', 'data/x'), hostileString, anyValue),
      kind: fc.oneof(fc.constantFrom('module', 'data', 'Module', ''), anyValue),
      content: fc.oneof(fc.string({ maxLength: 50 }), fc.base64String({ maxLength: 40 }), anyValue),
      encoding: fc.oneof(fc.constantFrom('utf8', 'base64', 'binary'), anyValue),
      ifVersion: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), anyValue),
      prefix: fc.oneof(fc.string({ maxLength: 20 }), anyValue),
    },
    { requiredKeys: [] },
  )
  .chain((request) =>
    fc
      .dictionary(hostileString, anyValue, { maxKeys: 2 })
      .map((extra) => JSON.stringify({ ...request, ...extra })),
  );

/** Valid text cut, or with bytes changed: what a broken or malicious client sends. */
const damagedText = fc
  .tuple(requestLike, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 2 }))))
  .map(([text, cut, edits]) => {
    let out = text.slice(0, (cut % (text.length + 1)) + 1);
    for (const [at, put] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + put + out.slice(i + 1);
    }
    return out;
  });

const anyText = fc.oneof(
  requestLike,
  damagedText,
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.json({ maxDepth: 5 }),
);

describe('the client protocol under fuzzing', () => {
  it(
    'property: any text is answered, never thrown, with a stable code and a bounded message',
    () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const answer = answerRequest(repo, text, 'fuzzer');
          expectWellFormed(answer, text);
          // A usable id is echoed so a client can match the answer; anything else gets null.
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const id = (parsed as { id?: unknown } | null | undefined)?.id;
          if (answer.id !== null) expect(answer.id).toBe(id);
        }),
        fuzzParameters(400),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'property: a sequence of requests leaves the repository exactly as acknowledged, refused ones change nothing',
    () => {
      const paths = ['a', 'a/b', 'm/login', 'x%_', 'ü/ß', '../x', 'a//b', 'a\u0001', '\ud800x'];
      const op = fc.oneof(
        fc.record({
          op: fc.constant('put' as const),
          path: fc.constantFrom(...paths),
          kind: fc.constantFrom('module', 'data', 'BAD'),
          content: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('\udc00', 'a\ud800', 'ü\u0000')),
          ifVersion: fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }),
        }),
        fc.record({
          op: fc.constant('delete' as const),
          path: fc.constantFrom(...paths),
          ifVersion: fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }),
        }),
        fc.record({ op: fc.constant('get' as const), path: fc.constantFrom(...paths) }),
        fc.record({
          op: fc.constant('list' as const),
          prefix: fc.option(fc.constantFrom('', 'a', 'a/', 'ü', 'x%'), { nil: undefined }),
        }),
      );
      let round = 0;
      fc.assert(
        fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
          const name = `Model ${round++}`;
          const r = store.create(name);
          try {
            const model = new Map<string, { version: number; kind: string; content: string }>();
            const lastVersion = new Map<string, number>();
            const validPath = (p: string) =>
              p.isWellFormed() &&
              ![...p].some((c) => c.charCodeAt(0) < 0x20) &&
              p.split('/').every((s) => s && s !== '.' && s !== '..');
            for (const [i, request] of ops.entries()) {
              const answer = answerRequest(r, JSON.stringify({ id: i, ...request }), 'model');
              expectWellFormed(answer, JSON.stringify(request));
              if (request.op === 'list') {
                const expected = [...model.keys()]
                  .filter((p) => !request.prefix || p.startsWith(request.prefix))
                  .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
                expect(
                  answer.ok && (answer.result as { items: Array<{ path: string }> }).items.map((x) => x.path),
                ).toEqual(expected);
                continue;
              }
              const current = model.get(request.path);
              if (!validPath(request.path)) {
                expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
                continue;
              }
              if (request.op === 'get') {
                if (current)
                  expect(answer).toMatchObject({ ok: true, result: { ...current, path: request.path } });
                else expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
                continue;
              }
              if (request.ifVersion !== undefined && request.ifVersion < 0) {
                expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
                continue;
              }
              if (request.op === 'put' && (request.kind === 'BAD' || !request.content.isWellFormed())) {
                expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
                continue;
              }
              if (request.op === 'delete' && !current) {
                expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
                continue;
              }
              if (request.ifVersion !== undefined && request.ifVersion !== (current?.version ?? 0)) {
                expect(answer).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
                continue;
              }
              expect(answer.ok).toBe(true);
              if (request.op === 'delete') {
                model.delete(request.path);
                continue;
              }
              const version = (current?.version ?? lastVersion.get(request.path) ?? 0) + 1;
              lastVersion.set(request.path, version);
              model.set(request.path, { version, kind: request.kind, content: request.content });
              expect(answer).toMatchObject({ ok: true, result: { path: request.path, version } });
            }
            // What a person would check afterwards: every item, by a fresh read.
            const stored = r.list().map((s) => [s.path, { ...r.get(s.path)! }] as const);
            expect(
              Object.fromEntries(
                stored.map(([p, item]) => [
                  p,
                  { version: item.version, kind: item.kind, content: item.content },
                ]),
              ),
            ).toEqual(Object.fromEntries(model));
          } finally {
            store.delete(name); // a long run must not keep thousands of databases open
          }
        }),
        fuzzParameters(40),
      );
    },
    fuzzTimeoutMs(),
  );

  // Found by the properties above (issue 12), kept as plain examples.
  it('an unknown field is named cut short: a 1 MiB key is not echoed back', () => {
    const key = 'k'.repeat(1 << 20);
    const answer = answerRequest(repo, JSON.stringify({ id: 1, op: 'list', [key]: 1 }), 'tool');
    expect(answer).toEqual({
      id: 1,
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: `Invalid "list" request: unknown field "${'k'.repeat(40)}… (1048576 characters)"`,
      },
    });
  });

  it('a path or text with a lone surrogate is refused, never stored as U+FFFD under another name', () => {
    const r = store.create('Surrogates');
    const put = (path: string, content: string) =>
      answerRequest(r, JSON.stringify({ id: 1, op: 'put', path, kind: 'data', content }), 'tool');
    expect(put('a\ud800x', 'text')).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('path must be valid Unicode text'),
      },
    });
    expect(put('fine', 'half a pair: \udc00')).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('content must be valid Unicode text'),
      },
    });
    expect(r.list()).toEqual([]);
    expect(put('pair/\ud83d\ude00', '\ud83d\ude00')).toMatchObject({ ok: true, result: { version: 1 } });
    expect(r.get('pair/\ud83d\ude00')?.content).toBe('\ud83d\ude00');
  });

  it('a failure of the storage itself is answered INTERNAL with the cause, and the next request is served', () => {
    const r = store.create('Broken underneath');
    r.put({ path: 'before', kind: 'data', content: 'x', updatedBy: 't' });
    // Another connection drops the table the handler reads: SQLite's own error, not one of ours.
    const other = new DatabaseSync(r.db.location()!);
    other.exec('DROP TABLE items');
    other.close();
    const answer = answerRequest(r, '{"id": 7, "op": "list"}', 'tool');
    expect(answer).toMatchObject({
      id: 7,
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('The server could not do "list": ') },
    });
    expect(answerRequest(r, '{"id": 8, "op": "nope"}', 'tool')).toMatchObject({ id: 8, ok: false });
  });
});

describe('the client port under fuzzing, over a real socket', () => {
  it(
    'property: every frame a client sends is answered once, the connection stays usable, the server runs',
    async () => {
      const t = await startTestServer();
      try {
        const socket = new WebSocket(`${t.url()}/v1/repositories/Main?client=fuzzer`);
        const inbox: string[] = [];
        let closed: number | null = null;
        socket.on('message', (data) => inbox.push(data.toString()));
        socket.on('close', (code) => (closed = code));
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        await expect.poll(() => inbox.length).toBe(1); // the welcome
        inbox.length = 0;
        const frame = fc.oneof(
          anyText.map((text) => ({ data: text, binary: false })),
          fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
            for (const f of frames) socket.send(f.data, { binary: f.binary });
            await expect.poll(() => inbox.length, { timeout: 5_000 }).toBe(frames.length);
            for (const text of inbox.splice(0)) {
              const answer = JSON.parse(text) as ClientResponse;
              expectWellFormed(answer, text);
            }
            expect(closed).toBeNull();
          }),
          fuzzParameters(25),
        );
        expect(t.server.status().state).toBe('running');
        const tool = await t.connect();
        expect(await tool.put({ path: 'after/fuzz', kind: 'data', content: 'ok' })).toMatchObject({
          version: 1,
        });
        socket.close();
      } finally {
        await t.dispose();
      }
    },
    fuzzTimeoutMs(60_000),
  );
});
