import AxeBuilder from '@axe-core/playwright';
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
