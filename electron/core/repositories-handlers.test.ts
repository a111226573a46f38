import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from './create-server';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the auto-backup selection follows repositories', () => {
  it('a renamed repository stays backed up under its new name; a deleted one leaves the schedule', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'repos-handlers-'));
    dirs.push(dataDir);
    const server = await createServer({
      dataDir,
      appInfo: { name: 'Repository Server', version: '0.0.1' },
      host: 'headless',
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const h = server.handlers;
    for (const name of ['Login', 'Checkout', 'Search']) await h.createRepository({ name });
    const backup = await h.getBackupSettings(undefined);
    await h.saveBackupSettings({
      ...backup,
      enabled: true,
      repositories: ['Login', 'Checkout'],
      targetFolder: path.join(dataDir, 'backups'),
    });

    await h.renameRepository({ name: 'login', newName: 'Login Flows' });
    expect((await h.getBackupSettings(undefined)).repositories).toEqual(['Login Flows', 'Checkout']);
    expect((await h.getBackupStatus(undefined)).repositories).toEqual(['Login Flows', 'Checkout']);

    await h.renameRepository({ name: 'Search', newName: 'Search UI' }); // not selected: nothing changes
    await h.deleteRepository({ name: 'Checkout', force: false });
    expect((await h.getBackupSettings(undefined)).repositories).toEqual(['Login Flows']);
    await server.stop();
  });
});
