import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli';

function io(stop?: Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: {},
      untilStopped: stop ?? Promise.resolve(),
    },
  };
}

describe('repo-server CLI', () => {
  it('serve prints a Control Panel URL and stops cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-serve-'));
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const t = io(stopped);
    const running = runCli(['serve', '--data-dir', dataDir, '--console-port', '0'], t.io);
    await expect.poll(() => t.out.join('')).toContain('Control Panel: http://127.0.0.1:');
    const url = /Control Panel: (\S+)/.exec(t.out.join(''))![1]!;
    const answer = await fetch(new URL('/api/getServerInfo', url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${new URL(url).searchParams.get('token')}`,
      },
      body: '{}',
    });
    expect(((await answer.json()) as { value: { dataDir: string } }).value.dataDir).toBe(dataDir);
    stop();
    expect(await running).toBe(0);
  });

  it('an unknown command or a bad flag exits non-zero with one line on stderr', async () => {
    const unknown = io();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err.join('')).toMatch(/^repo-server: Unknown command "frobnicate".*\n$/);
    const badPort = io();
    expect(await runCli(['serve', '--console-port', '99999'], badPort.io)).toBe(2);
    expect(badPort.err.join('')).toContain('--console-port must be a port number');
    const badFlag = io();
    expect(await runCli(['serve', '--colour'], badFlag.io)).not.toBe(0);
    expect(badFlag.err.join('').split('\n').filter(Boolean)).toHaveLength(1);
  });
});
