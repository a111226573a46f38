import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function cli(dataDir: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['token', '--data-dir', dataDir, ...args], {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    untilStopped: Promise.resolve(),
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('repo-server token: how a test tool gets in', () => {
  it('prints the token (made once, then kept), who needs it and how to send it; the settings file is private', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-token-'));
    dirs.push(dataDir);
    const first = await cli(dataDir);
    expect(first.code).toBe(0);
    const token = first.out.split('\n')[0]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.out).toContain(
      'Required from clients on other machines. A test tool sends "Authorization: Bearer <token>"',
    );
    expect(first.out).toContain('No web page may connect');
    expect((await cli(dataDir)).out.split('\n')[0]).toBe(token);
    expect(fs.statSync(path.join(dataDir, 'settings.json')).mode & 0o777).toBe(0o600);

    const rotated = await cli(dataDir, '--new', '--require', 'every-client');
    expect(rotated.out.split('\n')[0]).not.toBe(token);
    expect(rotated.out).toContain('Required from every client');
    expect(JSON.parse((await cli(dataDir, '--json')).out)).toEqual({
      token: rotated.out.split('\n')[0],
      requiredFrom: 'every-client',
      allowedOrigins: [],
    });
  });

  it('allows web origins one by one, refuses what is not an origin, and clears them', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-token-'));
    dirs.push(dataDir);
    const added = await cli(
      dataDir,
      '--allow-origin',
      'https://Tools.Example.com',
      '--allow-origin',
      'http://localhost:3000',
    );
    expect(added.out).toContain(
      'Web pages from these origins may connect: https://tools.example.com, http://localhost:3000.',
    );
    const bad = await cli(dataDir, '--allow-origin', 'https://tools.example.com/app');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is not an origin');
    const badRequire = await cli(dataDir, '--require', 'nobody');
    expect(badRequire.code).toBe(2);
    expect(badRequire.err).toContain('--require is other-machines or every-client');
    expect((await cli(dataDir, '--clear-origins')).out).toContain('No web page may connect');
  });
});
