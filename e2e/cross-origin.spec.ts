import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { RepoClient } from '../electron/core/client/repo-client';
import { CHROMIUM_ARGS, findChromium } from './support/chromium';
import { expect, test } from './support/fixtures';

// Issue 12, in a real browser: a page from another origin on loopback (a second small HTTP server,
// named evil.test by Chromium's host resolver) tries the client port's WebSocket and the Control Panel's
// API, with and without the tokens, and by DNS rebinding (evil.test on the console's own port). Every
// attempt is refused and nothing is read or written — the repository is checked afterwards by a test
// tool, which connects without an Origin as before, and with the access token once it is required.

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

let browser: Browser;
let evil: http.Server;
let evilPort: number;

test.beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: findChromium(),
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP evil.test 127.0.0.1'],
  });
  // The attacker's site: any page will do, its scripts are what the test runs in it.
  evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Totally harmless</title><h1>Cat pictures</h1>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilPort = (evil.address() as { port: number }).port;
});

test.afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
});

interface SocketAttempt {
  opened: boolean;
  messages: string[];
  code: number | null;
  reason: string;
}

/** From inside the page: open the WebSocket, ask for the secret and write an item, report what came. */
function tryWebSocket(page: Page, url: string): Promise<SocketAttempt> {
  return page.evaluate(
    (address) =>
      new Promise<SocketAttempt>((resolve) => {
        const attempt: SocketAttempt = { opened: false, messages: [], code: null, reason: '' };
        const socket = new WebSocket(address);
        socket.onopen = () => {
          attempt.opened = true;
          socket.send(JSON.stringify({ id: 1, op: 'get', path: 'plans/secret' }));
          socket.send(
            JSON.stringify({ id: 2, op: 'put', path: 'evil/planted', kind: 'data', content: 'pwned' }),
          );
        };
        socket.onmessage = (event) => attempt.messages.push(String(event.data));
        socket.onclose = (event) => resolve({ ...attempt, code: event.code, reason: event.reason });
        setTimeout(() => resolve(attempt), 10_000);
      }),
    url,
  );
}

/** What a page's fetch is given here (serializable into the page). */
interface PageRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  mode?: 'cors' | 'no-cors';
}

/** From inside the page: a fetch, answered with its status and body — or how the browser stopped it. */
function tryFetch(
  page: Page,
  url: string,
  init: PageRequest,
): Promise<{ status: number; body: string } | string> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const answer = await fetch(url, init);
        return { status: answer.status, body: await answer.text() };
      } catch (error) {
        return `blocked: ${(error as Error).message}`;
      }
    },
    { url, init },
  );
}

/** From inside the page: the event stream, which would carry every status change to the attacker. */
function tryEventStream(page: Page, url: string): Promise<string> {
  return page.evaluate(
    (address) =>
      new Promise<string>((resolve) => {
        const events = new EventSource(address);
        events.onmessage = (e) => resolve(`message: ${String(e.data).slice(0, 80)}`);
        events.onerror = () => {
          events.close();
          resolve('error');
        };
        setTimeout(() => resolve('silent'), 10_000);
      }),
    url,
  );
}

