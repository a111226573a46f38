import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RepoServer } from '../core/create-server';
import { methods } from '../shared/contract';
import { ERROR_CODES } from '../shared/result';
import { fuzzParameters, fuzzTimeoutMs } from '../shared/testing/fuzz';
import { headlessHostHandlers } from './host-handlers';
import { startWebHost, type WebHost } from './web-host';

// The web console's API as an attacker who holds the token would call it (issue 12): every method of the
// contract with fixed hostile bodies and random JSON (fast-check; FUZZ_RUNS=200 runs longer and a
// failure prints the seed to replay it, electron/shared/testing/fuzz.ts). Each answer must be a
// Result — ok, or an error with a code of ours and a message a person can read — never INTERNAL (an
// unexpected throw), a 500 or a dropped connection; nothing leaks into Object.prototype; and the server
// still answers at the end.

let server: RepoServer;
let web: WebHost;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));

beforeAll(async () => {
  server = await createServer({
    dataDir: path.join(scratch, 'data'),
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'headless',
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  });
  web = await startWebHost({
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    staticDir: scratch,
  });
});
afterAll(async () => {
  await web.close();
  await server.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

// Field names the contract uses, so random objects reach past the first check of each schema.
const KEYS = [
  'name',
  'newName',
  'file',
  'files',
  'folder',
  'from',
  'at',
  'server',
  'path',
  'paths',
  'prefix',
  'into',
  'create',
  'items',
  'repositories',
  'repository',
  'destination',
  'kind',
  'jobId',
  'runId',
  'trigger',
  'includeHistory',
  'onConflict',
  'targetName',
  'limit',
  'before',
  'port',
  'until',
  'enabled',
  'days',
  'times',
  'targetFolder',
  'clientsPolicy',
  'graceMinutes',
  'keepLast',
  'compression',
  'catchUp',
  'drillEveryDays',
  'settings',
  'secret',
  'host',
  'user',
  'filter',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
];
const STRINGS = [
  '',
  ' ',
  'Login Tests',
  'a'.repeat(300),
  'x'.repeat(70_000),
  '../../../../etc/passwd',
  '/etc/passwd',
  'C:\\\\Windows\\\\system32',
  'con',
  'nul',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\u202e',
  'é',
  '日本語',
  '%s%s%n',
  '${7*7}',
  "'; DROP TABLE items; --",
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  '1e309',
  'manual',
  'cli',
  'schedule',
  'folder',
  'file',
  'fail',
  'replace',
  'mon',
  '25:99',
  '00:00',
  '2026-13-40T99:99:99+01:00',
  '2026-11-20T22:00:00+01:00',
  '/nonexistent/backups',
  'relative/folder',
];
const NUMBERS = [0, -1, 1, 65535, 65536, 2 ** 31, -(2 ** 53), 1.5, 1e308, Number.MAX_SAFE_INTEGER];

/** Any JSON value, its strings and keys mostly the contract's own, so it reaches past each schema's first check. */
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.constantFrom(...STRINGS),
    fc.string(),
    fc.constantFrom(...NUMBERS),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 6 }),
  ),
}));

/** Bodies that are hostile whatever the method: shapes, sizes, and keys aimed at the prototype. */
const FIXED_BODIES = [
  'null',
  '0',
  '"text"',
  '[]',
  '{}',
  '[{}]',
  'true',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  JSON.stringify({ name: 'x'.repeat(200_000) }),
  JSON.stringify({ files: Array.from({ length: 20_000 }, (_, i) => `/tmp/${i}.zip`) }),
  JSON.stringify({ repositories: Array.from({ length: 20_000 }, () => 'A') }),
];

async function call(name: string, body: string) {
  const response = await fetch(`http://127.0.0.1:${web.port}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token}` },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, text };
}

const CODES = new Set<string>(ERROR_CODES);

function expectResult(name: string, body: string, answer: { status: number; text: string }) {
  const where = `${name} ${body.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  const parsed = JSON.parse(answer.text) as
    { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
  if (parsed.ok) {
    expect(answer.status, where).toBe(200);
    return 'ok';
  }
  expect(CODES.has(parsed.error.code), where).toBe(true);
  expect(parsed.error.code, where).not.toBe('INTERNAL');
  expect(answer.status, where).not.toBe(500);
  expect(typeof parsed.error.message, where).toBe('string');
  expect(parsed.error.message.length, where).toBeGreaterThan(3);
  expect(parsed.error.message.length, where).toBeLessThan(4_000);
  return parsed.error.code;
}

describe('the web console API under hostile arguments', () => {
  const names = Object.keys(methods);
  const codes = new Map<string, number>();
  const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

  it(
    'answers every method, with the fixed hostile bodies and random ones, with a Result of ours',
    async () => {
      for (const name of names) {
        for (const body of FIXED_BODIES) count(expectResult(name, body, await call(name, body)));
        await fc.assert(
          fc.asyncProperty(json, async (value) => {
            const body = JSON.stringify(value);
            count(expectResult(name, body, await call(name, body)));
          }),
          fuzzParameters(15),
        );
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Most were refused by the schemas, with the code that says so.
      expect(codes.get('INVALID_ARGUMENT')).toBeGreaterThan(names.length * FIXED_BODIES.length);
      // Still serving: the server's own facts come back.
      const info = await call('getServerInfo', '');
      expect(info.status).toBe(200);
    },
    fuzzTimeoutMs(180_000),
  );

  it('bounds every list an attacker can make long, before starting anything for it', async () => {
    const files = Array.from({ length: 20_000 }, (_, i) => `/tmp/${i}.zip`);
    for (const [name, args] of [
      ['previewArchives', { files }],
      ['startVerify', { files }],
      ['startImport', { items: files.map((file) => ({ file })) }],
      ['startExport', { repositories: files, destination: { kind: 'folder', folder: '/tmp' } }],
      ['saveBackupSettings', { repositories: files }],
    ] as const) {
      const answer = await call(name, JSON.stringify(args));
      expect(answer.status, name).toBe(400);
      expect(JSON.parse(answer.text), name).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/at most 1000/) },
      });
    }
    // A name of 200,000 characters is refused, not looked up and echoed back.
    const rename = await call('deleteRepository', JSON.stringify({ name: 'x'.repeat(200_000) }));
    expect(JSON.parse(rename.text)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(rename.text.length).toBeLessThan(1_000);
  });
});
