import fs from 'node:fs';
import path from 'node:path';
import {
  archiveNamePattern,
  callContract,
  putItems,
  readItems,
  removeTempFolders,
  tempFolder,
  unzipTest,
} from './support/archives';
import {
  addRepository,
  cellOf,
  choose,
  repositoriesTable,
  rowNamed,
  seriousAxeViolations,
} from './support/control-panel';
import { expect, test } from './support/fixtures';

// Test teams name their work in their own language: names in any script are created, connected to,
// exported and imported like any other, and a name that differs only in case or normal form is the same.

test.afterEach(removeTempFolders);

const CYRILLIC = 'Тесты входа';
const JAPANESE = '日本語';

test('repositories named "Тесты входа" and "日本語": created, connected to, exported, deleted and imported back', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await addRepository(page, CYRILLIC);
  await addRepository(page, JAPANESE, 'enter');

  // A duplicate in another case, or typed in another Unicode normal form, is refused as it is typed.
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add repository' });
  await add.getByLabel('Repository name').fill('тесты ВХОДА');
  await expect(add).toContainText(`A repository named "${CYRILLIC}" already exists.`);
  await add.getByRole('button', { name: 'Cancel' }).click();
  // …and by the core itself, whatever a caller sends.
  await callContract(server, 'createRepository', { name: 'Café' });
  await expect(callContract(server, 'createRepository', { name: 'Cafe\u0301' })).rejects.toThrow(
    'A repository named "Café" already exists.',
  );
  await expect(callContract(server, 'createRepository', { name: 'ТЕСТЫ ВХОДА' })).rejects.toThrow(
    `A repository named "${CYRILLIC}" already exists.`,
  );

  // Test tools connect by name, in any case.
  await putItems(server, 'ТЕСТЫ ВХОДА', [
    { path: 'modules/вход', kind: 'module', versions: ['шаг 1', 'шаг 2'] },
  ]);
  await putItems(server, JAPANESE, [{ path: 'data/テスト', kind: 'data', versions: ['データ'] }]);
  const table = repositoriesTable(page);
  await expect(await cellOf(table, rowNamed(table, CYRILLIC), 'Items')).toHaveText('1');
  await expect(await cellOf(table, rowNamed(table, JAPANESE), 'Items')).toHaveText('1');
  const japaneseItems = await readItems(server, JAPANESE);

  // Exported from the Control Panel, into archives named after them.
  const out = tempFolder('unicode');
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export repositories' });
  await choose(exportDialog.getByRole('checkbox', { name: CYRILLIC }));
  await choose(exportDialog.getByRole('checkbox', { name: JAPANESE }));
  await exportDialog.getByLabel('Destination folder').fill(out);
  await exportDialog.getByRole('button', { name: 'Export', exact: true }).click();
  const exports = exportDialog.getByRole('list', { name: 'Exports' });
  for (const name of [CYRILLIC, JAPANESE])
    await expect(exports.getByRole('listitem').filter({ hasText: name }).getByRole('status')).toContainText(
      'Done',
    );
  await exportDialog.getByRole('button', { name: 'Close' }).click();
  const files = fs.readdirSync(out);
  const japaneseArchive = files.find((f) => archiveNamePattern(JAPANESE).test(f));
  expect(files.find((f) => archiveNamePattern(CYRILLIC).test(f))).toBeDefined();
  expect(japaneseArchive).toBeDefined();
  expect(unzipTest(path.join(out, japaneseArchive!))).toContain('No errors detected');

  // On disk the databases are named by id: no name reaches the file system there.
  const databases = fs
    .readdirSync(path.join(server.dataDir, 'repositories'))
    .filter((f) => f.endsWith('.sqlite'));
  expect(databases).toHaveLength(3);
  for (const file of databases) expect(file).toMatch(/^[0-9a-f-]{36}\.sqlite$/);

  // Deleted, then imported back from its archive under its own name.
  await table.getByRole('row', { name: JAPANESE }).click();
  await page.getByRole('button', { name: `Delete ${JAPANESE}` }).click();
  const deleteDialog = page.getByRole('dialog', { name: 'Delete repository' });
  await deleteDialog.getByRole('button', { name: `Delete “${JAPANESE}”` }).click();
  await expect(rowNamed(table, JAPANESE)).toHaveCount(0);

  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import repositories' });
  await importDialog.getByLabel('Archive file').fill(path.join(out, japaneseArchive!));
  await importDialog.getByLabel('Archive file').press('Enter');
  const row = importDialog.getByTestId('import-row');
  await expect(row.getByLabel('Restore as')).toHaveValue(JAPANESE);
  await expect(row).toContainText('Verified');
  const axe = await seriousAxeViolations(page);
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(row.getByRole('status')).toContainText(`Done Restored as “${JAPANESE}”.`);
  await importDialog.getByRole('button', { name: 'Close' }).click();
  await expect(rowNamed(table, JAPANESE)).toBeVisible();
  expect(await readItems(server, JAPANESE)).toEqual(japaneseItems);
  expect(axe).toEqual([]);
});
