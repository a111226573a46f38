import type { Locator, Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArchivePreview } from '../electron/shared/contract/archives';
import type { RepositorySummary } from '../electron/shared/contract/repositories';
import { formatSize } from '../electron/shared/format-size';
import {
  archiveNamePattern,
  removeTempFolders,
  callContract,
  connectClient,
  exportForSetup,
  filesBelow,
  inspectSnapshot,
  putItems,
  readItems,
  readManifest,
  sampleItems,
  seedRepository,
  stampOf,
  tempFolder,
  unzipTest,
} from './support/archives';
import {
  cellOf,
  choose,
  fullPageScreenshot,
  historyTable,
  repositoriesTable,
  rowNamed,
  seriousAxeViolations,
} from './support/control-panel';
import { expect, test } from './support/fixtures';
import type { RunningServer } from './support/headless-server';

// Export and import from the Control Panel against a real core: real repositories, real ZIP files on
// disk, checked afterwards with unzip and sqlite3 as an administrator would.

test.afterEach(removeTempFolders);

/**
 * Remembers the name of every progress bar the page shows, however briefly: a small export can end
 * before an assertion polls, yet the bar must have been there. (A string: the e2e code has no DOM types.)
 */
const RECORD_PROGRESS_BARS = `(() => {
  const seen = (window.progressBarsSeen = new Set());
  new MutationObserver(() => {
    for (const bar of document.querySelectorAll('[role="progressbar"]')) seen.add(bar.getAttribute('aria-label'));
  }).observe(document.body, { subtree: true, childList: true });
})()`;
const progressBarsSeen = (page: Page) => page.evaluate('[...window.progressBarsSeen]') as Promise<string[]>;

/** The <dd> after the <dt> with this term, in the archive's manifest preview. */
const fact = (facts: Locator, term: string) =>
  facts.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');

/** A repository's cell under a column of the Repositories table. */
const repositoryCell = (page: Page, name: string, column: string) =>
  cellOf(repositoriesTable(page), rowNamed(repositoriesTable(page), name), column);

/** What an import would change (the size also moves as the WAL is checkpointed, so it is left out). */
const repositoryFacts = async (server: RunningServer) =>
  (await callContract<RepositorySummary[]>(server, 'listRepositories')).map(
    ({ sizeBytes: _size, ...facts }) => facts,
  );

const databaseFiles = (server: RunningServer) =>
  filesBelow(path.join(server.dataDir, 'repositories')).filter((f) => f.endsWith('.sqlite'));

test('export two repositories: a bar each, then Done with file and size; sound archives on disk', async ({
  page,
  server,
}) => {
  // A few MB each, so that the jobs run long enough for their bars to be drawn.
  await seedRepository(server, 'login', sampleItems({ texts: 5, blobs: 12, blobBytes: 256 * 1024 }));
  await seedRepository(server, 'payments', sampleItems({ texts: 3, blobs: 12, blobBytes: 256 * 1024 }));
  const out = tempFolder('export');

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export repositories' });
  await choose(dialog.getByRole('checkbox', { name: 'login' }));
  await choose(dialog.getByRole('checkbox', { name: 'payments' }));
  await expect(dialog.getByRole('checkbox', { name: 'Include the revision history' })).toBeChecked();
  await dialog.getByLabel('Destination folder').fill(out);
  const axeOpen = await seriousAxeViolations(page);

  await page.evaluate(RECORD_PROGRESS_BARS);
  const pressedAt = Date.now();
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const exports = dialog.getByRole('list', { name: 'Exports' });
  for (const name of ['login', 'payments']) {
    await expect(exports.getByRole('listitem').filter({ hasText: name }).getByRole('status')).toContainText(
      'Done',
    );
  }
  const doneAt = Date.now();
  expect(await progressBarsSeen(page)).toEqual(
    expect.arrayContaining(['Progress of login', 'Progress of payments']),
  );

  // On disk: one complete archive per repository under its dated name, nothing half-written.
  const files = fs.readdirSync(out).sort();
  expect(files).toHaveLength(2);
  expect(files.some((f) => f.endsWith('.partial'))).toBe(false);
  // Texts have three versions each (two revisions), blobs one.
  const seeded = {
    login: { items: 5 + 12, revisions: 2 * 5 },
    payments: { items: 3 + 12, revisions: 2 * 3 },
  };
  const archiveOf: Record<string, string> = {};
  for (const [name, counts] of Object.entries(seeded)) {
    const fileName = files.find((f) => archiveNamePattern(name).test(f));
    expect(fileName, `an archive of ${name} in ${files.join(', ')}`).toBeDefined();
    const file = (archiveOf[name] = path.join(out, fileName!));
    // Named after the local time the export started.
    expect(stampOf(fileName!).getTime()).toBeGreaterThanOrEqual(Math.floor(pressedAt / 1000) * 1000);
    expect(stampOf(fileName!).getTime()).toBeLessThanOrEqual(doneAt);
    expect(unzipTest(file)).toContain('No errors detected');
    expect(inspectSnapshot(file)).toEqual({ integrity: 'ok', ...counts });
    const row = exports.getByRole('listitem').filter({ hasText: name });
    await expect(row).toContainText(file);
    await expect(row).toContainText(formatSize(fs.statSync(file).size));
  }
  const axeDone = await seriousAxeViolations(page);
  await fullPageScreenshot(page, 'test-results/export.png');

  await dialog.getByRole('button', { name: 'Close' }).click();
  const history = historyTable(page);
  for (const name of ['login', 'payments']) {
    const entry = history.getByRole('row').filter({ hasText: name });
    await expect(entry).toContainText('Export');
    await expect(entry).toContainText('OK');
    await expect(entry).toContainText(archiveOf[name]!);
  }
  await fullPageScreenshot(page, 'test-results/export-history.png');
  expect(axeOpen).toEqual([]);
  expect(axeDone).toEqual([]);
});