test('a page from another origin reaches neither the repositories nor the Control Panel; a test tool still does', async ({
  server,
}) => {
  test.setTimeout(90_000);
  const clientPort = new URL(server.clientsOrigin.replace('ws:', 'http:')).port;
  const consolePort = new URL(server.origin).port;
  const api = (method: string, body: unknown) =>
    fetch(`${server.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ ok: boolean; value?: unknown }>);

  // The administrator's setup: a repository with something worth stealing, written by a test tool.
  expect((await api('createRepository', { name: 'Main' })).ok).toBe(true);
  const tool = await RepoClient.connect({ server: server.clientsOrigin, repository: 'Main', label: 'tool' });
  await tool.put({ path: 'plans/secret', kind: 'data', content: 'confidential test plan' });
  await tool.close();
  const { stdout } = await run(process.execPath, [
    path.join(ROOT, 'bin/repo-server.mjs'),
    'token',
    '--data-dir',
    server.dataDir,
  ]);
  const accessToken = stdout.split('\n')[0]!; // how a test tool gets it: the first line

  const context = await browser.newContext();
  const page = await context.newPage();
  const responses: Array<{ url: string; status: number }> = [];
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
  await page.goto(`http://evil.test:${evilPort}/`);
  await expect(page.getByRole('heading', { name: 'Cat pictures' })).toBeVisible();

  // 1. The client port (cross-site WebSocket hijacking), without and with the access token.
  for (const query of ['', `&token=${accessToken}`]) {
    const attempt = await tryWebSocket(
      page,
      `ws://127.0.0.1:${clientPort}/v1/repositories/Main?client=evil${query}`,
    );
    expect(attempt.code).toBe(4003);
    expect(attempt.reason).toContain(`Web pages from http://evil.test:${evilPort} may not connect`);
    expect(attempt.messages).toEqual([]); // no welcome, no item, no answer to the put
  }

  // 2. The Control Panel's API from the other origin, with and without the console token.
  const listUrl = `http://127.0.0.1:${consolePort}/api/listRepositories`;
  for (const authorization of [{}, { authorization: `Bearer ${server.token}` }] as Array<
    Record<string, string>
  >) {
    const answer = await tryFetch(page, listUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization },
      body: '{}',
    });
    expect(answer).toMatch(/^blocked: /); // CORS: the page reads nothing
  }
  // A "simple" request is sent without a preflight, so the server itself must refuse it.
  await tryFetch(page, `http://127.0.0.1:${consolePort}/api/createRepository?token=${server.token}`, {
    method: 'POST',
    mode: 'no-cors',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ name: 'Planted by a page' }),
  });
  await expect.poll(() => responses.find((r) => r.url.includes('/api/createRepository'))?.status).toBe(403);
  expect(await tryEventStream(page, `http://127.0.0.1:${consolePort}/api/events?token=${server.token}`)).toBe(
    'error',
  );

  // 3. DNS rebinding: evil.test now names 127.0.0.1 on the console's own port, so the page is
  //    "same-origin" with it — and every request carries Host: evil.test, which the console refuses.
  const rebound = await page.goto(`http://evil.test:${consolePort}/?token=${server.token}`);
  expect(rebound?.status()).toBe(403);
  expect(await rebound?.text()).toContain('is not served here');
  const sameOrigin = await tryFetch(page, `/api/listRepositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: '{}',
  });
  expect(sameOrigin).toMatchObject({ status: 403, body: expect.stringContaining('FORBIDDEN') });
  const planted = await tryFetch(page, `/api/createRepository`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ name: 'Planted by rebinding' }),
  });
  expect(planted).toMatchObject({ status: 403 });
  expect(await tryEventStream(page, `/api/events?token=${server.token}`)).toBe('error');
  await context.close();

  // Nothing was read or written: the repositories and their items are the administrator's alone.
  const repositories = (await api('listRepositories', {})) as { ok: true; value: Array<{ name: string }> };
  expect(repositories.value.map((r) => r.name)).toEqual(['Main']);
  const after = await RepoClient.connect({
    server: server.clientsOrigin,
    repository: 'Main',
    label: 'check',
  });
  expect((await after.list()).map((i) => i.path)).toEqual(['plans/secret']);
  expect(await after.get('plans/secret')).toMatchObject({ content: 'confidential test plan', version: 1 });
  await after.close();

  // A test tool sends no Origin: it connects; once the token is asked of every client, with the token.
  await run(process.execPath, [
    path.join(ROOT, 'bin/repo-server.mjs'),
    'token',
    '--require',
    'every-client',
    '--data-dir',
    server.dataDir,
  ]);
  const connect = (query: string) =>
    new Promise<string>((resolve) => {
      const socket = new WebSocket(`${server.clientsOrigin}/v1/repositories/Main?client=node-tool${query}`);
      socket.once('message', (data) => {
        resolve(JSON.parse(String(data)).welcome ? 'welcome' : String(data));
        socket.close();
      });
      socket.once('unexpected-response', (_req, res) => {
        resolve(`HTTP ${res.statusCode}`);
        socket.terminate();
      });
      socket.once('error', (error) => resolve(error.message));
    });
  await expect.poll(() => connect(''), { timeout: 15_000 }).toBe('HTTP 401'); // serve applies it within seconds
  expect(await connect(`&token=${accessToken}`)).toBe('welcome');
});
