import type { Page } from '@playwright/test';
import {
  connectClient,
  exportForSetup,
  putItems,
  removeTempFolders,
  seedRepository,
  tempFolder,
} from './support/archives';
import { choose, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';

// Backups… against a real core: a folder of real archives opened as a catalog, an older version of one
// item found in a backup and restored as a new version, seen through a test tool's connection.

test.afterEach(removeTempFolders);

async function openBackups(page: Page, folder: string) {
  await page.getByRole('toolbar', { name: 'Actions' }).getByRole('button', { name: 'Backups…' }).click();
  const dialog = page.getByTestId('backups-dialog');
  await expect(dialog).toBeVisible();
  const field = dialog.getByRole('textbox', { name: 'Folder of backups' });
  await field.fill(folder);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  return dialog;
}

test('open a folder as a catalog, find an item’s older version, restore it, and the repository’s item changes', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'Login Tests', [
    {
      path: 'modules/login',
      kind: 'module',
      versions: ['open the page\n', 'open the page\ntype the user\n'],
    },
    { path: 'modules/logout', kind: 'module', versions: ['press logout\n'] },
  ]);
  await seedRepository(server, 'Payments', [{ path: 'data/cards', kind: 'data', versions: ['visa\n'] }]);
  const folder = tempFolder('e2e-backups');
  await exportForSetup(server, ['Login Tests', 'Payments'], folder);
  // After the backup, someone changes the item: version 3.
  await putItems(server, 'Login Tests', [
    { path: 'modules/login', kind: 'module', versions: ['broken edit\n'] },
  ]);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const dialog = await openBackups(page, folder);
  const timeline = dialog.getByRole('table', { name: 'Backups of Login Tests' });
  await expect(timeline).toBeVisible();
  await expect(dialog.getByRole('table', { name: 'Backups of Payments' })).toBeVisible();
  await expect(timeline.getByRole('row')).toHaveCount(2);
  await expect(timeline.getByRole('cell', { name: 'Verified' })).toBeVisible();
  await page.screenshot({ path: 'test-results/backups-timeline-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/backups-timeline-900x650.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(await seriousAxeViolations(page)).toEqual([]);

  // From the keyboard: the row's Browse button, then the filter.
  const browse = timeline.getByRole('button', { name: /Browse items of the backup/ });
  await browse.focus();
  await page.keyboard.press('Enter');
  const items = dialog.getByRole('table', { name: 'Items' });
  await expect(items.getByRole('row')).toHaveCount(3);
  await dialog.getByRole('textbox', { name: 'Filter by path' }).fill('login');
  await expect(items.getByRole('row')).toHaveCount(2);
  await items.getByRole('button', { name: 'modules/login' }).click();
  const preview = dialog.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('version 2');
  await expect(preview.getByLabel('Content of modules/login')).toHaveText('open the page\ntype the user\n');
  await expect(preview).toContainText('This backup also holds version 1 in its history.');
  await choose(items.getByRole('checkbox', { name: 'Restore modules/login' }));
  await expect(dialog.getByRole('radio', { name: /“Login Tests”, as a new version of each/ })).toBeChecked();
  await page.screenshot({ path: 'test-results/backups-items-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/backups-items-900x650.png' });
  await page.setViewportSize({ width: 1280, height: 800 });

  await dialog.getByRole('button', { name: 'Restore 1 item' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Restored into' })).toHaveText(
    'Restored into “Login Tests”: modules/login as version 4.',
  );

  // What a test tool sees now: version 4 with version 2's content; version 3 is in the history.
  const client = await connectClient(server, 'Login Tests');
  try {
    expect(await client.get('modules/login')).toMatchObject({
      version: 4,
      content: 'open the page\ntype the user\n',
    });
    await expect(
      client.put({ path: 'modules/login', kind: 'module', content: 'edit of v3', ifVersion: 3 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  } finally {
    await client.close();
  }

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('a folder that does not exist is said in the dialog; a relative one is refused before asking', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  const dialog = await openBackups(page, 'backups/here');
  await expect(dialog.getByText(/Enter a full path, such as/)).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Folder of backups' }).fill('/nonexistent/backups');
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('The folder /nonexistent/backups does not exist.');
});

test('“which backup still had modules/login?”: searched across the folder from the keyboard, browsed with it chosen, restored', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'Login Tests', [
    { path: 'modules/login', kind: 'module', versions: ['open the page\n', 'type the user\n'] },
    { path: 'modules/logout', kind: 'module', versions: ['press logout\n'] },
  ]);
  const folder = tempFolder('e2e-backups-find');
  const beforeAny = new Date(Date.now() - 60_000);
  await exportForSetup(server, ['Login Tests'], folder);
  await putItems(server, 'Login Tests', [
    { path: 'modules/login', kind: 'module', versions: ['broken edit\n'] },
  ]);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const dialog = await openBackups(page, folder);
  await expect(dialog.getByRole('table', { name: 'Backups of Login Tests' })).toBeVisible();
  const find = dialog.getByRole('textbox', { name: 'Find an item in every backup' });
  // Empty: said beside the field, nothing asked.
  await find.focus();
  await page.keyboard.press('Enter');
  await expect(dialog).toContainText('Enter the path of an item, such as modules/login.');
  await page.keyboard.type('modules/login');
  await page.keyboard.press('Enter');
  const versions = dialog.getByRole('table', { name: 'Backups holding modules/login' });
  await expect(versions.getByRole('row')).toHaveCount(2);
  await expect(versions.getByRole('row').nth(1)).toContainText('Login Tests');
  await expect(versions.getByRole('cell', { name: '2', exact: true })).toBeVisible();
  await page.screenshot({ path: 'test-results/backups-find-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/backups-find-900x650.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(await seriousAxeViolations(page)).toEqual([]);

  // Before any backup was taken: none, and it says how many it looked in.
  const pad = (n: number) => String(n).padStart(2, '0');
  await dialog
    .getByRole('textbox', { name: 'Taken before (optional)' })
    .fill(
      `${beforeAny.getFullYear()}-${pad(beforeAny.getMonth() + 1)}-${pad(beforeAny.getDate())} ${pad(beforeAny.getHours())}:${pad(beforeAny.getMinutes())}`,
    );
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('item-versions')).toContainText(
    'No backup taken before that time holds modules/login',
  );
  await dialog.getByRole('textbox', { name: 'Taken before (optional)' }).fill('');
  await page.keyboard.press('Enter');
  const browse = versions.getByRole('button', { name: /Browse the backup of .* at version 2/ });
  await browse.focus();
  await page.keyboard.press('Enter');

  // The backup opens with the item found, and only it, chosen: Restore is one press away.
  const items = dialog.getByRole('table', { name: 'Items' });
  await expect(dialog.getByRole('textbox', { name: 'Filter by path' })).toHaveValue('modules/login');
  await expect(items.getByRole('checkbox', { name: 'Restore modules/login' })).toBeChecked();
  await dialog.getByRole('button', { name: 'Restore 1 item' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Restored into' })).toHaveText(
    'Restored into “Login Tests”: modules/login as version 4.',
  );
  const client = await connectClient(server, 'Login Tests');
  try {
    expect(await client.get('modules/login')).toMatchObject({ version: 4, content: 'type the user\n' });
    await client.put({ path: 'modules/logout', kind: 'module', content: 'changed\n' });
  } finally {
    await client.close();
  }

  // A path prefix: everything under modules/ as the backup had it; what already is, stays.
  await dialog.getByRole('textbox', { name: 'Filter by path' }).fill('modules/');
  await dialog.getByRole('button', { name: 'Restore all 2 under “modules/”' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Restored into' })).toHaveText(
    'Restored into “Login Tests”: modules/login (already as in the backup), modules/logout as version 3.',
  );
  await page.screenshot({ path: 'test-results/backups-prefix-restore-1280x800.png' });
});
