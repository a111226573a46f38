import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Runs only with `npm run test:electron`, on a machine where the Electron binary could be downloaded.
test('the desktop app opens its window and shows the server info', async () => {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'repo-server-electron-'));
  const app = await electron.launch({
    args: ['.', `--user-data-dir=${userData}`],
    cwd: path.resolve(import.meta.dirname, '../..'),
  });
  const window = await app.firstWindow();
  await expect(window.getByTestId('server-info')).toContainText('Desktop app');
  await window.screenshot({ path: 'test-results/electron-server-info.png' });
  await app.close();
});
