import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../core/data-dir-lock';
import { openServer } from './open-server';
import { consoleToken } from './console-token';
import { jsonLines, runCommand, serveDataDir, tempDirs } from './testing/cli-harness';

// One CLI, two modes (ARCHITECTURE §8): the same commands with and without a running server on the data
// directory print the same and exit the same; with one, that server does the work and knows it was the CLI.

const temp = tempDirs();
afterEach(() => temp.removeAll());

async function seeded(): Promise<{ dataDir: string; target: string }> {
  const dataDir = temp.make('cli-modes-');
  const server = await openServer(dataDir);
  const repo = server.store.create('Alpha');
  for (let i = 0; i < 20; i++)
    repo.put({ path: `m/${i}`, kind: 'module', content: `v${i}`, updatedBy: 'seed' });
  await server.stop();
  const target = temp.make('cli-modes-target-');
  const scheduled = await runCommand([
    'schedule',
    '--repos',
    'Alpha',
    '--target',
    target,
    '--data-dir',
    dataDir,
  ]);
  expect(scheduled.code).toBe(0);
  return { dataDir, target };
}

/** What differs between two runs of the same command: times, sizes, durations, the archive's time stamp. */
const normal = (text: string, dirs: Record<string, string>) => {
  let t = text;
  for (const [name, dir] of Object.entries(dirs)) t = t.split(dir).join(`<${name}>`);
  return (
    t
      .replace(/_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.zip/g, '_<time>.zip')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d/g, '<when>')
      .replace(/\b\d+(\.\d+)? (ms|s|B|KB|MB)\b/g, '<n>')
      .replace(/\b(\d+) (second|minute)s? ago\b/g, '<ago>')
      .replace(/^(Served by|No server is running).*$/m, '<who serves>')
      .replace(/^Source: .*$/m, '<source>')
      // Columns are as wide as their widest value: a size that differs (a running server's WAL) moves them.
      .replace(/ {2,}/g, '  ')
  );
};

/** The same script of commands, as a script would run them; each answer normalized. */
async function script(dataDir: string, target: string, out: string) {
  const answers: string[] = [];
  const step = async (...args: string[]) => {
    const r = await runCommand([...args, '--data-dir', dataDir]);
    answers.push(normal(`$ ${args.join(' ')} → ${r.code}\n${r.out}${r.err}`, { out, target, dataDir }));
    return r;
  };
  await step('list');
  await step('create', 'Beta');
  await step('create', 'beta');
  await step('create', '.bad');
  const exported = await step('export', 'Alpha', '--to', out);
  const file = /to (\S+\.zip)/.exec(exported.out)![1]!;
  await step('verify', file);
  await step('export', 'Nope', '--to', out);
  await step('backup', 'Alpha');
  await step('backup', 'Gamma');
  await step('import', file, '--as', 'Alpha copy');
  await step('import', file);
  await step('schedule', '--keep', 'x');
  await step('schedule', '--keep', '5');
  await step('status');
  await step('list');
  return answers;
}

describe('one CLI, two modes', () => {
  it('prints the same and exits the same with and without a running server, which does the work as the CLI’s', async () => {
    const alone = await seeded();
    const aloneOut = temp.make('cli-modes-out-');
    const inProcess = await script(alone.dataDir, alone.target, aloneOut);

    const served = await seeded();
    const servedOut = temp.make('cli-modes-out-');
    const server = await serveDataDir(served.dataDir);
    let forwarded: string[];
    try {
      forwarded = await script(served.dataDir, served.target, servedOut);
      // The Control Panel saw the CLI's jobs as they ran, and its history says who asked.
      const seen = server.events.filter((e) => e.name === 'jobFinished').map((e) => e.payload);
      expect(seen).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'export', repository: 'Alpha', status: 'done' }),
          expect.objectContaining({ kind: 'backup', repository: 'Alpha', status: 'done' }),
          expect.objectContaining({ kind: 'import', status: 'done', restoredAs: 'Alpha copy' }),
        ]),
      );
      expect(server.events.some((e) => e.name === 'jobProgress')).toBe(true);
      const history = await server.api<Array<{ kind: string; trigger: string; status: string }>>(
        'listHistory',
        {
          limit: 50,
        },
      );
      const ran = history.filter((h) => h.status === 'ok');
      expect(ran.length).toBeGreaterThanOrEqual(4);
      expect(
        new Set(ran.filter((h) => h.kind !== 'backup' || h.trigger !== 'pre-restore').map((h) => h.trigger)),
      ).toEqual(new Set(['cli']));
      expect(server.events.filter((e) => e.name === 'repositoriesChanged').length).toBeGreaterThan(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(forwarded).toEqual(inProcess);
    expect(inProcess.join('\n')).toContain('$ export Nope --to <out> → 1');
    expect(inProcess.join('\n')).toContain('$ create .bad → 2');
  }, 120_000);
});

