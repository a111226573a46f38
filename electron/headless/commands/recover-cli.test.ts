import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentsOf, fill } from '../../core/backup/test-support';
import { toLocalIso } from '../../core/clock';
import { runCommand, tempDirs } from '../testing/cli-harness';
import { openServer } from '../open-server';

// Whole-server recovery (ARCHITECTURE §6) from the command line: a server with three repositories, a
// schedule and a clients policy is backed up twice; fresh data directories recover from the target.

const dirs = tempDirs();
afterEach(() => dirs.removeAll());
const temp = (prefix: string) => dirs.make(prefix);
const run = (args: string[]) => runCommand(args);

const TOKEN = 'the-old-servers-client-token-0123456789';
const NAMES = ['Alpha', 'Beta', 'Gamma Tests'];

type Contents = ReturnType<typeof contentsOf>;

async function contentsIn(dataDir: string): Promise<Record<string, Contents>> {
  const server = await openServer(dataDir);
  try {
    return Object.fromEntries(
      server.store.list().map((r) => [r.name, contentsOf(server.store.open(r.name))]),
    );
  } finally {
    await server.stop();
  }
}

/** The original server: three repositories, a schedule, a clients policy, a token; backed up twice. */
async function originalServer() {
  const dir = temp('recover-source-');
  const target = path.join(temp('recover-target-'), 'backups');
  const server = await openServer(dir);
  for (const name of NAMES) fill(server.store.create(name), 12);
  server.settings.update('backup', {
    ...server.settings.get().backup,
    enabled: true,
    repositories: NAMES,
    days: ['mon', 'wed', 'fri'],
    times: ['06:30', '21:15'],
    targetFolder: target,
    clientsPolicy: 'disconnect',
    graceMinutes: 5,
    keepLast: 5,
    drillEveryDays: 7,
  });
  server.settings.update('clientServer', {
    ...server.settings.get().clientServer,
    port: 54321,
    accessToken: TOKEN,
    tokenRequiredFrom: 'every-client',
    allowedOrigins: ['https://tools.example.com'],
  });
  const settings = server.settings.get();
  const serverId = server.store.serverId();
  await server.stop();
  expect((await run(['backup', '--data-dir', dir])).code).toBe(0);
  const first = await contentsIn(dir);
  // Between the two backups: a second (archive names carry seconds) and a change to Alpha.
  await new Promise((r) => setTimeout(r, 1100));
  const between = Date.now();
  await new Promise((r) => setTimeout(r, 1100));
  const again = await openServer(dir);
  again.store
    .open('Alpha')
    .put({ path: 'modules/added-later', kind: 'module', content: 'new', updatedBy: 'x' });
  await again.stop();
  expect((await run(['backup', '--data-dir', dir])).code).toBe(0);
  return { dir, target, settings, serverId, first, second: await contentsIn(dir), between };
}