test('import: rename restores beside the original, replace turns a changed repository back', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'login', sampleItems({ texts: 4 }));
  await seedRepository(server, 'payments', sampleItems({ texts: 3, blobs: 2, blobBytes: 64 * 1024 }));
  const archives = await exportForSetup(server, ['login', 'payments'], tempFolder('archives'));
  const exportedLogin = await readItems(server, 'login');
  const exportedPayments = await readItems(server, 'payments');
  // login moves on after its export: one item added, one changed.
  await putItems(server, 'login', [
    { path: 'modules/added-after-export', kind: 'module', versions: ['new'] },
    { path: 'modules/module-0', kind: 'module', versions: ['changed after the export'] },
  ]);
  expect((await readItems(server, 'login')).length).toBe(5);

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import repositories' });
  for (const file of [archives.payments!, archives.login!]) {
    await dialog.getByLabel('Archive file').fill(file);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  }
  const rowOf = (file: string) => dialog.getByTestId('import-row').filter({ hasText: file });

  // Before anything is written, each archive shows what it holds.
  for (const [name, items] of [
    ['login', exportedLogin],
    ['payments', exportedPayments],
  ] as const) {
    const file = archives[name]!;
    const manifest = readManifest(file);
    const facts = rowOf(file).getByTestId('archive-facts');
    await expect(fact(facts, 'Integrity')).toHaveText('Verified');
    await expect(fact(facts, 'Repository')).toHaveText(name);
    await expect(facts.locator('time')).toHaveAttribute('datetime', manifest.finishedAt);
    await expect(fact(facts, 'Backed up')).toContainText(String(new Date(manifest.finishedAt).getFullYear()));
    await expect(fact(facts, 'Backed up')).toContainText('(manual)');
    await expect(fact(facts, 'Size')).toHaveText(formatSize(fs.statSync(file).size));
    expect(manifest.itemCount).toBe(items.length);
    await expect(fact(facts, 'Items')).toHaveText(
      `${items.length} items, ${manifest.revisionCount} revisions`,
    );
    await expect(fact(facts, 'Made by')).toHaveText(
      `${manifest.producer.app} ${manifest.producer.version} on ${os.hostname()}`,
    );
    const row = rowOf(file);
    await expect(row.getByLabel('Restore as')).toHaveValue(name);
    await expect(row).toContainText(`A repository named “${name}” exists.`);
    const policy = row.getByRole('radiogroup', { name: `If “${name}” exists` });
    await expect(policy.getByRole('radio', { name: /Stop with an error/ })).toBeChecked();
    // Merge and replace say plainly that a safety backup comes first.
    for (const choice of [/Merge into it/, /Replace it/]) {
      await expect(policy.locator('label').filter({ hasText: choice })).toContainText(
        `A safety backup of “${name}” is taken first.`,
      );
    }
  }
  await choose(rowOf(archives.payments!).getByRole('radio', { name: /Restore under a new name/ }));
  await expect(rowOf(archives.payments!)).toContainText('As “payments-Restore1”');
  await choose(rowOf(archives.login!).getByRole('radio', { name: /Replace it/ }));
  const axePreview = await seriousAxeViolations(page);
  await fullPageScreenshot(page, 'test-results/import.png');
  await rowOf(archives.login!).getByRole('radiogroup').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/import-replace.png' });

  await dialog.getByRole('button', { name: 'Import 2 archives' }).click();
  await expect(rowOf(archives.payments!).getByRole('status')).toContainText(
    'Done Restored as “payments-Restore1”.',
  );
  await expect(rowOf(archives.login!).getByRole('status')).toContainText('Done Restored as “login”.');
  await fullPageScreenshot(page, 'test-results/import-done.png');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // rename: a new repository beside the original, with the archive's items.
  await expect(await repositoryCell(page, 'payments-Restore1', 'Items')).toHaveText(
    String(exportedPayments.length),
  );
  await expect(await repositoryCell(page, 'payments', 'Items')).toHaveText(String(exportedPayments.length));
  expect(await readItems(server, 'payments-Restore1')).toEqual(exportedPayments);
  // replace: login is exactly as exported again (the added item gone, the changed one back).
  await expect(await repositoryCell(page, 'login', 'Items')).toHaveText(String(exportedLogin.length));
  expect(await readItems(server, 'login')).toEqual(exportedLogin);

  // The safety backup of login as it was just before the replace, where the core keeps them.
  const safetyDir = path.join(server.dataDir, 'safety-backups');
  const safety = fs.readdirSync(safetyDir);
  expect(safety).toHaveLength(1);
  expect(safety[0]).toMatch(archiveNamePattern('login'));
  const safetyManifest = readManifest(path.join(safetyDir, safety[0]!));
  expect(safetyManifest).toMatchObject({ trigger: 'pre-restore', itemCount: 5 });
  expect(unzipTest(path.join(safetyDir, safety[0]!))).toContain('No errors detected');
  await expect(historyTable(page).getByRole('row').filter({ hasText: 'safety' })).toContainText('login');
  // The clients used for the checks above have gone (the list is updated a moment after they leave).
  await expect(await repositoryCell(page, 'payments-Restore1', 'Clients')).toHaveText('0');
  await expect(await repositoryCell(page, 'login', 'Clients')).toHaveText('0');
  await fullPageScreenshot(page, 'test-results/import-after.png');
  expect(axePreview).toEqual([]);
});

