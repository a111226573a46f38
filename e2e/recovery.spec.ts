import path from 'node:path';
import type { HistoryEntry } from '../electron/shared/contract/archives';
import type { BackupSettings } from '../electron/shared/settings-schema';
import {
  callContract,
  readItems,
  removeTempFolders,
  sampleItems,
  seedRepository,
  tempFolder,
} from './support/archives';
import { repositoriesTable, rowNamed, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';
import { startHeadlessServer } from './support/headless-server';

// Whole-server recovery from the Control Panel's empty first screen (ARCHITECTURE §6): a server with
// two repositories and a schedule is backed up; a fresh server recovers from its target folder.

test.afterEach(removeTempFolders);

test('a fresh server recovers every repository and the schedule from the empty screen', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const target = path.join(tempFolder('recovery-target'), 'backups');
  const source = await startHeadlessServer();
  let expected: Record<string, unknown>;
  let schedule: BackupSettings;
  try {
    await seedRepository(source, 'Login Tests', sampleItems({ texts: 4 }));
    await seedRepository(source, 'Payments', sampleItems({ texts: 2 }));
    const current = await callContract<BackupSettings>(source, 'getBackupSettings');
    schedule = await callContract<BackupSettings>(source, 'saveBackupSettings', {
      ...current,
      enabled: true,
      repositories: ['Login Tests', 'Payments'],
      days: ['mon', 'thu'],
      times: ['07:45'],
      targetFolder: target,
      clientsPolicy: 'disconnect',
      drillEveryDays: 7,
    });
    await callContract(source, 'runBackupNow');
    await expect
      .poll(
        async () =>
          (await callContract<HistoryEntry[]>(source, 'listHistory', { limit: 10 })).filter(
            (h) => h.kind === 'backup' && h.status === 'ok',
          ).length,
        { timeout: 30_000 },
      )
      .toBe(3); // two repositories and the configuration
    expected = {
      'Login Tests': await readItems(source, 'Login Tests'),
      Payments: await readItems(source, 'Payments'),
    };
  } finally {
    await source.stop();
  }

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const table = repositoriesTable(page);
  await expect(table).toContainText('No repositories yet');
  await page.getByRole('button', { name: 'Recover from a backup folder…' }).click();
  const dialog = page.getByTestId('recover-dialog');
  await expect(dialog.getByRole('heading', { name: 'Recover from a backup folder' })).toBeVisible();
  // A relative folder is refused by the shared rule, beside the field.
  await dialog.getByLabel('Backup folder').fill('backups');
  await dialog.getByRole('button', { name: 'Recover' }).click();
  await expect(dialog).toContainText('Enter a full path');
  await dialog.getByLabel('Backup folder').fill(target);
  await page.screenshot({ path: 'test-results/recover-form-1280x800.png' });
  await dialog.getByLabel('Backup folder').press('Enter');
  const summary = dialog.getByTestId('recovery-summary');
  await expect(summary).toContainText('Recovered', { timeout: 30_000 });
  await expect(summary).toContainText('2 repositories restored');
  await expect(summary).toContainText('Login Tests');
  await expect(summary).toContainText('Payments');
  await expect(summary).toContainText('client access token');
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/recover-summary-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/recover-summary-900x650.png' });
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await expect(rowNamed(table, 'Login Tests')).toBeVisible();
  await expect(rowNamed(table, 'Payments')).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'test-results/recovered-1280x800.png' });
  expect(await readItems(server, 'Login Tests')).toEqual(expected!['Login Tests']);
  expect(await readItems(server, 'Payments')).toEqual(expected!.Payments);
  const recovered = await callContract<BackupSettings>(server, 'getBackupSettings');
  expect(recovered).toEqual(schedule!);
});
