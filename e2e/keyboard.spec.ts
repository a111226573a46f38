import fs from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { callContract, exportForSetup, removeTempFolders, tempFolder } from './support/archives';
import { repositoriesTable, rowNamed, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';

// Every dialog from the keyboard alone: opened from the toolbar (Tab, arrows, Enter), filled in, done,
// and afterwards the focus is somewhere a keyboard user can go on from — never lost on the page.

test.afterEach(removeTempFolders);

const focusIsInThePage = (page: Page) =>
  expect
    .poll(() => page.evaluate('document.activeElement && document.activeElement !== document.body'))
    .toBe(true);

/** Moves along the toolbar with the arrow keys to a button and presses it (after Tab into the toolbar). */
async function fromToolbar(page: Page, name: string) {
  const toolbar = page.getByRole('toolbar', { name: 'Actions' });
  const target = toolbar.getByRole('button', { name, exact: true });
  await expect(target).toBeEnabled();
  // Back up the page with Shift+Tab until the focus is in the toolbar (it comes before everything else).
  for (
    let i = 0;
    i < 30 && !(await toolbar.evaluate((el) => el.contains(el.ownerDocument.activeElement)));
    i++
  )
    await page.keyboard.press('Shift+Tab');
  const focused = () => target.evaluate((el) => el === el.ownerDocument.activeElement);
  for (let i = 0; i < 12 && !(await focused()); i++) await page.keyboard.press('ArrowLeft');
  for (let i = 0; i < 12 && !(await focused()); i++) await page.keyboard.press('ArrowRight');
  await expect(target).toBeFocused();
  await page.keyboard.press('Enter');
}

/** Presses Tab until the element has the focus (bounded), and says how many stops it took. */
async function tabTo(page: Page, target: Locator, limit = 30): Promise<number> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return i;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
  return limit;
}

/** Selects a repository row from the keyboard: into the table, then the arrow keys. */
async function selectRow(page: Page, name: string) {
  const table = repositoriesTable(page);
  const row = rowNamed(table, name);
  await tabTo(page, table.getByRole('row').nth(1).or(table.locator('[role="row"][tabindex="0"]')).first());
  for (let i = 0; i < 10 && (await row.getAttribute('aria-selected')) !== 'true'; i++) {
    if (await row.evaluate((el) => el === el.ownerDocument.activeElement)) await page.keyboard.press('Space');
    else await page.keyboard.press('ArrowDown');
  }
  await expect(row).toHaveAttribute('aria-selected', 'true');
}

test('Add, Rename, Delete, Change Port and Stop, from the keyboard alone; focus stays in the page', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('server-info')).toBeVisible();

  await fromToolbar(page, 'Add');
  const add = page.getByRole('dialog', { name: 'Add repository' });
  await expect(add.getByLabel('Repository name')).toBeFocused();
  await page.keyboard.type('Keyboard');
  await page.keyboard.press('Enter');
  await expect(add).toBeHidden();
  await focusIsInThePage(page);
  await expect(rowNamed(repositoriesTable(page), 'Keyboard')).toBeVisible();

  // Enter on a row opens Rename.
  await selectRow(page, 'Keyboard');
  await page.keyboard.press('Enter');
  const rename = page.getByRole('dialog', { name: 'Rename “Keyboard”' });
  await expect(rename.getByLabel('New name')).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Keys');
  await page.keyboard.press('Enter');
  await expect(rename).toBeHidden();
  await focusIsInThePage(page);

  await selectRow(page, 'Keys');
  await fromToolbar(page, 'Delete Keys');
  const remove = page.getByRole('dialog', { name: 'Delete repository' });
  // Destructive: Cancel has the focus, Enter would keep it; Tab reaches the action.
  await expect(remove.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(remove.getByRole('button', { name: 'Delete “Keys”' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(remove).toBeHidden();
  await expect(rowNamed(repositoriesTable(page), 'Keys')).toHaveCount(0);
  await focusIsInThePage(page);

  await fromToolbar(page, 'Change Port');
  const port = page.getByRole('dialog', { name: 'Change port' });
  const field = port.getByRole('textbox', { name: 'Port' });
  await expect(field).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('abc');
  await page.keyboard.press('Enter');
  await expect(field).toHaveAccessibleDescription(/Enter the port as a whole number/);
  await page.keyboard.press('Escape');
  await expect(port).toBeHidden();
  await focusIsInThePage(page);

  await fromToolbar(page, 'Stop server');
  // No client is connected: nothing to ask; the server stops and says so in a neutral notice.
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await focusIsInThePage(page);
  await fromToolbar(page, 'Start server');
  await expect(page.getByTestId('server-status')).toContainText('Running');
});

test('Export and Import from the keyboard: the results take the focus, Escape closes them, Close is one Tab away', async ({
  page,
  server,
}) => {
  await callContract(server, 'createRepository', { name: 'Orders' });
  const out = tempFolder('keyboard-export');
  await page.goto(server.url);
  await expect(rowNamed(repositoriesTable(page), 'Orders')).toBeVisible();

  await fromToolbar(page, 'Export');
  const exportDialog = page.getByRole('dialog', { name: 'Export repositories' });
  const orders = exportDialog.getByRole('checkbox', { name: 'Orders' });
  await tabTo(page, orders);
  // (Preselected when the keyboard passed through its row on the way to the toolbar.)
  if (!(await orders.isChecked())) await page.keyboard.press('Space');
  await expect(orders).toBeChecked();
  await tabTo(page, exportDialog.getByLabel('Destination folder'));
  await page.keyboard.type(out);
  await tabTo(page, exportDialog.getByRole('button', { name: 'Export', exact: true }));
  await page.keyboard.press('Enter');
  const exports = exportDialog.getByRole('list', { name: 'Exports' });
  await expect(exports).toBeFocused();
  await expect(exports.getByRole('status')).toContainText('Done');
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(exportDialog).toBeHidden();
  await focusIsInThePage(page);
  expect(fs.readdirSync(out)).toHaveLength(1);

  const { Orders: archive } = await exportForSetup(server, ['Orders'], tempFolder('keyboard-import'));
  await fromToolbar(page, 'Import');
  const importDialog = page.getByRole('dialog', { name: 'Import repositories' });
  await expect(importDialog.getByLabel('Archive file')).toBeFocused();
  await page.keyboard.type(archive!);
  await page.keyboard.press('Enter');
  const row = importDialog.getByTestId('import-row');
  await expect(row).toContainText('Verified');
  // Tab reaches the group's chosen radio; the arrow keys choose another.
  await tabTo(page, row.getByRole('radio', { name: /Stop with an error/ }));
  await page.keyboard.press('ArrowDown');
  await expect(row.getByRole('radio', { name: /Restore under a new name/ })).toBeChecked();
  await tabTo(page, importDialog.getByRole('button', { name: 'Import', exact: true }));
  await page.keyboard.press('Enter');
  const imports = importDialog.getByRole('list', { name: 'Imports' });
  await expect(imports).toBeFocused();
  await expect(row.getByRole('status')).toContainText('Done Restored as “Orders-Restore1”.');
  await page.keyboard.press('Tab');
  await expect(importDialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(importDialog).toBeHidden();
  await focusIsInThePage(page);
  await expect(rowNamed(repositoriesTable(page), 'Orders-Restore1')).toBeVisible();
});
