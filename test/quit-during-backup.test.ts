import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessageBoxOptions } from 'electron';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createServer, type RepoServer } from '../electron/core/create-server';
import { createLifecycle } from '../electron/main/lifecycle';
import { askWithMessageBox, createQuitGuard } from '../electron/main/quit-guard';
import { FakeApp } from '../electron/main/testing/fake-app';
import { PARTIAL_SUFFIX } from '../electron/core/backup/archive-writer';
import { dataDirHolder, lockDataDir, type DataDirLock } from '../electron/core/data-dir-lock';
import { mountHangingFs } from '../electron/core/testing/hanging-fs';

// Quitting the desktop app while an export runs: the real core (repository, BackupService job, archive
// writer), the real lifecycle and quit guard as electron/main/index.ts wires them. Only Electron's `app`
// and `dialog` are stand-ins; the dialog answers once the archive is half written.

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const appInfo = { name: 'Repository Server', version: '0.0.1' };
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
};

/** 24 MB that does not compress, so the archive takes long enough to be caught half written. */
async function desktopCore(dataDir = tempDir('quit-backup-data')): Promise<RepoServer> {
  const server = await createServer({ dataDir, appInfo, host: 'electron', logger: quiet });
  await server.handlers.createRepository({ name: 'Big' });
  const repository = server.store.open('Big');
  for (let i = 0; i < 24; i++) {
    repository.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
  }
  return server;
}

/** Electron's dialog as a person uses it: reads the question while the job runs, then presses a button. */
function fakeDialog(button: string, whileReading: () => Promise<void>) {
  const shown: MessageBoxOptions[] = [];
  return {
    shown,
    showMessageBox: async (...args: unknown[]) => {
      const options = args.at(-1) as MessageBoxOptions;
      shown.push(options);
      await whileReading();
      return { response: options.buttons!.indexOf(button), checkboxChecked: false };
    },
  };
}

/** The app, ready, with its quit guard over the real core: what index.ts builds, minus the window. */
async function desktopApp(server: RepoServer, dialog: ReturnType<typeof fakeDialog>, lock?: DataDirLock) {
  const app = new FakeApp();
  const stops: string[] = [];
  createLifecycle({
    app: app as never,
    hidden: () => true,
    start: async () => {},
    showWindow: () => {},
    mayQuit: () =>
      createQuitGuard({
        handlers: server.handlers,
        events: server.events,
        clock: server.clock,
        ask: askWithMessageBox(dialog as never, () => null),
        logger: quiet,
      }).mayQuit(),
    stop: async () => {
      stops.push('stop');
      await server.stop();
    },
    released: () => lock?.release(),
    onFatal: (error) => {
      throw error;
    },
    logger: quiet,
  });
  await app.ready();
  return { app, stops };
}

async function exportBig(server: RepoServer) {
  const out = tempDir('quit-backup-out');
  const { jobs } = await server.handlers.startExport({
    repositories: ['Big'],
    destination: { kind: 'folder', folder: out },
    includeHistory: true,
  });
  return { out, jobId: jobs[0]!.jobId };
}

/** While the question is open: the archive is being written, as `<name>.zip.partial`. */
async function untilHalfWritten(out: string): Promise<string> {
  return vi.waitFor(
    () => {
      const partial = fs.readdirSync(out).find((f) => f.endsWith(PARTIAL_SUFFIX));
      if (!partial || fs.statSync(path.join(out, partial)).size === 0)
        throw new Error('the export finished or never started writing: give it more data');
      return partial;
    },
    { timeout: 15_000, interval: 2 },
  );
}

