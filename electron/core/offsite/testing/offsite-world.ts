// Shared by the offsite tests: a whole core (createServer) on a temp data dir with a fake clock, its
// settings in a real settings.json (conf, as headless), repositories with real data, auto-backup to a
// local folder, and a real sshd as the offsite server, set up through the contract as a person would:
// test the connection, compare and confirm the host key, save with the key's passphrase.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { OffsiteStatus } from '../../../shared/contract/offsite';
import { CONFIG_ARCHIVE_NAME } from '../../../shared/contract/recovery';
import type { OffsiteSettings } from '../../../shared/settings-schema';
import Conf from 'conf';
import { createServer, type RepoServer } from '../../create-server';
import type { SettingsBackend } from '../../settings';
import { FakeClock } from '../../testing/fake-clock';
import { afterEach } from 'vitest';
import { startSshd, type TestSshd } from './sshd';

export interface WorldOptions {
  repositories?: Record<string, { randomMb?: number }>;
  offsite?: Partial<OffsiteSettings>;
  keepLastLocal?: number;
  /** The remote folder (default: a folder under the sshd's temp folder). */
  remoteFolder?: string;
  sshd?: TestSshd;
  /** The offsite server allows SFTP only (no commands). */
  sftpOnly?: boolean;
}

export const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

export async function offsiteWorld(options: WorldOptions = {}) {
  const sshd = options.sshd ?? (await startSshd({ sftpOnly: options.sftpOnly }));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offsite-data-'));
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'offsite-local-'));
  const clock = new FakeClock(Date.parse('2026-11-16T10:00:00+01:00'));
  const logs: string[] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      logs.push(`${level} ${args.map(String).join(' ')}`);
  const logger = { info: log('info'), warn: log('warn'), error: log('error') };
  // The settings file as headless keeps it (conf, settings.json, 0600): the secret test greps it.
  const settings = new Conf<Record<string, unknown>>({
    cwd: dataDir,
    configName: 'settings',
    projectName: 'repo-server',
    configFileMode: 0o600,
  }) as unknown as SettingsBackend;
  settings.set('clientServer', { autoStart: false });
  const server: RepoServer = await createServer({
    dataDir,
    appInfo: { name: 'Repository Server', version: '0.0.0-test' },
    host: 'headless',
    clock,
    settings,
    logger,
    timeZone: 'Europe/Berlin',
    offsiteRetryDelaysMs: [60_000, 120_000],
  });
  const h = server.handlers;
  const repositories = options.repositories ?? { Alpha: {} };
  for (const [name, spec] of Object.entries(repositories)) {
    await h.createRepository({ name });
    const repo = server.store.open(name);
    repo.put({
      path: 'modules/login',
      kind: 'module',
      content: 'open the page\n'.repeat(50),
      updatedBy: 'seed',
    });
    for (let i = 0; i < (spec.randomMb ?? 0); i++)
      repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  }
  await h.saveBackupSettings({
    ...(await h.getBackupSettings(undefined)),
    enabled: true,
    repositories: Object.keys(repositories),
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    times: ['22:00'],
    targetFolder: target,
    keepLast: options.keepLastLocal ?? 7,
    compression: 'store',
  });
  const remoteFolder = options.remoteFolder ?? path.join(sshd.remoteRoot, 'copies');
  const form = {
    enabled: true,
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    auth: 'key-file' as const,
    keyFile: sshd.keyFile,
    remoteFolder,
    keepLast: 2,
    check: 'auto' as const,
    alertAfterHours: 24,
    timeoutSeconds: 5,
    ...options.offsite,
  };
  const statuses: OffsiteStatus[] = [];
  server.events.on('offsiteStatusChanged', (s) => statuses.push(s));

  const world = {
    sshd,
    server,
    h,
    clock,
    dataDir,
    target,
    remoteFolder,
    form,
    logs,
    statuses,
    /** Test, compare the fingerprint with the server's own, confirm, save with the passphrase. */
    async configure(patch: Partial<typeof form> = {}) {
      const settings = { ...form, ...patch };
      const first = await h.testOffsiteConnection({ settings, secret: sshd.passphrase });
      if (!first.ok && first.hostKey?.state === 'new') {
        await h.confirmOffsiteHostKey({
          host: settings.host,
          port: settings.port,
          fingerprint: first.hostKey.fingerprint,
        });
      }
      await h.saveOffsiteSettings({ settings, secret: sshd.passphrase });
      return first;
    },
    /** Runs the next scheduled slot (the fake clock moves to it) and waits for its history rows. */
    async scheduledBackup() {
      const ran = () =>
        server.backups.history
          .list({ limit: 1000 })
          // The repositories' backups (the run's configuration archive has no repository; its offsite
          // copy is queued before the run ends, which `idle` below waits for).
          .filter((r) => r.trigger === 'schedule' && r.status !== 'running' && r.repository !== null);
      const before = ran().length;
      await clock.advanceTo(Date.parse(server.scheduler.status().nextRun!));
      for (let i = 0; i < 600 && ran().length < before + Object.keys(repositories).length; i++)
        await new Promise((r) => setTimeout(r, 50));
      await server.scheduler.idle();
      return ran().slice(0, ran().length - before);
    },
    /** Files in the remote folder (the sshd is on this machine: what an administrator would `ls`). */
    remoteFiles: () => (fs.existsSync(remoteFolder) ? fs.readdirSync(remoteFolder).sort() : []),
    /** The repositories' archives in the local target folder. */
    localArchives: () =>
      fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.zip') && !f.startsWith(`${CONFIG_ARCHIVE_NAME}_`))
        .sort(),
    /** The server configuration's archives in the local target folder (each run writes one). */
    localConfigArchives: () =>
      fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.zip') && f.startsWith(`${CONFIG_ARCHIVE_NAME}_`))
        .sort(),
    /** Every copy in the queue, newest first. */
    copies: () => server.offsite.queue.list({ limit: 500 }),
    /** The copies of one repository (or of CONFIG_ARCHIVE_NAME, the configuration), newest first. */
    copiesOf: (name: string) => server.offsite.queue.list({ repository: name, limit: 500 }),
    idle: () => server.offsite.uploader.idle(),
    async close() {
      await server.stop();
      if (!options.sshd) await sshd.dispose();
      for (const dir of [dataDir, target]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return world;
}

/**
 * For a test file: `world()` makes an offsite world that is closed after each test, with anything else
 * pushed on `cleanups`, in reverse order.
 */
export function offsiteWorlds() {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function world(options: WorldOptions = {}) {
    const w = await offsiteWorld(options);
    cleanups.push(() => w.close());
    return w;
  }
  return { cleanups, world };
}
