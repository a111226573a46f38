import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand, tempDirs } from '../testing/cli-harness';
import { openServer } from '../open-server';

// The catalog's commands as a script runs them: backups, items, restore-items over a real data dir and
// the archives its own backup command wrote.

const dirs = tempDirs();
afterEach(() => dirs.removeAll());
const temp = (prefix: string) => dirs.make(prefix);
const run = (args: string[]) => runCommand(args);

async function withServer<T>(
  dataDir: string,
  work: (s: Awaited<ReturnType<typeof openServer>>) => T | Promise<T>,
) {
  const server = await openServer(dataDir);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

describe('repo-server backups, items, restore-items', () => {
  it('lists the target’s backups per repository, an archive’s items, and restores one item as a new version', async () => {
    const dataDir = temp('cli-catalog-');
    const target = path.join(temp('cli-catalog-target-'), 'backups');
    await withServer(dataDir, (s) => {
      const repo = s.store.create('Login Tests');
      repo.put({ path: 'modules/login', kind: 'module', content: 'v1', updatedBy: 'seed' });
      repo.put({ path: 'modules/login', kind: 'module', content: 'v2', updatedBy: 'seed' });
      s.store.create('Payments').put({ path: 'a', kind: 'data', content: 'x', updatedBy: 'seed' });
    });
    expect(
      (await run(['schedule', '--repos', 'Login Tests,Payments', '--target', target, '--data-dir', dataDir]))
        .code,
    ).toBe(0);
    expect((await run(['backup', '--data-dir', dataDir])).code).toBe(0);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'tape rotation\n');
    await withServer(dataDir, (s) =>
      s.store
        .open('Login Tests')
        .put({ path: 'modules/login', kind: 'module', content: 'v3', updatedBy: 'editor' }),
    );

    const listed = await run(['backups', '--data-dir', dataDir]);
    expect(listed).toMatchObject({ code: 0, err: '' });
    expect(listed.out).toContain(`Backups in ${target}: 2 archives of 2 repositories.`);
    expect(listed.out).toMatch(/^Login Tests: 1 backup$/m);
    expect(listed.out).toMatch(/cli +\S+ \S+ +1 +verified +this server +Login Tests_\d{4}-.*\.zip/);
    expect(listed.out).toMatch(/foreign +notes\.txt +Not a Repository Server backup\./);

    const one = await run(['backups', '--in', target, 'payments', '--json', '--data-dir', dataDir]);
    const json = JSON.parse(one.out) as {
      timelines: Array<{ repository: string; archives: Array<{ file: string }> }>;
    };
    expect(json.timelines.map((t) => t.repository)).toEqual(['Payments']);
    const loginArchive = JSON.parse(
      (await run(['backups', 'Login Tests', '--json', '--data-dir', dataDir])).out,
    ).timelines[0].archives[0].file as string;

    const items = await run(['items', loginArchive, '--prefix', 'modules/', '--data-dir', dataDir]);
    expect(items).toMatchObject({ code: 0, err: '' });
    expect(items.out).toMatch(/^modules\/login +module +2 +\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +2 B$/m);

    const restored = await run([
      'restore-items',
      loginArchive,
      'modules/login',
      '--into',
      'Login Tests',
      '--data-dir',
      dataDir,
    ]);
    expect(restored).toMatchObject({ code: 0, err: '' });
    expect(restored.out).toContain('Restored 1 item into "Login Tests".');
    expect(restored.out).toContain('modules/login  backup version 2 -> now version 4');
    await withServer(dataDir, (s) => {
      expect(s.store.open('Login Tests').get('modules/login')).toMatchObject({ content: 'v2', version: 4 });
    });

    const copy = await run([
      'restore-items',
      loginArchive,
      '--prefix',
      'modules/',
      '--into',
      'Login Copy',
      '--new',
      '--data-dir',
      dataDir,
    ]);
    expect(copy.out).toContain('into the new repository "Login Copy"');
  });

  it('tells this server’s backups from another server’s in a shared folder, also after a recovery elsewhere', async () => {
    const target = path.join(temp('cli-catalog-shared-'), 'backups');
    const ours = temp('cli-catalog-ours-');
    const theirs = temp('cli-catalog-theirs-');
    for (const [dataDir, name] of [
      [ours, 'Login Tests'],
      [theirs, 'Orders'],
    ] as const) {
      await withServer(dataDir, (s) =>
        s.store.create(name).put({ path: 'a', kind: 'data', content: 'x', updatedBy: 'seed' }),
      );
      expect((await run(['schedule', '--repos', name, '--target', target, '--data-dir', dataDir])).code).toBe(
        0,
      );
      expect((await run(['backup', '--data-dir', dataDir])).code).toBe(0);
    }
    const ourId = await withServer(ours, (s) => s.store.serverId());
    const json = JSON.parse((await run(['backups', '--json', '--data-dir', ours])).out) as {
      serverId: string;
      timelines: Array<{ repository: string; archives: Array<{ serverId: string | null }> }>;
    };
    expect(json.serverId).toBe(ourId);
    const serverOf = (name: string) =>
      json.timelines.find((t) => t.repository === name)!.archives[0]!.serverId;
    expect(serverOf('Login Tests')).toBe(ourId);
    expect(serverOf('Orders')).toMatch(/^[0-9a-f-]{36}$/);
    expect(serverOf('Orders')).not.toBe(ourId);

    const text = (await run(['backups', '--data-dir', ours])).out;
    expect(text).toMatch(/verified +this server +Login Tests_/);
    // The other server's backups name the machine and version that made them, not "this server".
    expect(text).toMatch(new RegExp(`verified +${os.hostname()} \\S+ +Orders_`));

    // Recovering from the shared folder: taking the newest configuration would silently make this
    // server whichever ran last, so it asks whose, naming both; the answer recovers only that one's.
    const recovered = temp('cli-catalog-recovered-');
    const ambiguous = await run(['recover', '--from', target, '--data-dir', recovered]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toContain(`${target} holds the backups of 2 servers: `);
    expect(ambiguous.err).toContain(`${ourId} (on "${os.hostname()}", newest backup `);
    expect(ambiguous.err).toContain('recover --server ID');
    expect(await withServer(recovered, (s) => s.store.list())).toEqual([]);
    expect(
      (await run(['recover', '--from', target, '--server', 'nope', '--data-dir', recovered])).err,
    ).toMatch(/holds no backup of server nope; it holds those of: /);
    expect((await run(['recover', '--from', target, '--server', ' ', '--data-dir', recovered])).code).toBe(2);
    const chosen = await run(['recover', '--from', target, '--server', ourId, '--data-dir', recovered]);
    expect(chosen).toMatchObject({ code: 0, err: '' });
    expect(chosen.out).toContain('Restored "Login Tests"');
    expect(chosen.out).not.toContain('Orders');
    // The recovered server carries the id on: its old backups are still its own.
    expect(await withServer(recovered, (s) => s.store.serverId())).toBe(ourId);
    expect((await run(['backups', '--in', target, '--data-dir', recovered])).out).toMatch(
      /this server +Login Tests_/,
    );
  });

  it('says what is wrong in one line: a relative archive, no --into, no backups of a name', async () => {
    const dataDir = temp('cli-catalog-');
    const folder = temp('cli-catalog-empty-');
    expect(await run(['items', 'a.zip', '--data-dir', dataDir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^repo-server: Give the archive as a full path/) as unknown,
    });
    expect((await run(['restore-items', '/x/a.zip', 'p', '--data-dir', dataDir])).err).toMatch(/--into NAME/);
    expect((await run(['backups', '--in', 'rel', '--data-dir', dataDir])).code).toBe(2);
    expect(await run(['backups', '--in', folder, 'Nope', '--data-dir', dataDir])).toMatchObject({
      code: 1,
      err: `repo-server: No backups of "Nope" in ${folder}.\n`,
    });
    expect((await run(['backups', '--data-dir', dataDir])).err).toMatch(/no target folder/);
    expect((await run(['items', path.join(folder, 'none.zip'), '--data-dir', dataDir])).code).toBe(1);
  });
});
