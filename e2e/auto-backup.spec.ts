import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { RepoClient } from '../electron/core/client/repo-client';
import { formatSize } from '../electron/shared/format-size';
import { expect, test } from './support/fixtures';
import {
  addRepository,
  cellOf,
  fullPageScreenshot,
  historyTable,
  repositoriesTable,
  rowNamed,
  seriousAxeViolations,
} from './support/control-panel';
import {
  archiveNamePattern,
  putItems,
  removeTempFolders,
  sampleItems,
  tempFolder,
  unzipTest,
} from './support/archives';
import type { RunningServer } from './support/headless-server';

test.afterEach(removeTempFolders);

// Back Up Now and the automatic backup, driven from the Control Panel against a real core: the schedule
// dialog, the status at a glance while and after it runs, the archives on disk, and what a connected
// client lives through under the "disconnect" policy.

// Tall enough that the whole schedule dialog shows in the screenshots, without scrolling inside it.
test.use({ viewport: { width: 1280, height: 1200 } });

const DAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const pad = (n: number) => String(n).padStart(2, '0');

/** Items written through a client, as a test tool would: a few texts and `blobs` incompressible MBs. */
const fill = (server: RunningServer, repository: string, blobs: number) =>
  putItems(server, repository, sampleItems({ texts: 2, blobs, blobBytes: 1_000_000 }));

/** The archives in a folder by repository, after checking that nothing half-written is left there. */
function archivesIn(folder: string, repositories: string[]): Record<string, string> {
  const files = fs.readdirSync(folder);
  expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
  const found: Record<string, string> = {};
  for (const name of repositories) {
    const mine = files.filter((f) => archiveNamePattern(name).test(f));
    expect(mine, `archives of ${name} among ${files.join(', ')}`).toHaveLength(1);
    found[name] = path.join(folder, mine[0]!);
    // Any unzip tool opens it, and every entry's CRC checks out.
    expect(unzipTest(found[name])).toContain('No errors detected');
  }
  return found;
}

/** React Aria draws radios and checkboxes itself: a user clicks the label, as here. */
const clickLabelOf = (control: Locator) => control.locator('xpath=ancestor::label[1]').click();

async function setChecked(control: Locator, checked: boolean) {
  if ((await control.isChecked()) !== checked) await clickLabelOf(control);
  await expect(control).toBeChecked({ checked });
}

/** The repository's line under "Last result per repository" in the status panel. */
const lastResultOf = (page: Page, repository: string) =>
  page
    .getByRole('list', { name: 'Last result per repository' })
    .getByRole('listitem')
    .filter({ has: page.locator('strong', { hasText: new RegExp(`^${repository}$`) }) });

/** Picks the repositories and target in the schedule dialog and saves, leaving auto-backup off. */
async function chooseTargetAndRepositories(page: Page, folder: string) {
  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  await dialog.getByRole('button', { name: 'Include all' }).click();
  await dialog.getByRole('textbox', { name: 'Target folder' }).fill(folder);
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();
}

