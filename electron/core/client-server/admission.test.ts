import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepoClientError } from '../client/repo-client';
import { isLoopback } from './admission';
import { CloseCode } from './protocol';
import { startTestServer } from './test-support';

// Who may connect (admission.ts), tried as an attacker would: a web page from another origin, a client
// on another machine without the token, and the one message that used to stop the server.

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

/** A WebSocket as a browser opens it: with an Origin header. Resolves with what the page would see. */
function browserSocket(url: string, origin: string) {
  const socket = new WebSocket(url, { origin });
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string; opened: boolean }>((resolve) => {
    let opened = false;
    socket.on('open', () => {
      opened = true;
      // What a hijacking page would try at once: read and write.
      socket.send(JSON.stringify({ id: 1, op: 'get', path: 'plan' }));
      socket.send(JSON.stringify({ id: 2, op: 'put', path: 'planted', kind: 'data', content: 'evil' }));
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), opened }));
  });
  return { socket, messages, closed };
}

describe('the Origin of a WebSocket (cross-site WebSocket hijacking)', () => {
  it('a page from another origin is closed with 4003 and a reason, before anything is read or written', async () => {
    const t = await setup();
    t.store
      .open('Main')
      .put({ path: 'plan', kind: 'data', content: 'confidential test plan', updatedBy: 'x' });
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:8080', 'https://localhost']) {
      const page = browserSocket(`${t.url()}/v1/repositories/Main`, origin);
      const closed = await page.closed;
      expect(closed.code).toBe(CloseCode.forbiddenOrigin);
      expect(closed.reason).toContain(`Web pages from ${origin} may not connect`);
      // No welcome, no answer: the repository's content never left, and nothing was written.
      expect(page.messages).toEqual([]);
    }
    expect(
      t.store
        .open('Main')
        .list()
        .map((i) => i.path),
    ).toEqual(['plan']);
    expect(t.server.listSessions()).toEqual([]);
  });

  it('an origin the administrator allowed connects like a test tool; a test tool sends no Origin', async () => {
    const t = await setup({ clientSettings: { allowedOrigins: ['https://tools.example.com'] } });
    const allowed = new WebSocket(`${t.url()}/v1/repositories/Main`, { origin: 'https://tools.example.com' });
    const welcome = await new Promise<string>((resolve) =>
      allowed.once('message', (d) => resolve(d.toString())),
    );
    expect(JSON.parse(welcome)).toMatchObject({ welcome: { repository: 'Main' } });
    allowed.close();
    const other = browserSocket(`${t.url()}/v1/repositories/Main`, 'https://tools.example.com.evil.example');
    expect((await other.closed).code).toBe(CloseCode.forbiddenOrigin);
    expect((await t.connect()).welcome.repository).toBe('Main');
  });
});

describe('the access token', () => {
  it('is made on the first start and kept: a restart keeps the same token', async () => {
    const t = await setup();
    const token = t.settings.get().clientServer.accessToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await t.server.stop();
    await t.server.start();
    expect(t.settings.get().clientServer.accessToken).toBe(token);
  });

  it('by default a client on this machine needs none, and a client on another machine must present it', async () => {
    const local = await setup();
    expect((await local.connect()).welcome.repository).toBe('Main');
    expect(local.server.status().accessTokenRequiredFrom).toBe('other-machines');

    // The same real socket, classified as another machine's.
    const remote = await setup({ isLocalPeer: () => false });
    const token = remote.settings.get().clientServer.accessToken!;
    expect(await refusal(remote.connect())).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('Control Panel (Server, Access token)'),
    });
    expect(await refusal(remote.connect('Main', { token: `${token}x` }))).toMatchObject({ status: 401 });
    expect((await remote.connect('Main', { token })).welcome.repository).toBe('Main');
    expect((await remote.connect('Main', { token, tokenIn: 'query' })).welcome.repository).toBe('Main');
  });

  it('"every client" asks it of this machine too', async () => {
    const t = await setup({ clientSettings: { tokenRequiredFrom: 'every-client' } });
    expect(t.server.status().accessTokenRequiredFrom).toBe('every-client');
    expect(await refusal(t.connect())).toMatchObject({ status: 401 });
    expect(
      (await t.connect('Main', { token: t.settings.get().clientServer.accessToken! })).welcome,
    ).toBeTruthy();
  });

  it('knows which addresses are this machine', () => {
    for (const a of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['192.0.2.7', '10.0.0.1', '::ffff:192.0.2.7', 'fd00::2', '', undefined])
      expect(isLoopback(a)).toBe(false);
  });
});

describe('one hostile message', () => {
  it('5,000 nested brackets as the op (10 KB) are answered, and the server keeps serving', async () => {
    const t = await setup();
    const attacker = await t.connect();
    const bystander = await t.connect();
    const nested = `{"id":1,"op":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(nested.length).toBeLessThan(11_000);
    expect(await attacker.sendRaw(nested)).toEqual({
      id: null,
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'The message is nested deeper than 32 levels; a request is one flat JSON object.',
      },
    });
    // A shallow non-string op is named by its type, never echoed.
    expect(await attacker.request({ id: 2, op: [[1, 2], { a: 'b' }] })).toEqual({
      id: 2,
      ok: false,
      error: {
        code: 'UNKNOWN_METHOD',
        message: 'Unknown op (a list, not a name); this server understands "list", "get", "put", "delete".',
      },
    });
    // A long op is cut short in the answer.
    const long = await attacker.request({ id: 3, op: 'x'.repeat(100_000) });
    expect(long.ok).toBe(false);
    expect(JSON.stringify(long).length).toBeLessThan(300);
    expect(await attacker.list()).toEqual([]);
    expect(await bystander.put({ path: 'after', kind: 'data', content: 'ok' })).toMatchObject({ version: 1 });
    expect(t.server.status().state).toBe('running');
  });
});