describe('quitting the desktop app while an export runs', () => {
  it('"Cancel and Quit" cancels the job: no partial and no archive are left, and the history says cancelled', async () => {
    const server = await desktopCore();
    const { out } = await exportBig(server);
    let seenPartial = '';
    const dialog = fakeDialog('Cancel and Quit', async () => {
      seenPartial = await untilHalfWritten(out);
    });
    const { app, stops } = await desktopApp(server, dialog);

    app.quit();
    await vi.waitFor(() => expect(app.quitted).toBe(true), { timeout: 20_000 });

    expect(dialog.shown).toHaveLength(1);
    expect(dialog.shown[0]).toMatchObject({
      message: 'A job is still running.',
      detail: expect.stringMatching(/^Export of Big is in progress\./),
      buttons: ['Quit When Finished', 'Cancel and Quit', 'Keep Running'],
    });
    expect(dialog.shown[0]).not.toHaveProperty('choices');
    expect(seenPartial).toMatch(/^Big_.*\.zip\.partial$/);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(stops).toEqual(['stop']);
    expect(fs.readdirSync(path.join(server.dataDir, 'tmp'))).toEqual([]);

    // What the user sees after starting the app again.
    const again = await createServer({ dataDir: server.dataDir, appInfo, host: 'electron', logger: quiet });
    const [last] = await again.handlers.listHistory({ repository: 'Big', limit: 1 });
    expect(last).toMatchObject({ kind: 'export', status: 'cancelled' });
    await again.stop();
  });

  it('"Quit When Finished" lets the export finish; the archive then verifies', async () => {
    const server = await desktopCore();
    const { out, jobId } = await exportBig(server);
    const dialog = fakeDialog('Quit When Finished', async () => void (await untilHalfWritten(out)));
    const finished: string[] = [];
    server.events.on('jobFinished', (r) => finished.push(`${r.jobId} ${r.status}`));
    const { app, stops } = await desktopApp(server, dialog);

    app.quit();
    await vi.waitFor(() => expect(app.quitted).toBe(true), { timeout: 20_000 });

    expect(dialog.shown).toHaveLength(1);
    expect(finished).toEqual([`${jobId} done`]);
    expect(stops).toEqual(['stop']);
    const files = fs.readdirSync(out);
    expect(files).toEqual([expect.stringMatching(/^Big_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip$/)]);

    // Verified by the app started again, as the user would in the Import dialog.
    const again = await createServer({
      dataDir: tempDir('quit-backup-verify'),
      appInfo,
      host: 'electron',
      logger: quiet,
    });
    const [verified] = await again.handlers.verifyArchives({ files: [path.join(out, files[0]!)] });
    expect(verified).toMatchObject({
      verified: true,
      error: null,
      manifest: { repository: { name: 'Big' }, itemCount: 24 },
    });
    await again.stop();
  });

  it('"Keep Running" keeps the app, the core and the export', async () => {
    const server = await desktopCore();
    const { out, jobId } = await exportBig(server);
    const dialog = fakeDialog('Keep Running', async () => {});
    const { app, stops } = await desktopApp(server, dialog);

    app.quit();
    await vi.waitFor(() => expect(dialog.shown).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.quitted).toBe(false);
    expect(stops).toEqual([]);
    const done = await new Promise((resolve) =>
      server.events.on('jobFinished', (r) => r.jobId === jobId && resolve(r.status)),
    );
    expect(done).toBe('done');
    expect(fs.readdirSync(out)).toHaveLength(1);
    await server.stop();
  });

  it('"Cancel and Quit" while the export waits on a target that never answers: quits, lock released', async () => {
    const server = await desktopCore();
    const lock = lockDataDir(server.dataDir, { host: 'electron', startedAt: new Date().toISOString() });
    const mount = await mountHangingFs();
    try {
      // The target's deadline is far away: quitting must not wait for it.
      const backup = server.settings.get().backup;
      server.settings.update('backup', { ...backup, targetTimeoutSeconds: 600 });
      mount.hang('all');
      await server.handlers.startExport({
        repositories: ['Big'],
        destination: { kind: 'folder', folder: path.join(mount.dir, 'backups') },
        includeHistory: true,
      });
      const dialog = fakeDialog('Cancel and Quit', async () => {
        await vi.waitFor(() => expect(mount.waiting().length).toBeGreaterThan(0), { timeout: 10_000 });
      });
      const { app, stops } = await desktopApp(server, dialog, lock);

      app.quit();
      await vi.waitFor(() => expect(app.quitted).toBe(true), { timeout: 20_000 });
      expect(stops).toEqual(['stop']);
      expect(dataDirHolder(server.dataDir)).toBeNull();
      // The app started again (the target still does not answer) says what became of the export.
      const again = await createServer({ dataDir: server.dataDir, appInfo, host: 'electron', logger: quiet });
      const [last] = await again.handlers.listHistory({ repository: 'Big', limit: 1 });
      expect(last).toMatchObject({ kind: 'export', status: 'cancelled' });
      await again.stop();
    } finally {
      await mount.unmount();
    }
  });
});
