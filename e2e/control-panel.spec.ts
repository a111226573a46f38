import AxeBuilder from '@axe-core/playwright';
import { callContract } from './support/archives';
import { expect, test } from './support/fixtures';

test('create a repository from the toolbar and see it listed; no serious axe violations', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('server-info')).toContainText(server.dataDir);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add repository' });
  await dialog.getByLabel('Repository name').fill('.bad');
  await expect(dialog).toContainText('The name cannot start with a dot, a space or a combining mark.');
  await dialog.getByLabel('Repository name').fill('login');
  const axeDialog = await new AxeBuilder({ page }).analyze();
  await dialog.getByRole('button', { name: 'Create' }).click();
  const table = page.getByRole('grid', { name: 'Repositories' });
  await expect(table.getByRole('row', { name: /login/ })).toBeVisible();
  const axeMain = await new AxeBuilder({ page }).analyze();
  await page.screenshot({ path: 'test-results/control-panel.png', fullPage: true });
  const serious = (r: typeof axeMain) =>
    r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  expect(serious(axeDialog)).toEqual([]);
  expect(serious(axeMain)).toEqual([]);
});

test('a long Repositories table scrolls in place, renders the rows in view, and is still read and walked by the keyboard', async ({
  page,
  server,
}) => {
  const names = Array.from({ length: 120 }, (_, i) => `Repo ${String(i + 1).padStart(3, '0')}`);
  for (const name of names) await callContract(server, 'createRepository', { name });
  await page.goto(server.url);
  const table = page.getByRole('grid', { name: 'Repositories' });
  // The whole count is announced (the header row included); only a screenful is in the page.
  await expect(table).toHaveAttribute('aria-rowcount', '121');
  await expect(table.getByRole('rowheader', { name: 'Repo 001' })).toBeVisible();
  const rendered = await table.getByRole('row').count();
  expect(rendered).toBeLessThan(60);
  await expect(table.getByRole('row', { name: /Repo 120/ })).toHaveCount(0);
  // The keyboard reaches the last row, which scrolls into view, and the selection follows.
  await table.getByRole('rowheader', { name: 'Repo 001' }).click();
  await page.keyboard.press('Control+End');
  const last = table.getByRole('row', { name: /Repo 120/ });
  await expect(table.getByRole('rowheader', { name: 'Repo 120' })).toBeVisible();
  // The table scrolled itself to the last row: that row lies inside the table's box.
  const box = (await table.boundingBox())!;
  const row = (await table.getByRole('rowheader', { name: 'Repo 120' }).boundingBox())!;
  expect(row.y).toBeGreaterThanOrEqual(box.y);
  expect(row.y + row.height).toBeLessThanOrEqual(box.y + box.height + 1);
  await expect(last).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Rename' })).toBeEnabled();
  await page.screenshot({ path: 'test-results/control-panel-long.png', fullPage: true });
  // And back to the first row, which shows below the header that stays on top, not under it.
  await page.keyboard.press('Control+Home');
  await expect(table.getByRole('row', { name: /Repo 001/ })).toHaveAttribute('aria-selected', 'true');
  const header = (await table.getByRole('columnheader', { name: 'Name' }).boundingBox())!;
  const first = (await table.getByRole('rowheader', { name: 'Repo 001' }).boundingBox())!;
  expect(first.y).toBeGreaterThanOrEqual(header.y + header.height - 1);
});
