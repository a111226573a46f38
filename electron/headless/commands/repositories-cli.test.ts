import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RepoClient } from '../../core/client/repo-client';
import { runCli } from '../cli';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-repos-'));
  dirs.push(dir);
  return dir;
}
async function run(args: string[], untilStopped: Promise<void> = new Promise<void>(() => {})) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    untilStopped,
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('repo-server create and list', () => {
  it('creates repositories and lists them, as a table and as JSON', async () => {
    const dir = dataDir();
    expect(await run(['create', 'Login Tests', '--data-dir', dir])).toEqual({
      code: 0,
      out: 'Created repository "Login Tests".\n',
      err: '',
    });
    const created = await run(['create', 'Payments', '--json', '--data-dir', dir]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ name: 'Payments', itemCount: 0, id: expect.any(String) });

    const json = await run(['list', '--json', '--data-dir', dir]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.out) as Array<{ name: string; itemCount: number; sizeBytes: number }>;
    expect(listed.map((r) => r.name)).toEqual(['Login Tests', 'Payments']);
    expect(listed.every((r) => r.itemCount === 0 && r.sizeBytes > 0)).toBe(true);

    const table = await run(['list', '--data-dir', dir]);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ITEMS\s+REVISIONS\s+SIZE\s+LAST MODIFIED$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['Login Tests', 'Payments']);
  });

  it('lists an empty data directory with a hint, and [] as JSON', async () => {
    const dir = dataDir();
    expect((await run(['list', '--data-dir', dir])).out).toContain('No repositories');
    expect(JSON.parse((await run(['list', '--json', '--data-dir', dir])).out)).toEqual([]);
  });

  it('refuses a duplicate, a bad name and a missing name with one line on stderr', async () => {
    const dir = dataDir();
    await run(['create', 'Payments', '--data-dir', dir]);
    const duplicate = await run(['create', 'PAYMENTS', '--data-dir', dir]);
    expect(duplicate).toMatchObject({ code: 1, out: '' });
    expect(duplicate.err).toMatch(/^repo-server: A repository named "Payments" already exists\.\n$/);

    for (const name of ['a/b', '..', 'CON', 'x'.repeat(65)]) {
      const bad = await run(['create', name, '--data-dir', dir]);
      expect(bad.code, name).toBe(2);
      expect(bad.err.split('\n').filter(Boolean), name).toHaveLength(1);
      expect(bad.err, name).toContain('name');
    }
    const missing = await run(['create', '--data-dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Give exactly one repository name');
    expect(
      JSON.parse((await run(['list', '--json', '--data-dir', dir])).out).map((r: { name: string }) => r.name),
    ).toEqual(['Payments']);
  });
});

describe('repo-server serve --host --port', () => {
  it('--port 0 picks a free port and prints where clients connect', async () => {
    const dir = dataDir();
    await run(['create', 'Main', '--data-dir', dir]);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const out: string[] = [];
    const running = runCli(
      ['serve', '--data-dir', dir, '--console-port', '0', '--host', '127.0.0.1', '--port', '0'],
      {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: () => undefined },
        env: {},
        untilStopped: stopped,
      },
    );
    await expect.poll(() => out.join('')).toContain('Clients connect to: ');
    const match = /Clients connect to: ws:\/\/127\.0\.0\.1:(\d+)\/v1\/repositories\/<name>/.exec(
      out.join(''),
    );
    expect(match).not.toBeNull();
    const port = Number(match![1]);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(53400);

    const client = await RepoClient.connect({
      server: `ws://127.0.0.1:${port}`,
      repository: 'Main',
      label: 'cli test',
    });
    await client.put({ path: 'from/serve', kind: 'data', content: 'hello' });
    await client.close();
    stop();
    expect(await running).toBe(0);
    // The override was for this run only: the settings still say the default port.
    const settingsFile = path.join(dir, 'settings.json');
    const settings = (
      fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {}
    ) as {
      clientServer?: { port?: number };
    };
    expect(settings.clientServer?.port ?? 53400).toBe(53400);
  });

  it('refuses a bad --port with exit code 2', async () => {
    const bad = await run(['serve', '--port', 'http', '--data-dir', dataDir()]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--port must be a port number');
  });
});