test('import of corrupt files: the core’s message in each file’s row, and no repository changes', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'login', sampleItems({ texts: 4, blobs: 2, blobBytes: 64 * 1024 }));
  const folder = tempFolder('corrupt');
  const { login: archive } = await exportForSetup(server, ['login'], folder);
  const bytes = fs.readFileSync(archive!);
  const garbage = path.join(folder, 'garbage.zip');
  fs.writeFileSync(garbage, randomBytes(8 * 1024));
  const truncated = path.join(folder, 'truncated.zip');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  // The manifest still reads, but the snapshot's bytes were changed: only full verification sees it.
  const damaged = path.join(folder, 'damaged.zip');
  const changed = Buffer.from(bytes);
  for (let i = 0; i < 64; i++) changed[Math.floor(bytes.length / 3) + i]! ^= 0xff;
  fs.writeFileSync(damaged, changed);
  const repositoriesBefore = await repositoryFacts(server);
  const databasesBefore = databaseFiles(server);

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import repositories' });
  for (const file of [garbage, truncated, damaged]) {
    await dialog.getByLabel('Archive file').fill(file);
    await dialog.getByLabel('Archive file').press('Enter');
  }
  const rowOf = (file: string) => dialog.getByTestId('import-row').filter({ hasText: file });
  const previews = await callContract<ArchivePreview[]>(server, 'previewArchives', {
    files: [garbage, truncated],
  });
  for (const preview of previews) {
    expect(preview.error?.message).toMatch(/not a ZIP archive, or truncated/);
    // The core names the file (the CLI prints it); the row names it already, so it says it once.
    expect(preview.error!.message.startsWith(`${preview.file}: `)).toBe(true);
    await expect(rowOf(preview.file).getByRole('alert')).toHaveText(
      `Cannot import this file: ${preview.error!.message.slice(preview.file.length + 2)}`,
    );
  }
  const damagedRow = rowOf(damaged);
  await expect(fact(damagedRow.getByTestId('archive-facts'), 'Integrity')).toContainText(
    // Said once: the row shows the file's path above, so the reason comes without it.
    /^Not verified repository\.sqlite .*damaged\.$/,
  );
  await expect(damagedRow.getByLabel('Restore as')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();
  await fullPageScreenshot(page, 'test-results/import-corrupt.png');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  const table = repositoriesTable(page);
  await expect(table.getByRole('rowheader')).toHaveText(['login']);
  expect(await repositoryFacts(server)).toEqual(repositoriesBefore);
  expect(databaseFiles(server)).toEqual(databasesBefore);
  expect(filesBelow(path.join(server.dataDir, 'tmp'))).toEqual([]);
});

