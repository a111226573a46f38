import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Starts serve, waits for its Control Panel URL, and stops it again; returns what it printed. */
async function serveOnce(dataDir: string, ...flags: string[]) {
  const out: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const running = runCli(['serve', '--data-dir', dataDir, '--console-port', '0', '--port', '0', ...flags], {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => out.push(t) },
    env: {},
    untilStopped: stopped,
  });
  await expect.poll(() => out.join(''), { timeout: 15_000 }).toContain('Control Panel: http://127.0.0.1:');
  const url = new URL(/Control Panel: (\S+)/.exec(out.join(''))![1]!);
  const answer = await fetch(new URL('/api/getServerInfo', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${url.searchParams.get('token')}` },
    body: '{}',
  });
  stop();
  expect(await running).toBe(0);
  return { token: url.searchParams.get('token')!, status: answer.status, output: out.join('') };
}

describe('repo-server serve and its console token', () => {
  it('a bookmarked URL keeps working after a restart; --new-token replaces the token and says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-token-'));
    dirs.push(dataDir);
    const first = await serveOnce(dataDir);
    expect(first.status).toBe(200);
    const again = await serveOnce(dataDir);
    expect(again.token).toBe(first.token);
    expect(again.output).not.toContain('new Control Panel token');
    const renewed = await serveOnce(dataDir, '--new-token');
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.status).toBe(200);
    expect(renewed.output).toContain('A new Control Panel token was made (--new-token)');
    expect((await serveOnce(dataDir)).token).toBe(renewed.token);
  }, 60_000);
});
