import { mountHangingFs } from '../electron/core/testing/hanging-fs';
import type { BackupSettings } from '../electron/shared/settings-schema';
import { callContract, sampleItems, seedRepository } from './support/archives';
import { choose, fullPageScreenshot, historyTable } from './support/control-panel';
import { expect, test } from './support/fixtures';

// The Export dialog on targets that do not answer, as a user meets them: /proc/x (the kernel refuses
// the folder; Node's own mkdir loops forever on it) and a share that stopped answering (a FUSE mount
// holding every call). Each row says what happened; queued rows say what they wait for; nothing hangs.

const exportsList = (dialog: ReturnType<import('@playwright/test').Page['getByRole']>) =>
  dialog.getByRole('list', { name: 'Exports' }).getByRole('listitem');

test('an export to /proc/x fails at once, naming the folder, and the next export works', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'orders', sampleItems({ texts: 2 }));
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export repositories' });
  await choose(dialog.getByRole('checkbox', { name: 'orders' }));
  await dialog.getByLabel('Destination folder').fill('/proc/x');
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exportsList(dialog).filter({ hasText: 'orders' }).getByRole('alert')).toHaveText(
    'Error The target folder /proc/x cannot be created there (ENOENT). Choose another folder.',
  );
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(historyTable(page).getByRole('row').filter({ hasText: 'orders' }).first()).toContainText(
    'Failed',
  );
});

test('a share that stops answering: queued rows say what they wait for, then each fails by its deadline', async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const mount = await mountHangingFs();
  try {
    const settings = await callContract<BackupSettings>(server, 'getBackupSettings');
    await callContract(server, 'saveBackupSettings', { ...settings, targetTimeoutSeconds: 3 });
    for (const name of ['alpha', 'beta', 'gamma'])
      await seedRepository(server, name, sampleItems({ texts: 2 }));
    mount.hang('all');
    const folder = `${mount.dir}/backups`;

    for (const size of [
      { width: 1280, height: 800 },
      { width: 900, height: 650 },
    ]) {
      await page.setViewportSize(size);
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Export repositories' });
      for (const name of ['alpha', 'beta', 'gamma']) await choose(dialog.getByRole('checkbox', { name }));
      await dialog.getByLabel('Destination folder').fill(folder);
      await dialog.getByRole('button', { name: 'Export', exact: true }).click();
      await new Promise((r) => setTimeout(r, 1000));
      // A row by its repository's name (the queued row's words name the others too).
      const row = (name: string) =>
        exportsList(dialog).filter({ has: page.getByText(name, { exact: true }) });
      const gamma = row('gamma');
      await expect(gamma).toContainText('Waiting for the export of alpha and the export of beta to finish');
      await expect(row('alpha')).toContainText('Checking the target folder');
      await fullPageScreenshot(page, `test-results/hung-target-queued-${size.width}.png`);
      for (const name of ['alpha', 'beta', 'gamma']) {
        await expect(row(name).getByRole('alert')).toHaveText(
          `Error The target folder ${folder} did not answer for 3 s; check the disk or the network share.`,
          { timeout: 20_000 },
        );
      }
      await fullPageScreenshot(page, `test-results/hung-target-failed-${size.width}.png`);
      await dialog.getByRole('button', { name: 'Close' }).click();
    }
    await expect(
      historyTable(page).getByRole('row').filter({ hasText: 'did not answer' }).first(),
    ).toBeVisible();
  } finally {
    await mount.unmount();
  }
});
