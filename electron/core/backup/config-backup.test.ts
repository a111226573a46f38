import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupWorld } from '../schedule/test-support';
import { openArchive } from './archive-reader';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import { readConfigArchive } from './config-archive';
import { agentIo } from './test-support';

// Whole-server backup (ARCHITECTURE §6): every run of the configured backup also writes the server's
// configuration beside the repositories' archives — never a secret — with the same retention.

const worlds: Array<{ close(): Promise<void> }> = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  cleanups.splice(0).forEach((c) => c());
  for (const w of worlds.splice(0)) await w.close();
});

const TOKEN = 'client-token-that-must-stay-home-123';

async function world() {
  const w = await backupWorld({ repositories: ['Alpha', 'Beta'] });
  worlds.push(w);
  w.settings.update('clientServer', {
    ...w.settings.get().clientServer,
    accessToken: TOKEN,
    tokenRequiredFrom: 'every-client',
    allowedOrigins: ['https://tools.example.com'],
  });
  return w;
}

const configArchives = (w: Awaited<ReturnType<typeof world>>) =>
  w.files().filter((f) => f.startsWith(`${CONFIG_ARCHIVE_NAME}_`));

describe('the server configuration backup', () => {
  it('is written beside the repositories: settings, repositories and clients policy, no token, and says what it left out', async () => {
    const w = await world();
    const report = await w.autoBackup.runNow('manual').done;
    expect(report.error).toBeNull();
    expect(report.configuration?.error).toBeNull();
    const file = report.configuration!.file!;
    expect(path.dirname(file)).toBe(w.target);
    expect(configArchives(w)).toEqual([path.basename(file)]);
    expect(path.basename(file)).toMatch(/^@server-configuration_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.zip$/);
    // Any unzip tool opens it; the token is nowhere in it, not even compressed away from a grep.
    const listing = execFileSync('unzip', ['-l', file], { encoding: 'utf8' });
    expect(listing).toContain('configuration.json');
    expect(listing).toContain('manifest.json');
    const expanded = execFileSync('unzip', ['-p', file, 'configuration.json'], { encoding: 'utf8' });
    expect(execFileSync('unzip', ['-p', file], { encoding: 'utf8' })).not.toContain(TOKEN);
    expect(expanded).not.toContain(TOKEN);
    expect(expanded).not.toContain('accessToken');

    const archive = await readConfigArchive(agentIo(cleanups), file);
    expect(archive.manifest.kind).toBe('server-configuration');
    expect(archive.manifest.leftOut.join(' ')).toContain('client access token');
    expect(archive.manifest.server.id).toBe(w.store.serverId());
    expect(archive.configuration.repositories).toEqual(
      w.store.list().map((r) => ({ name: r.name, id: r.id })),
    );
    expect(archive.configuration.backup).toEqual(w.settings.get().backup);
    expect(archive.configuration.clientServer).toMatchObject({
      tokenRequiredFrom: 'every-client',
      allowedOrigins: ['https://tools.example.com'],
    });
    // The history shows it as a backup of no repository, with its file.
    expect(w.history.list().find((h) => h.kind === 'backup' && h.repository === null)).toMatchObject({
      status: 'ok',
      file,
    });
  });

  it('is not a repository archive: importing or verifying it as one says what it is', async () => {
    const w = await world();
    const file = (await w.autoBackup.runNow('manual').done).configuration!.file!;
    const error = await openArchive(file).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(error).toContain('a backup of the server’s configuration, not of a repository');
  });

  it('keeps the newest N like the repositories, and never touches a file that only looks like one', async () => {
    const w = await world();
    w.setBackup({ keepLast: 2 });
    fs.mkdirSync(w.target, { recursive: true });
    const foreign = path.join(w.target, `${CONFIG_ARCHIVE_NAME}_2020-01-01-00-00-00.zip`);
    fs.writeFileSync(foreign, 'not ours');
    const written: string[] = [];
    for (let i = 0; i < 3; i++) {
      written.push((await w.autoBackup.runNow('manual').done).configuration!.file!);
      w.clock.jumpTo(w.clock.now() + 60_000);
    }
    expect(configArchives(w).sort()).toEqual(
      [path.basename(foreign), path.basename(written[1]!), path.basename(written[2]!)].sort(),
    );
    expect(fs.readFileSync(foreign, 'utf8')).toBe('not ours');
  });

  it('each archive is handed on once read back, before its history row is finished and before local retention; a failure there is a warning on a good backup', async () => {
    const w = await world();
    w.setBackup({ keepLast: 1 });
    const rowsOf = (file: string) => w.history.list({ limit: 100 }).filter((h) => h.file === file);
    const seen: Array<{ file: string; serverId: string; inFolder: string[]; row: string[] }> = [];
    let refuse = false;
    w.backups.afterConfigurationVerified = async (archive) => {
      // Read through the job's file agent, as the offsite copy reads it.
      await readConfigArchive(archive.io, archive.file);
      expect(archive.sizeBytes).toBe(fs.statSync(archive.file).size);
      seen.push({
        file: archive.file,
        serverId: archive.serverId,
        inFolder: configArchives(w),
        // Not finished yet: the row is written once, when the hook's outcome is known.
        row: rowsOf(archive.file).map((h) => `${h.id} ${h.status}`),
      });
      if (refuse) throw new Error('the offsite queue is unavailable');
    };
    const first = (await w.autoBackup.runNow('manual').done).configuration!.file!;
    w.clock.jumpTo(w.clock.now() + 60_000);
    refuse = true;
    const report = await w.autoBackup.runNow('manual').done;
    const second = report.configuration!.file!;
    expect(report.configuration!.error).toBeNull();
    expect(seen).toEqual([
      {
        file: first,
        serverId: w.store.serverId(),
        inFolder: [path.basename(first)],
        row: [expect.stringMatching(/ running$/)],
      },
      // Before retention: the older archive is still there when the newer one is handed on.
      {
        file: second,
        serverId: w.store.serverId(),
        inFolder: [path.basename(first), path.basename(second)].sort(),
        row: [expect.stringMatching(/ running$/)],
      },
    ]);
    // Retention ran all the same.
    expect(configArchives(w)).toEqual([path.basename(second)]);
    // One row per archive, finished once: ok, and ok with the warning when the hook threw.
    expect(rowsOf(first)).toEqual([expect.objectContaining({ status: 'ok', error: null })]);
    expect(rowsOf(second)).toEqual([
      expect.objectContaining({
        status: 'ok',
        sizeBytes: fs.statSync(second).size,
        error:
          'The configuration backup is verified, but its offsite copy was not queued: the offsite queue is unavailable',
      }),
    ]);
  });

  it('a damaged configuration archive is refused naming the problem', async () => {
    const w = await world();
    const file = (await w.autoBackup.runNow('manual').done).configuration!.file!;
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 30));
    await expect(readConfigArchive(agentIo(cleanups), file)).rejects.toMatchObject({
      code: 'INVALID_ARCHIVE',
    });
  });
});
