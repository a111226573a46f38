import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient, RepoClientError } from '../client/repo-client';
import { FakeClock } from '../testing/fake-clock';
import { CloseCode, MAX_MESSAGE_BYTES } from './protocol';
import { eventually, startTestServer } from './test-support';

let disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of disposers) await d();
  disposers = [];
});
async function setup(opts: Parameters<typeof startTestServer>[0] = {}) {
  const t = await startTestServer(opts);
  disposers.push(t.dispose);
  return t;
}
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the connection to be refused');
    },
    (error: RepoClientError) => error,
  );

describe('client protocol v1: happy path', () => {
  it('connects to a repository named in any script, by any case or normal form of its name', async () => {
    const t = await setup({ repositories: ['Тесты входа', '日本語', 'Café'] });
    const cyrillic = await t.connect('ТЕСТЫ ВХОДА', { label: 'Робот' });
    expect(cyrillic.welcome).toMatchObject({ repository: 'Тесты входа', label: 'Робот' });
    await cyrillic.put({ path: 'modules/вход', kind: 'module', content: 'шаг 1' });
    expect((await t.connect('тесты входа')).welcome.repository).toBe('Тесты входа');
    expect((await t.connect('日本語')).welcome.repository).toBe('日本語');
    expect((await t.connect('Cafe\u0301')).welcome.repository).toBe('Café');
    expect(t.server.connectedCount('тесты ВХОДА')).toBe(2);
  });

  it('greets, then puts, gets, lists and deletes items with versions', async () => {
    const t = await setup();
    const client = await t.connect('main', { label: 'Robot 7' });
    expect(client.welcome).toMatchObject({ protocol: 1, repository: 'Main', label: 'Robot 7' });

    expect(await client.put({ path: 'modules/login', kind: 'module', content: 'open page' })).toMatchObject({
      path: 'modules/login',
      version: 1,
    });
    await client.put({ path: 'modules/login', kind: 'module', content: 'open page, log in', ifVersion: 1 });
    await client.put({ path: 'data/bytes', kind: 'data', content: new Uint8Array([0, 255, 7]) });
    expect(await client.get('modules/login')).toMatchObject({
      content: 'open page, log in',
      encoding: 'utf8',
      version: 2,
      updatedBy: 'Robot 7',
    });
    const bytes = await client.get('data/bytes');
    expect(bytes.encoding).toBe('base64');
    expect([...Buffer.from(bytes.content, 'base64')]).toEqual([0, 255, 7]);
    expect((await client.list()).map((i) => i.path)).toEqual(['data/bytes', 'modules/login']);
    expect((await client.list('modules/')).map((i) => [i.path, i.version])).toEqual([['modules/login', 2]]);

    await client.delete('modules/login', { ifVersion: 2 });
    expect(await client.request({ op: 'get', path: 'modules/login' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    // What the client wrote is in the repository, with its history.
    expect(
      t.store
        .open('Main')
        .revisions('modules/login')
        .map((r) => r.version),
    ).toEqual([1, 2]);
  });

  it('answers a version conflict with CONFLICT and does not overwrite', async () => {
    const t = await setup();
    const a = await t.connect();
    const b = await t.connect();
    await a.put({ path: 'x', kind: 'data', content: 'A1' });
    await b.put({ path: 'x', kind: 'data', content: 'B2', ifVersion: 1 });
    const late = await a.request({ op: 'put', path: 'x', kind: 'data', content: 'A2', ifVersion: 1 });
    expect(late).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: expect.stringContaining('version 2') },
    });
    expect((await a.get('x')).content).toBe('B2');
  });

  it('answers GET /health with the state as JSON', async () => {
    const t = await setup();
    await t.connect();
    const res = await fetch(`http://127.0.0.1:${t.server.status().port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'running', protocol: 1, sessions: 1 });
    const other = await fetch(`http://127.0.0.1:${t.server.status().port}/v1/repositories/Main`);
    expect(other.status).toBe(426);
  });
});

describe('client protocol v1: bad input (each answered, the connection and the server stay up)', () => {
  it('malformed JSON', async () => {
    const t = await setup();
    const client = await t.connect();
    expect(await client.sendRaw('{"id": 1, "op": "list"')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('not valid JSON') },
    });
    expect(await client.sendRaw('[1,2,3]')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await client.sendRaw('null')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await client.sendRaw(Buffer.from([1, 2, 3]), { binary: true })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('JSON text') },
    });
    expect(await client.list()).toEqual([]);
  });

  it('unknown op', async () => {
    const t = await setup();
    const client = await t.connect();
    expect(await client.request({ id: 'q1', op: 'dropTable' })).toEqual({
      id: 'q1',
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: expect.stringContaining('"list", "get", "put", "delete"') },
    });
    expect(await client.sendRaw('{"id": 5}')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await client.list()).toEqual([]);
  });

  it.each([
    [{ op: 'get' }, 'path'],
    [{ op: 'get', path: 42 }, 'path'],
    [{ op: 'put', path: 'a', kind: 'data' }, 'content'],
    [{ op: 'put', path: 'a', kind: 'data', content: 5 }, 'content'],
    [{ op: 'put', path: 'a', kind: 'data', content: 'x', ifVersion: 'one' }, 'ifVersion'],
    [{ op: 'put', path: 'a', kind: 'data', content: 'x', ifVersion: -1 }, 'ifVersion'],
    [{ op: 'put', path: '../etc/passwd', kind: 'data', content: 'x' }, 'relative'],
    [{ op: 'put', path: 'a', kind: 'Not A Kind', content: 'x' }, 'kind'],
    [{ op: 'put', path: 'a', kind: 'data', content: '***', encoding: 'base64' }, 'base64'],
    [{ op: 'put', path: 'a', kind: 'data', content: 'x', extra: true }, 'extra'],
    [{ op: 'list', prefix: 7 }, 'prefix'],
    [{ op: 'delete', path: 'a', ifVersion: 1.5 }, 'ifVersion'],
  ])('missing or wrong-typed fields: %j', async (request, field) => {
    const t = await setup();
    const client = await t.connect();
    const response = await client.request({ id: 9, ...request });
    expect(response).toMatchObject({
      id: 9,
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining(field) },
    });
    expect(await client.list()).toEqual([]);
  });

  it('a request without a usable id is answered with id null', async () => {
    const t = await setup();
    const client = await t.connect();
    expect(await client.sendRaw(JSON.stringify({ id: { nested: true }, op: 'list' }))).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('id') },
    });
  });

  it('a message over 16 MiB closes that connection with 1009; others keep working', async () => {
    const t = await setup();
    const bystander = await t.connect();
    const big = await t.connect();
    big.socket.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect((await big.closed).code).toBe(CloseCode.tooLarge);
    await bystander.put({ path: 'still/fine', kind: 'data', content: 'yes' });
    const again = await t.connect();
    expect((await again.get('still/fine')).content).toBe('yes');
  });

  it('an item just under the limit is accepted', async () => {
    const t = await setup();
    const client = await t.connect();
    const content = 'y'.repeat(MAX_MESSAGE_BYTES - 200);
    expect((await client.put({ path: 'big', kind: 'data', content })).version).toBe(1);
    expect((await client.get('big')).content.length).toBe(content.length);
  });

  it('a repository that does not exist is refused with 404', async () => {
    const t = await setup();
    const error = await refusal(t.connect('Nope'));
    expect(error).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      message: expect.stringContaining('"Nope"'),
    });
  });

  /** An upgrade request with the path exactly as given (no URL normalisation), and the refusal. */
  async function rawUpgrade(port: number, rawPath: string) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: rawPath,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      });
      req.on('response', resolve);
      req.on('upgrade', () => reject(new Error(`${rawPath} was accepted`)));
      req.on('error', reject);
      req.end();
    });
    let body = '';
    for await (const chunk of res) body += chunk;
    return { status: res.statusCode, body: JSON.parse(body) as { error: { code: string; message: string } } };
  }

  it.each([
    ['a/b', '/v1/repositories/a%2Fb', 'letters and digits'],
    ['a/b unencoded', '/v1/repositories/a/b', 'letters and digits'],
    ['a\\b', '/v1/repositories/a%5Cb', 'letters and digits'],
    ['..', '/v1/repositories/..', 'cannot start with a dot'],
    ['../escape', '/v1/repositories/..%2F..%2Fserver', 'letters and digits'],
    ['NUL byte', '/v1/repositories/x%00y', 'letters and digits'],
    ['65 characters', `/v1/repositories/${'x'.repeat(65)}`, 'at most 64'],
    ['CON', '/v1/repositories/CON', 'reserved by Windows'],
    ['bad encoding', '/v1/repositories/%E0%A4%A', 'URL encoding'],
  ])('a bad repository name (%s) is refused with 400 and the reason', async (_what, rawPath, reason) => {
    const t = await setup();
    const { status, body } = await rawUpgrade(t.server.status().port, rawPath);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(reason) });
    // The server still serves everyone else.
    expect((await t.connect()).welcome.repository).toBe('Main');
  });

  it('a path that is not a repository address is refused with 404', async () => {
    const t = await setup();
    expect(await rawUpgrade(t.server.status().port, '/v2/other')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
  });

  it('a wrong or missing token is refused with 401; the right one in header or query is accepted', async () => {
    const t = await setup({
      clientSettings: { accessToken: 'correct-horse-battery', tokenRequiredFrom: 'every-client' },
    });
    expect(await refusal(t.connect('Main'))).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('requires an access token'),
    });
    expect(await refusal(t.connect('Main', { token: 'wrong-token-123' }))).toMatchObject({
      status: 401,
      message: expect.stringContaining('wrong'),
    });
    expect(
      await refusal(t.connect('Main', { token: 'correct-horse-batter', tokenIn: 'query' })),
    ).toMatchObject({
      status: 401,
    });
    expect((await t.connect('Main', { token: 'correct-horse-battery' })).welcome.repository).toBe('Main');
    expect(
      (await t.connect('Main', { token: 'correct-horse-battery', tokenIn: 'query' })).welcome,
    ).toBeTruthy();
    expect(t.server.status().accessTokenRequiredFrom).toBe('every-client');
  });

  it('a client that connects and never speaks is closed after the idle timeout', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
    const t = await setup({ idleTimeoutMs: 200, clock });
    const silent = await t.connect();
    const chatty = await t.connect();
    await clock.advanceBy(150);
    await chatty.list(); // activity at +150 ms
    await clock.advanceBy(100); // +250 ms: silent has been quiet for 250 ms, chatty for 100 ms
    const closed = await silent.closed;
    expect(closed.code).toBe(CloseCode.idle);
    expect(closed.reason).toContain('idle');
    expect(silent.notices.at(-1)).toMatchObject({ kind: 'disconnect' });
    expect(chatty.socket.readyState).toBe(WebSocket.OPEN);
    expect(await chatty.list()).toEqual([]);
    await clock.advanceBy(300);
    expect((await chatty.closed).code).toBe(CloseCode.idle);
  });

  it('a raw TCP client that never finishes its handshake does not block others', async () => {
    const t = await setup();
    const raw = net.connect(t.server.status().port, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write('GET /v1/repositories/Main HTTP/1.1\r\nHost: x\r\n'); // never ends the headers
    const client = await t.connect();
    expect(await client.list()).toEqual([]);
    raw.destroy();
  });

  it('a client that disconnects mid-request crashes nothing', async () => {
    const t = await setup();
    const bystander = await t.connect();
    for (let i = 0; i < 5; i++) {
      const leaver = await t.connect();
      leaver.socket.send(
        JSON.stringify({ id: 1, op: 'put', path: `left/${i}`, kind: 'data', content: 'z'.repeat(1_000_000) }),
      );
      leaver.socket.terminate();
    }
    await eventually(() => expect(t.server.status().sessionCount).toBe(1));
    await bystander.put({ path: 'after', kind: 'data', content: 'ok' });
    expect((await bystander.list()).map((i) => i.path)).toContain('after');
    expect(t.server.status().state).toBe('running');
  });
});

describe('RepoClient', () => {
  it('reports a server that does not listen as a clear error', async () => {
    const error = await refusal(RepoClient.connect({ server: 'ws://127.0.0.1:1', repository: 'Main' }));
    expect(error).toBeInstanceOf(RepoClientError);
    expect(error.message).toContain('Cannot connect');
  });
});