describe('repo-server recover', () => {
  it('a fresh data dir gets every repository item for item, the schedule and the clients policy, and no token; --at picks the older archives', async () => {
    const source = await originalServer();
    expect(source.second.Alpha).not.toEqual(source.first.Alpha);

    const fresh = temp('recover-fresh-');
    const recovered = await run(['recover', '--from', source.target, '--data-dir', fresh]);
    expect(recovered.err).toBe('');
    expect(recovered.code).toBe(0);
    expect(recovered.out).toMatch(/^Recovered from /);
    for (const name of NAMES)
      expect(recovered.out).toMatch(new RegExp(`Restored "${name}" from ${name}_.*\\.zip`));
    expect(recovered.out).toContain('left out: the client access token');
    expect(await contentsIn(fresh)).toEqual(source.second);

    const server = await openServer(fresh);
    try {
      const settings = server.settings.get();
      expect(settings.backup).toEqual(source.settings.backup);
      const { accessToken, ...clients } = settings.clientServer;
      const { accessToken: oldToken, ...oldClients } = source.settings.clientServer;
      expect(clients).toEqual(oldClients);
      expect(oldToken).toBe(TOKEN);
      expect(accessToken).not.toBe(TOKEN);
      expect(server.store.serverId()).toBe(source.serverId);
      // The ids survive, so the schedule's retention and the drills carry on with the old archives.
      expect(server.store.list().map((r) => r.name)).toEqual(NAMES);
    } finally {
      await server.stop();
    }
    expect(fs.readFileSync(path.join(fresh, 'settings.json'), 'utf8')).not.toContain(TOKEN);

    // The archives it was restored from are its backups (it took the old server's id), verified just
    // now: the status counts them (no "never backed up", no overdue alarm) and the catalog says verified.
    const status = JSON.parse((await run(['status', '--json', '--data-dir', fresh])).out) as {
      perRepository: Array<{ name: string; lastGoodAt: string | null; overdue: boolean }>;
    };
    for (const name of NAMES) {
      const state = status.perRepository.find((r) => r.name === name)!;
      expect(state.overdue).toBe(false);
      expect(Date.parse(state.lastGoodAt!)).toBeGreaterThan(source.between);
    }
    const catalog = JSON.parse((await run(['backups', '--json', '--data-dir', fresh])).out) as {
      timelines: Array<{ repository: string; archives: Array<{ verification: { source: string } }> }>;
    };
    for (const t of catalog.timelines)
      expect(t.archives[0]!.verification.source, t.repository).toBe('history');

    // --at between the two backups: the first set, without the item added later.
    const older = temp('recover-at-');
    const atOlder = await run([
      'recover',
      '--from',
      source.target,
      '--at',
      toLocalIso(source.between),
      '--data-dir',
      older,
    ]);
    expect(atOlder.code).toBe(0);
    expect(atOlder.out).toContain(`archives from ${toLocalIso(source.between)} or earlier`);
    expect(await contentsIn(older)).toEqual(source.first);

    // Not fresh any more: refused, naming what is there, and nothing changes.
    const again = await run(['recover', '--from', source.target, '--data-dir', fresh]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /^repo-server: This data directory is not fresh: it holds 3 repositories \("Alpha", "Beta", "Gamma Tests"\)/,
    );
    expect(await contentsIn(fresh)).toEqual(source.second);

    // Before the first backup: nothing to recover, said plainly.
    const tooEarly = await run([
      'recover',
      '--from',
      source.target,
      '--at',
      '2000-01-01',
      '--data-dir',
      temp('recover-early-'),
    ]);
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.err).toMatch(/holds no backup from .* or earlier; the oldest is from/);
  });

  it('a newest archive damaged inside gives way to the one before; unreadable files are named and left alone', async () => {
    const source = await originalServer();
    const betas = fs
      .readdirSync(source.target)
      .filter((f) => f.startsWith('Beta_'))
      .sort();
    const newest = path.join(source.target, betas.at(-1)!);
    // The ZIP directory and the manifest still read; the snapshot inside does not verify.
    const bytes = fs.readFileSync(newest);
    for (let i = 0; i < 64; i++) bytes[200 + i]! ^= 0xff;
    fs.writeFileSync(newest, bytes);
    const alphas = fs
      .readdirSync(source.target)
      .filter((f) => f.startsWith('Alpha_'))
      .sort();
    fs.truncateSync(path.join(source.target, alphas.at(-1)!), 500);
    fs.writeFileSync(path.join(source.target, 'holiday-photos.zip'), 'not a backup');
    const fresh = temp('recover-fallback-');
    const result = await run(['recover', '--from', source.target, '--data-dir', fresh]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Restored "Beta" from ${betas[0]}`);
    expect(result.out).toContain(`a newer archive did not restore: ${betas.at(-1)}: `);
    expect(result.out).toContain(`Restored "Alpha" from ${alphas[0]}`);
    expect(result.out).toMatch(new RegExp(`Left alone: ${alphas.at(-1)!.replace('.', '\\.')}: `));
    expect(result.out).toContain('Left alone: holiday-photos.zip: ');
    const recovered = await contentsIn(fresh);
    expect(recovered.Beta).toEqual(source.first.Beta);
    expect(recovered.Alpha).toEqual(source.first.Alpha);
    expect(fs.readFileSync(path.join(source.target, 'holiday-photos.zip'), 'utf8')).toBe('not a backup');
    expect(fs.readFileSync(newest)).toEqual(bytes);
  });

  it('refuses what it cannot use, with exit code 2 and one line', async () => {
    const fresh = temp('recover-usage-');
    expect(await run(['recover', '--data-dir', fresh])).toMatchObject({
      code: 2,
      err: 'repo-server: Name the backup folder to recover from: --from DIR.\n',
    });
    const badAt = await run(['recover', '--from', fresh, '--at', 'last tuesday', '--data-dir', fresh]);
    expect(badAt.code).toBe(2);
    expect(badAt.err).toContain('--at takes a date and time such as');
  });
});
