import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';

// What several specs do in the Control Panel the way a user does it, and the checks they share.

/** axe's serious and critical findings on the page as it is now (an open dialog included), by rule and node. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const repositoriesTable = (page: Page) => page.getByRole('grid', { name: 'Repositories' });
export const clientsTable = (page: Page) => page.getByRole('grid', { name: 'Connected clients' });
export const historyTable = (page: Page) => page.getByRole('grid', { name: 'Recent history' });

/** The row whose row header (its first cell, which names the row) is exactly `name`. */
export const rowNamed = (table: Locator, name: string) => table.getByRole('row', { name, exact: true });

/** One cell of a row, found by its column's heading, so a spec reads "the Clients cell of login". */
export async function cellOf(table: Locator, row: Locator, column: string): Promise<Locator> {
  const headings = (await table.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
  const index = headings.indexOf(column);
  expect(index, `column "${column}" among ${headings.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.locator('[role="rowheader"], [role="gridcell"]').nth(index);
}

/** Creates a repository through the toolbar's Add dialog and waits until the table lists it. */
export async function addRepository(page: Page, name: string, submit: 'click' | 'enter' = 'click') {
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add repository' });
  await dialog.getByLabel('Repository name').fill(name);
  if (submit === 'enter') await dialog.getByLabel('Repository name').press('Enter');
  else await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toBeHidden();
  await expect(rowNamed(repositoriesTable(page), name)).toBeVisible();
}

/**
 * A full-page screenshot from the top: the toolbar sticks to the top of the viewport, so after a click
 * lower down it would be drawn over the middle of the page.
 */
export async function fullPageScreenshot(page: Page, path: string) {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage: true });
}

/**
 * Checks a checkbox or radio from the keyboard, as a keyboard user would. (React Aria draws its own box
 * over a visually hidden input, so a pointer click on the input itself lands on the label.)
 */
export async function choose(control: Locator): Promise<void> {
  if (!(await control.isChecked())) {
    await control.focus();
    await control.press('Space');
  }
  await expect(control).toBeChecked();
}
