import fs from 'node:fs';
import path from 'node:path';
import type { BackupSettings } from '../electron/shared/settings-schema';
import {
  callContract,
  exportForSetup,
  removeTempFolders,
  sampleItems,
  seedRepository,
  tempFolder,
} from './support/archives';
import {
  cellOf,
  choose,
  historyTable,
  repositoriesTable,
  rowNamed,
  seriousAxeViolations,
} from './support/control-panel';
import { expect, test } from './support/fixtures';
import type { RunningServer } from './support/headless-server';

// Auto-backup membership is never lost silently: deleting a repository says it leaves the schedule, and
// importing it back can (and by default does, when auto-backup is on) put it in again.

test.afterEach(removeTempFolders);

const settingsOf = (server: RunningServer) => callContract<BackupSettings>(server, 'getBackupSettings');

async function schedule(server: RunningServer, repositories: string[], targetFolder: string) {
  const current = await settingsOf(server);
  await callContract(server, 'saveBackupSettings', {
    ...current,
    enabled: true,
    repositories,
    targetFolder,
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    times: ['22:00'],
  });
}

test('delete a repository that is in the schedule (the dialog says so), import it back with "Include in automatic backup": it is in the schedule again', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'Orders', sampleItems({ texts: 3 }));
  await seedRepository(server, 'Billing', sampleItems({ texts: 1 }));
  await schedule(server, ['Orders', 'Billing'], tempFolder('scheduled'));
  const { Orders: archive } = await exportForSetup(server, ['Orders'], tempFolder('export'));

  await page.goto(server.url);
  const table = repositoriesTable(page);
  await expect(rowNamed(table, 'Orders')).toBeVisible();
  await expect(await cellOf(table, rowNamed(table, 'Orders'), 'Auto-backup')).toHaveText('Included');
  await table.getByRole('row', { name: 'Orders' }).click();
  await page.getByRole('button', { name: 'Delete Orders' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete repository' });
  await expect(remove.getByTestId('leaves-schedule')).toHaveText(
    '“Orders” is backed up automatically: it leaves the backup schedule. Importing it back with “Include in automatic backup” puts it in again.',
  );
  expect(await seriousAxeViolations(page)).toEqual([]);
  await remove.getByRole('button', { name: 'Delete “Orders”' }).click();
  await expect(rowNamed(table, 'Orders')).toHaveCount(0);
  await expect(page.getByTestId('backup-status')).toContainText('Billing');
  await expect(page.getByTestId('backup-status')).not.toContainText('Orders');
  expect((await settingsOf(server)).repositories).toEqual(['Billing']);
  // After Delete, the focus is in the page (the toolbar), not lost on the page's body.
  await expect(page.locator('body')).not.toBeFocused();

  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import repositories' });
  await importDialog.getByLabel('Archive file').fill(archive!);
  await importDialog.getByLabel('Archive file').press('Enter');
  const row = importDialog.getByTestId('import-row');
  await expect(row).toContainText('Verified');
  const include = row.getByRole('checkbox', { name: 'Include in automatic backup' });
  // Auto-backup is on, so a restored repository goes back into it unless the administrator says no.
  await expect(include).toBeChecked();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(row.getByRole('status')).toContainText(
    'Done Restored as “Orders”. It is in the automatic backup.',
  );
  // The results have the focus: Escape closes the dialog.
  await expect(importDialog.getByRole('list', { name: 'Imports' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(importDialog).toBeHidden();

  await expect(await cellOf(table, rowNamed(table, 'Orders'), 'Auto-backup')).toHaveText('Included');
  await expect(page.getByTestId('backup-status')).toContainText('Orders');
  expect((await settingsOf(server)).repositories.sort()).toEqual(['Billing', 'Orders']);
});

test('unchecked, an imported repository stays out of the schedule', async ({ page, server }) => {
  await seedRepository(server, 'Scratch', sampleItems({ texts: 1 }));
  await schedule(server, ['Scratch'], tempFolder('scheduled'));
  const { Scratch: archive } = await exportForSetup(server, ['Scratch'], tempFolder('export'));
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import repositories' });
  await importDialog.getByLabel('Archive file').fill(archive!);
  await importDialog.getByLabel('Archive file').press('Enter');
  const row = importDialog.getByTestId('import-row');
  await choose(row.getByRole('radio', { name: /Restore under a new name/ }));
  const include = row.getByRole('checkbox', { name: 'Include in automatic backup' });
  await include.focus();
  await include.press('Space');
  await expect(include).not.toBeChecked();
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(row.getByRole('status')).toContainText('Done Restored as “Scratch-Restore1”.');
  await importDialog.getByRole('button', { name: 'Close' }).click();
  expect((await settingsOf(server)).repositories).toEqual(['Scratch']);
});

test('archive words a person can act on: an empty file, a relative path; a failed Back Up Now reaches the history at once', async ({
  page,
  server,
}) => {
  const folder = tempFolder('words');
  const empty = path.join(folder, 'empty.zip');
  fs.writeFileSync(empty, '');
  await seedRepository(server, 'Orders', sampleItems({ texts: 1 }));
  // A file appears where the saved target's parent folder should be (saving refuses one already
  // there): the run starts, and fails in its check of the folder.
  const blocker = path.join(folder, 'not-a-folder.txt');
  await schedule(server, ['Orders'], path.join(blocker, 'backups'));
  fs.writeFileSync(blocker, 'x');

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import repositories' });
  const file = importDialog.getByLabel('Archive file');
  await file.fill('backups/login.zip');
  await file.press('Enter');
  await expect(file).toHaveAccessibleDescription(/^Enter a full path, such as \/var\/backups\//);
  await expect(importDialog.getByTestId('import-row')).toHaveCount(0);
  await file.fill(empty);
  await file.press('Enter');
  const row = importDialog.getByTestId('import-row');
  // Said once: the row names the file already.
  await expect(row.getByRole('alert')).toHaveText(
    'Cannot import this file: This file is empty — it is not a backup archive.',
  );
  await importDialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Back Up Now' }).click();
  const history = historyTable(page);
  // Live, without a reload.
  await expect(history.getByRole('row').filter({ hasText: 'Orders' }).first()).toContainText('Failed');
});
