import type { Locator, Page } from '@playwright/test';
import { RepoClient } from '../electron/core/client/repo-client';
import { callContract } from './support/archives';
import { cellOf, clientsTable, repositoriesTable, rowNamed } from './support/control-panel';
import { expect, test } from './support/fixtures';

// The long tables walked by the keyboard alone while their counts change live: a client's connect
// changes a repository's Clients cell (a row value, not the table's collection) and the focus, the
// selection and the place in the table stay where the keyboard put them.

/** The name of the row that has the keyboard's focus (or holds it in one of its cells). */
const focusedRowName = (page: Page) =>
  page.evaluate<string | null>(
    `document.activeElement?.closest('[role="row"]')?.querySelector('[role="rowheader"]')?.textContent ?? null`,
  );

/** Presses Tab until the keyboard's focus is on the row named `name` (bounded). */
async function tabToRow(page: Page, name: string) {
  for (let i = 0; i < 40 && (await focusedRowName(page)) !== name; i++) await page.keyboard.press('Tab');
  expect(await focusedRowName(page)).toBe(name);
}

/** End reaches the last row, rendered and scrolled into view as it comes; Home the first again. */
async function endThenHome(page: Page, table: Locator, last: string, first: string) {
  await page.keyboard.press('End');
  await expect.poll(() => focusedRowName(page)).toBe(last);
  await expect(table.getByRole('rowheader', { name: last })).toBeInViewport();
  await page.keyboard.press('Home');
  await expect.poll(() => focusedRowName(page)).toBe(first);
}

test('arrows, Home, End and Enter in the long tables while a count changes in the focused row', async ({
  page,
  server,
}) => {
  const names = Array.from({ length: 120 }, (_, i) => `Repo ${String(i + 1).padStart(3, '0')}`);
  for (const name of names) await callContract(server, 'createRepository', { name });
  const clients: RepoClient[] = [];
  const connect = async (repository: string, label: string) =>
    clients.push(await RepoClient.connect({ server: server.clientsOrigin, repository, label }));
  try {
    for (let i = 0; i < 110; i++) await connect(names[i % 10]!, `tool ${String(i + 1).padStart(3, '0')}`);
    await page.goto(server.url);
    const repositories = repositoriesTable(page);
    await expect(repositories).toHaveAttribute('aria-rowcount', '121');
    const clientsGrid = clientsTable(page);
    await expect(clientsGrid).toHaveAttribute('aria-rowcount', '111');

    // Into the Repositories table with Tab, down three rows, selected by the keyboard as it moves.
    await tabToRow(page, 'Repo 001');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await focusedRowName(page)).toBe('Repo 004');
    const row4 = rowNamed(repositories, 'Repo 004');
    await expect(row4).toHaveAttribute('aria-selected', 'true');
    const clientsOf4 = await cellOf(repositories, row4, 'Clients');
    await expect(clientsOf4).toHaveText('11');

    // A client connects to that repository: its count changes in place, the keyboard's place stays.
    await connect('Repo 004', 'late tool');
    await expect(clientsOf4).toHaveText('12');
    expect(await focusedRowName(page)).toBe('Repo 004');
    await expect(row4).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown');
    expect(await focusedRowName(page)).toBe('Repo 005');

    await endThenHome(page, repositories, 'Repo 120', 'Repo 001');
    await expect(rowNamed(repositories, 'Repo 001')).toHaveAttribute('aria-selected', 'true');

    // Enter opens the focused repository's Rename; Escape closes it.
    await page.keyboard.press('Enter');
    const rename = page.getByRole('dialog', { name: 'Rename “Repo 001”' });
    await expect(rename).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(rename).toBeHidden();

    // The Connected clients table: Tab reaches it, End its last session, while another connects.
    await tabToRow(page, 'tool 001');
    await page.keyboard.press('ArrowDown');
    expect(await focusedRowName(page)).toBe('tool 002');
    await connect('Repo 002', 'later tool');
    await expect(clientsGrid).toHaveAttribute('aria-rowcount', '113');
    expect(await focusedRowName(page)).toBe('tool 002');
    await endThenHome(page, clientsGrid, 'later tool', 'tool 001');
  } finally {
    for (const c of clients) c.close();
  }
});
