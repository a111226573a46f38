import path from 'node:path';
import type { HistoryEntry } from '../electron/shared/contract/archives';
import type { BackupSettings } from '../electron/shared/settings-schema';
import { callContract, removeTempFolders, sampleItems, seedRepository, tempFolder } from './support/archives';
import { expect, test } from './support/fixtures';

// Restore tests from the Control Panel (ARCHITECTURE §6, "Restore drills"): switched on in the Schedule
// dialog from the keyboard, and run by hand from the status at a glance.

test.afterEach(removeTempFolders);

test('restore tests: every N days from the Schedule dialog, and "Test restore now" from the status', async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const target = path.join(tempFolder('restore-test'), 'backups');
  await seedRepository(server, 'Login Tests', sampleItems({ texts: 3 }));
  const current = await callContract<BackupSettings>(server, 'getBackupSettings');
  await callContract(server, 'saveBackupSettings', {
    ...current,
    enabled: true,
    repositories: ['Login Tests'],
    targetFolder: target,
  });
  await callContract(server, 'runBackupNow');
  await expect
    .poll(
      async () =>
        (await callContract<HistoryEntry[]>(server, 'listHistory', { limit: 10 })).some(
          (h) => h.kind === 'backup' && h.repository === 'Login Tests' && h.status === 'ok',
        ),
      { timeout: 30_000 },
    )
    .toBe(true);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const restoreTest = page.getByTestId('restore-test');
  await expect(restoreTest).toContainText('None yet');

  // By hand first, with the setting off: the newest backup restored, checked and removed.
  await restoreTest.getByRole('button', { name: 'Test restore now' }).click();
  await expect(restoreTest).toContainText('1 repository OK', { timeout: 30_000 });
  await expect(restoreTest).toContainText(/OK, (just now|\d+ s ago)/);
  // Switched on from the keyboard: the box, then the days, then Enter saves.
  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  const box = dialog.getByRole('checkbox', { name: 'Test-restore the newest backup of each repository' });
  await box.focus();
  await page.keyboard.press('Space');
  const days = dialog.getByRole('textbox', { name: 'Every (days)' });
  await expect(days).toHaveValue('7');
  await days.fill('3');
  await page.screenshot({ path: 'test-results/schedule-restore-test-1280x800.png' });
  await days.press('Enter');
  await expect(dialog).toBeHidden();
  expect((await callContract<BackupSettings>(server, 'getBackupSettings')).drillEveryDays).toBe(3);
  await expect(restoreTest).toContainText(/next in 2 d 23 h|next in 3 d/);

  await page.screenshot({ path: 'test-results/restore-test-done-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/restore-test-done-900x650.png' });
});
