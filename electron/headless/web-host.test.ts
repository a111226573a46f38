import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RepoServer } from '../core/create-server';
import { headlessHostHandlers } from './host-handlers';
import { startWebHost, type WebHost } from './web-host';

let server: RepoServer;
let web: WebHost;
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'static-'));
fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Control Panel</title>');
fs.writeFileSync(path.join(os.tmpdir(), 'outside-secret.txt'), 'secret');

beforeAll(async () => {
  server = await createServer({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'web-host-')),
    appInfo: { name: 'Repository Server', version: '0.0.1' },
    host: 'headless',
  });
  web = await startWebHost({
    handlers: { ...server.handlers, ...headlessHostHandlers },
    events: server.events,
    staticDir,
  });
});
afterAll(async () => {
  await web.close();
  await server.stop();
});

const api = (name: string, body: string | undefined, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${web.port}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${web.token}`, ...headers },
    body,
  });

/** fetch() normalises paths and Host; raw requests show what a hostile client can really send. */
const raw = (pathname: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: web.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('the headless web host', () => {
  it('prints a loopback URL that carries the token', () => {
    expect(web.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${web.port}/\\?token=${web.token}$`));
    expect(web.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers a contract call with its Result', async () => {
    const response = await api('getServerInfo', '{}');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, value: { appName: 'Repository Server' } });
  });

  it('answers 401 without the token or with a wrong one', async () => {
    for (const auth of [{ authorization: '' }, { authorization: 'Bearer wrong' }]) {
      const response = await api('getServerInfo', '{}', auth);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('answers 400 with the reason for a malformed body or an invalid argument', async () => {
    const malformed = await api('getServerInfo', '{"oops');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain(
      'not valid JSON',
    );
    const invalid = await api('showInFolder', '{"path": 7}');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', fields: { path: expect.any(String) } },
    });
  });

  it('answers 501 NOT_SUPPORTED for a native picker, which only the desktop app has', async () => {
    const response = await api('pickFolder', '{}');
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
  });

  it('answers 404 for an unknown method, 413 for a huge body, 415 for a non-JSON body', async () => {
    expect((await api('nope', '{}')).status).toBe(404);
    expect((await api('getServerInfo', JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(
      413,
    );
    expect((await api('getServerInfo', '{}', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('refuses a foreign Host header (DNS rebinding) and never serves a file outside the renderer', async () => {
    expect((await raw('/', { host: 'evil.example:80' })).status).toBe(403);
    const traversal = await raw('/..%2f..%2f..%2foutside-secret.txt');
    expect(traversal.body).not.toContain('secret');
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Control Panel');
  });

  it('streams core events to a client that holds the token', async () => {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${web.port}/api/events?token=${web.token}`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the ": connected" comment
    server.events.emit('heartbeat', { at: '2026-11-22T10:00:00.000+00:00' });
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain('event: heartbeat');
    controller.abort();
  });
});