describe('a server that holds the data directory but cannot be asked', () => {
  it('one on another machine (a shared folder): a restore is refused naming it; reading and exporting run beside it as before', async () => {
    const { dataDir } = await seeded();
    const out = temp.make('cli-modes-out-');
    const exported = await runCommand(['export', 'Alpha', '--to', out, '--data-dir', dataDir]);
    const file = /to (\S+\.zip)/.exec(exported.out)![1]!;
    fs.writeFileSync(
      path.join(dataDir, LOCK_FILE),
      JSON.stringify({
        pid: process.pid,
        hostname: 'build-02',
        host: 'electron',
        startedAt: '2026-12-02T10:00:00Z',
        controlPanel: 'http://127.0.0.1:1',
      }),
    );
    const restore = await runCommand(['import', file, '--on-conflict', 'replace', '--data-dir', dataDir]);
    expect(restore.code).toBe(1);
    expect(restore.err).toBe(
      `repo-server: A restore cannot run while the Repository Server desktop app (pid ${process.pid} on build-02, since 2026-12-02T10:00:00Z; CLI endpoint http://127.0.0.1:1) ` +
        'serves this data directory (it runs on another machine: run the command there): use its Control Panel, or stop it first.\n',
    );
    expect((await runCommand(['list', '--data-dir', dataDir])).code).toBe(0);
    expect((await runCommand(['export', 'Alpha', '--to', out, '--data-dir', dataDir])).code).toBe(0);
  });
});

/** A lock naming this process as a headless server whose Control Panel is `origin`, and a console token. */
function pretendServed(dataDir: string, origin: string) {
  fs.writeFileSync(
    path.join(dataDir, LOCK_FILE),
    JSON.stringify({
      pid: process.pid,
      hostname: os.hostname(),
      host: 'headless',
      startedAt: '2026-12-02T10:00:00Z',
      controlPanel: origin,
    }),
  );
  return consoleToken(dataDir).token;
}

/** A peer on 127.0.0.1 that answers as `handler` says: a server that lies, hangs or refuses. */
async function fakeServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sse = (res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': connected\n\n');
};

describe('a hostile or gone server', () => {
  it('nothing listens where the lock says: exit 6, naming the server and the address', async () => {
    const { dataDir } = await seeded();
    const gone = await fakeServer(() => {});
    await gone.close();
    pretendServed(dataDir, gone.origin);
    const answer = await runCommand(['list', '--data-dir', dataDir]);
    expect(answer.code).toBe(6);
    expect(answer.err).toMatch(
      new RegExp(
        `^repo-server: repo-server serve \\(pid ${process.pid}.*\\) holds this data directory but could not be reached at ${gone.origin}: .*ECONNREFUSED.*\\n$`,
      ),
    );
  });

  it('a server that refuses the token: exit 4, and what to do', async () => {
    const { dataDir } = await seeded();
    const peer = await fakeServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ ok: false, error: { code: 'UNAUTHORIZED', message: 'Missing or wrong token' } }),
      );
    });
    try {
      pretendServed(dataDir, peer.origin);
      const answer = await runCommand(['status', '--data-dir', dataDir]);
      expect(answer.code).toBe(4);
      expect(answer.err).toContain("refused this data directory's console token");
    } finally {
      await peer.close();
    }
  });

  it('answers that are not what the contract says are not trusted: exit 1', async () => {
    const { dataDir } = await seeded();
    const peer = await fakeServer((req, res) => {
      if (req.url === '/api/events') return sse(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, value: [{ name: 42, evil: true }] }));
    });
    try {
      pretendServed(dataDir, peer.origin);
      const answer = await runCommand(['list', '--json', '--data-dir', dataDir]);
      expect(answer).toMatchObject({
        code: 1,
        out: '',
        err: "repo-server: The server's answer to listRepositories is not what the contract says; nothing is trusted.\n",
      });
    } finally {
      await peer.close();
    }
  });

  it('a server that stops answering (no heartbeat, no answer): exit 6 after seconds, not a hang', async () => {
    const { dataDir } = await seeded();
    const peer = await fakeServer((req, res) => {
      if (req.url === '/api/events') sse(res); // then silence, like a SIGSTOPped process
      // every call: never answered
    });
    try {
      pretendServed(dataDir, peer.origin);
      const started = Date.now();
      const answer = await runCommand(['backup', 'Alpha', '--data-dir', dataDir]);
      expect(answer.code).toBe(6);
      expect(answer.err).toMatch(
        /No answer to runBackupNow: the server stopped answering \(nothing heard for \d s\)/,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await peer.close();
    }
  }, 30_000);

  it('a console token readable by other users is not used: exit 4', async () => {
    const { dataDir } = await seeded();
    const peer = await fakeServer((req, res) => sse(res));
    try {
      pretendServed(dataDir, peer.origin);
      fs.chmodSync(path.join(dataDir, 'console-token'), 0o644);
      const answer = await runCommand(['list', '--data-dir', dataDir]);
      expect(answer.code).toBe(4);
      expect(answer.err).toContain(
        'console-token is readable by other users, so it is not used as a credential',
      );
    } finally {
      await peer.close();
    }
  });
});

it('jsonLines reads what --json prints', async () => {
  const { dataDir } = await seeded();
  const listed = await runCommand(['list', '--json', '--data-dir', dataDir]);
  expect(jsonLines(listed.out)).toHaveLength(1);
});