test('export to a path beneath a file: the cause in the row, and no file left behind', async ({
  page,
  server,
}) => {
  await seedRepository(server, 'login', sampleItems({ texts: 2 }));
  // Root may write anywhere, so a folder's mode cannot refuse it; a path beneath a file fails for anyone.
  const parent = tempFolder('not-writable');
  const blocker = path.join(parent, 'backups.txt');
  fs.writeFileSync(blocker, 'a file where a folder was expected\n');
  const destination = path.join(blocker, 'exports');

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export repositories' });
  await choose(dialog.getByRole('checkbox', { name: 'login' }));
  await dialog.getByLabel('Destination folder').fill(destination);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const row = dialog
    .getByRole('list', { name: 'Exports' })
    .getByRole('listitem')
    .filter({ hasText: 'login' });
  await expect(row.getByRole('alert')).toHaveText(
    `Error ${blocker} is a file, not a folder, so ${destination} cannot be used; choose a folder.`,
  );
  await fullPageScreenshot(page, 'test-results/export-error.png');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(historyTable(page).getByRole('row').filter({ hasText: 'login' })).toContainText('Failed');
  expect(filesBelow(parent)).toEqual(['backups.txt']);
  expect(filesBelow(path.join(server.dataDir, 'tmp'))).toEqual([]);
});

test('cancel a running export: the row says cancelled and no file is left behind', async ({
  page,
  server,
}) => {
  // Filling it takes a while on a busy machine.
  test.setTimeout(120_000);
  // Large enough for the export to take seconds (measured: about 5 s here): 160 MB compression cannot shrink.
  await seedRepository(server, 'big', sampleItems({ texts: 2, blobs: 160, blobBytes: 1024 * 1024 }));
  // A client stays connected, as during a working day: the snapshot then copies in small steps.
  const client = await connectClient(server, 'big');
  const out = tempFolder('cancel');
  try {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export repositories' });
    await choose(dialog.getByRole('checkbox', { name: 'big' }));
    await dialog.getByLabel('Destination folder').fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const row = dialog
      .getByRole('list', { name: 'Exports' })
      .getByRole('listitem')
      .filter({ hasText: 'big' });
    // Cancelled midway: once the bar says in words how far the copy has got.
    await expect(row.getByRole('progressbar', { name: 'Progress of big' })).toContainText(
      /(Taking a snapshot|Compressing) · [\d.]+ MB of [\d.]+ MB/,
    );
    await fullPageScreenshot(page, 'test-results/export-running.png');
    await row.getByRole('button', { name: 'Cancel big' }).click();
    await expect(row.getByRole('alert')).toHaveText('Cancelled Cancelled; no file was left behind.');
    await fullPageScreenshot(page, 'test-results/export-cancelled.png');
    expect(filesBelow(out)).toEqual([]);
    expect(filesBelow(path.join(server.dataDir, 'tmp'))).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(historyTable(page).getByRole('row').filter({ hasText: 'big' })).toContainText('Cancelled');
  } finally {
    await client.close();
    // The fixture keeps its data dir; 160 MB is worth giving back.
    await callContract(server, 'deleteRepository', { name: 'big', force: true });
  }
});