test('Back Up Now: progress while it runs, then each repository’s result, history and verified archives', async ({
  page,
  server,
}) => {
  const target = tempFolder('backup-now');
  await page.goto(server.url);
  await addRepository(page, 'Billing');
  await addRepository(page, 'Orders');
  // Enough data that the run lasts long enough to watch.
  await fill(server, 'Billing', 16);
  await fill(server, 'Orders', 16);

  // Back Up Now uses the schedule's repositories and folder, even with auto-backup off.
  await page.getByRole('button', { name: 'Back Up Now' }).click();
  const refusal = page.getByTestId('notice').filter({ hasText: 'Back up now:' });
  await expect(refusal).toContainText('Choose the folder backups are written to first');
  await refusal.getByRole('button', { name: 'Dismiss' }).click();
  await expect(refusal).toBeHidden();
  await chooseTargetAndRepositories(page, target);
  const status = page.getByTestId('backup-status');
  await expect(status).toContainText('Off');
  await expect(status).toContainText('Billing, Orders');
  await expect(status).toContainText(target);

  await page.getByRole('button', { name: 'Back Up Now' }).click();
  await expect(page.getByRole('progressbar', { name: /^Backup of (Billing|Orders)$/ })).toBeVisible();
  await expect(page.getByTestId('backup-running')).toContainText(/Backing up (Billing|Orders) \(\d of 2\)/);
  await expect(page.getByRole('button', { name: 'Backing up…' })).toBeDisabled();

  for (const name of ['Billing', 'Orders']) await expect(lastResultOf(page, name)).toContainText('OK');
  await expect(page.getByTestId('backup-running')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Back Up Now' })).toBeEnabled();

  const archives = archivesIn(target, ['Billing', 'Orders']);
  const history = historyTable(page);
  const repos = repositoriesTable(page);
  for (const [name, file] of Object.entries(archives)) {
    const size = formatSize(fs.statSync(file).size);
    await expect(lastResultOf(page, name)).toContainText(size);
    const row = history.getByRole('row').filter({ hasText: 'Backup by hand' }).filter({ hasText: name });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('OK');
    await expect(row).toContainText(size);
    await expect(row).toContainText(path.basename(file));
    await expect(await cellOf(repos, rowNamed(repos, name), 'Last backup')).toContainText(`OK`);
  }
  await fullPageScreenshot(page, 'test-results/backup-now.png');
});

/** The next whole minute, or the one after when the next starts within 35 s, so that the schedule is
 * still in the future when the dialog is saved (the rest of the dialog takes a few seconds, more on a
 * slow machine). The test waits for this minute in real time: nearer means a shorter CI. */
function nextMinuteAhead(now = new Date()): Date {
  const at = new Date(now);
  at.setSeconds(0, 0);
  at.setMinutes(at.getMinutes() + (60 - now.getSeconds() < 35 ? 2 : 1));
  return at;
}

test('automatic backup: a schedule a minute or two ahead with the disconnect policy runs, tells the client, and verifies', async ({
  page,
  server,
}) => {
  // Most of this is waiting for the scheduled minute.
  test.setTimeout(4 * 60_000);
  const target = tempFolder('schedule');
  await page.goto(server.url);
  for (const name of ['Archive', 'Billing', 'Orders']) await addRepository(page, name);
  await fill(server, 'Billing', 1);
  await fill(server, 'Orders', 1);

  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  await setChecked(dialog.getByRole('radio', { name: 'Enable auto-backup function' }), true);

  // The two-list picker: the mouse with `>`, the keyboard, a double-click, and `<`.
  const left = dialog.getByRole('listbox', { name: 'Not backed up' });
  const right = dialog.getByRole('listbox', { name: 'Backed up automatically' });
  await left.getByRole('option', { name: 'Orders' }).click();
  await dialog.getByRole('button', { name: 'Include the selected' }).click();
  await left.getByRole('option', { name: 'Archive' }).click();
  await page.keyboard.press('ArrowDown');
  await expect(left.getByRole('option', { name: 'Billing' })).toBeFocused();
  await page.keyboard.press('Enter');
  await left.getByRole('option', { name: 'Archive' }).dblclick();
  await expect(right.getByRole('option')).toHaveText(['Archive', 'Billing', 'Orders']);
  await right.getByRole('option', { name: 'Archive' }).click();
  await dialog.getByRole('button', { name: 'Leave out the selected' }).click();
  await expect(right.getByRole('option')).toHaveText(['Billing', 'Orders']);
  await expect(left.getByRole('option')).toHaveText(['Archive']);

  await setChecked(dialog.getByRole('radio', { name: /^Disconnect the clients and run backup/ }), true);
  const grace = dialog.getByRole('textbox', { name: 'Warn the clients this many minutes before' });
  await grace.fill('0');
  await dialog.getByRole('textbox', { name: 'Keep the newest backups of each repository' }).fill('2');
  await dialog.getByRole('textbox', { name: 'Target folder' }).fill(target);

  // The time last, as late as possible, so it is still ahead when OK is pressed.
  const at = nextMinuteAhead();
  const day = DAY_LABELS[at.getDay()]!;
  const hhmm = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const days = dialog.getByRole('group', { name: 'Days of the week' });
  for (const label of DAY_LABELS)
    await setChecked(days.getByRole('checkbox', { name: label }), label === day);
  await dialog.getByRole('textbox', { name: 'Time 1' }).fill(hhmm);

  await expect(dialog.getByTestId('schedule-description')).toHaveText(`${day} at ${hhmm}`);
  const runs = dialog.getByTestId('next-runs').locator('time');
  await expect(runs).toHaveCount(5);
  const localDate = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  await expect(runs.first()).toHaveAttribute('datetime', new RegExp(`^${localDate}T${hhmm}:00`));
  await expect(runs.first()).toContainText(hhmm);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await fullPageScreenshot(page, 'test-results/schedule-dialog.png');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();

  const status = page.getByTestId('backup-status');
  await expect(status).toContainText('On');
  await expect(status).toContainText(`${day} at ${hhmm}`);
  await expect(status).toContainText('Billing, Orders');
  await expect(status).toContainText(target);
  await expect(status).toContainText('Disconnect the clients and run backup');
  await expect(page.getByTestId('next-run').locator('time')).toContainText(hhmm);
  await expect(page.getByTestId('next-run')).toContainText(/in (\d+ s|1 min)/);
  const repos = repositoriesTable(page);
  await expect(await cellOf(repos, rowNamed(repos, 'Orders'), 'Auto-backup')).toHaveText('Included');
  await expect(await cellOf(repos, rowNamed(repos, 'Archive'), 'Auto-backup')).toHaveText('Not included');

  const tool = await RepoClient.connect({
    server: server.clientsOrigin,
    repository: 'Orders',
    label: 'Nightly tool',
  });
  await tool.put({ path: 'results/run-1', kind: 'result', content: 'passed' });

  // The scheduled minute comes; both repositories get their result.
  for (const name of ['Billing', 'Orders'])
    await expect(lastResultOf(page, name)).toContainText('OK', { timeout: 3 * 60_000 });

  // The client was told, then disconnected with 4001, and may come back once the run is over.
  const closed = await tool.closed;
  expect(closed.code).toBe(4001);
  expect(tool.notices.map((n) => n.kind)).toEqual(['backup-starting', 'disconnect']);
  expect(tool.notices[0]!.message).toContain('A backup of "Orders" starts now');
  const again = await RepoClient.connect({
    server: server.clientsOrigin,
    repository: 'Orders',
    label: 'Nightly tool',
  });
  expect((await again.get('results/run-1')).content).toBe('passed');
  await again.close();

  // The run ends with the server's configuration backup, after the repositories' results: only once
  // it is in the history may nothing be half-written in the folder.
  const history = historyTable(page);
  await expect(
    history
      .getByRole('row')
      .filter({ hasText: 'Backup scheduled' })
      .filter({ hasText: '@server-configuration' }),
  ).toContainText('OK', { timeout: 60_000 });
  const archives = archivesIn(target, ['Billing', 'Orders']);
  expect(fs.readdirSync(target).filter((f) => f.startsWith('Archive'))).toEqual([]);
  for (const [name, file] of Object.entries(archives)) {
    const row = history.getByRole('row').filter({ hasText: 'Backup scheduled' }).filter({ hasText: name });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('OK');
    await expect(row).toContainText(path.basename(file));
  }
  // The next run is a week on, and the status says so.
  await expect(page.getByTestId('next-run')).toContainText(/in 6 d 23 h|in 7 d/);
  await page.getByTestId('backup-panel').screenshot({ path: 'test-results/auto-backup-status.png' });
  await fullPageScreenshot(page, 'test-results/auto-backup.png');

  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await fullPageScreenshot(page, 'test-results/main-window-dark.png');
});

test('schedule validation: no days and a relative folder are refused beside the fields; Cancel changes nothing', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await addRepository(page, 'Orders');
  const status = page.getByTestId('backup-status');
  await expect(status).toContainText('Mon–Fri at 22:00');
  const before = (await status.textContent())!;

  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  await setChecked(dialog.getByRole('radio', { name: 'Enable auto-backup function' }), true);
  await dialog
    .getByRole('listbox', { name: 'Not backed up' })
    .getByRole('option', { name: 'Orders' })
    .dblclick();
  await dialog.getByRole('button', { name: 'Every day' }).click();
  const days = dialog.getByRole('group', { name: 'Days of the week' });
  for (const label of DAY_LABELS) await setChecked(days.getByRole('checkbox', { name: label }), false);
  await expect(dialog.getByTestId('schedule-description')).toHaveText('No days chosen');
  const folder = dialog.getByRole('textbox', { name: 'Target folder' });
  await folder.fill('backups/nightly');
  await dialog.getByRole('button', { name: 'OK' }).click();

  await expect(days).toContainText('Choose at least one day of the week.');
  await expect(folder).toHaveAttribute('aria-invalid', 'true');
  await expect(folder).toHaveAccessibleDescription(/Enter a full path, such as \/var\/backups\/repositories/);
  // The footer names the fields, and the focus is on the first of them.
  await expect(
    dialog.getByRole('alert').filter({ hasText: 'Check 2 fields: Days of the week, Target folder.' }),
  ).toBeVisible();
  await expect(days.getByRole('checkbox', { name: 'Mon' })).toBeFocused();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await fullPageScreenshot(page, 'test-results/schedule-validation.png');

  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(status).toHaveText(before);
  // Opened again, the dialog shows what was saved before, not what was typed.
  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  await expect(dialog.getByRole('radio', { name: 'Disable auto-backup function' })).toBeChecked();
  await expect(folder).toHaveValue('');
  await expect(days.getByRole('checkbox', { name: 'Mon' })).toBeChecked();
  await expect(dialog.getByRole('listbox', { name: 'Backed up automatically' })).toContainText('None');

  // A check only the core can make: the repository was deleted (in another tab) while the dialog was open.
  await setChecked(dialog.getByRole('radio', { name: 'Enable auto-backup function' }), true);
  await dialog
    .getByRole('listbox', { name: 'Not backed up' })
    .getByRole('option', { name: 'Orders' })
    .dblclick();
  await folder.fill(path.join(os.tmpdir(), 'repo-server-e2e-never-written'));
  const otherTab = await page.context().newPage();
  await otherTab.goto(server.url);
  await rowNamed(repositoriesTable(otherTab), 'Orders').click();
  await otherTab.getByRole('button', { name: 'Delete Orders' }).click();
  await otherTab.getByRole('button', { name: 'Delete “Orders”' }).click();
  await expect(rowNamed(repositoriesTable(otherTab), 'Orders')).toHaveCount(0);
  await otherTab.close();
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog.getByRole('listbox', { name: 'Backed up automatically' })).toHaveAccessibleDescription(
    'There is no repository named "Orders".',
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(status).toHaveText(before);
});
