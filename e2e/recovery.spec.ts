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
  // Each row names the archive in parentheses, as the CLI's summary does, not run into the count.
  await expect(summary).toContainText(/Login Tests from .+, \d+ items \([^()]+\.zip\)/);
  await expect(summary).toContainText(/Configuration from .+ \([^()]+\.zip\)\./);
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

test('a folder two servers back up into: the dialog asks whose backups, naming both, and recovers only that one', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const target = path.join(tempFolder('recovery-shared'), 'backups');
  const ids: Record<string, string> = {};
  for (const name of ['Login Tests', 'Orders']) {
    const source = await startHeadlessServer();
    try {
      await seedRepository(source, name, sampleItems({ texts: 2 }));
      const current = await callContract<BackupSettings>(source, 'getBackupSettings');
      await callContract(source, 'saveBackupSettings', {
        ...current,
        enabled: true,
        repositories: [name],
        targetFolder: target,
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
        .toBe(2);
      ids[name] = (await callContract<{ serverId: string }>(source, 'openCatalog', {})).serverId;
    } finally {
      await source.stop();
    }
  }

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Recover from a backup folder…' }).click();
  const dialog = page.getByTestId('recover-dialog');
  await dialog.getByLabel('Backup folder').fill(target);
  await dialog.getByLabel('Backup folder').press('Enter');
  // Back at the form: the question beside its own field (which has the focus), the servers named below.
  const serverField = dialog.getByLabel('Server id');
  await expect(serverField).toBeFocused({ timeout: 30_000 });
  await expect(dialog).toContainText('holds the backups of 2 servers');
  await expect(dialog).toContainText(ids['Login Tests']!);
  await expect(dialog).toContainText(ids.Orders!);
  await page.screenshot({ path: 'test-results/recover-which-server-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/recover-which-server-900x650.png' });
  await expect(serverField).toBeFocused();
  await page.keyboard.type(ids['Login Tests']!);
  await page.keyboard.press('Enter');
  const summary = dialog.getByTestId('recovery-summary');
  await expect(summary).toContainText('1 repository restored', { timeout: 30_000 });
  await expect(summary).toContainText('Login Tests');
  await expect(summary).not.toContainText('Orders');
  await page.keyboard.press('Escape');
  await expect(rowNamed(repositoriesTable(page), 'Login Tests')).toBeVisible();
  await expect(rowNamed(repositoriesTable(page), 'Orders')).toBeHidden();
});
