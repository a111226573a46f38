import type { Page } from '@playwright/test';
import { callContract, removeTempFolders, tempFolder } from './support/archives';
import { seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';
import type { BackupSettings } from '../electron/shared/settings-schema';

// The Backup Schedule dialog as a new user meets it on a laptop: everything up to OK on screen at
// 1280×800 without scrolling, in the reference's order; still usable at 900×650; a keyboard path to OK.

test.afterEach(removeTempFolders);

const SECTIONS = [
  'Auto-backup',
  'Select repositories for auto-backup',
  'When',
  'Next 5 runs',
  'Where',
  'If a repository is in use',
  'Keep and compress',
];

async function openSchedule(page: Page) {
  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  await expect(dialog.getByTestId('next-runs')).toBeVisible();
  return dialog;
}

/** How much the dialog's body would scroll, and whether each part lies inside the window. */
const layout = (page: Page) =>
  page.evaluate(`(() => {
    const body = document.querySelector('[data-testid="schedule-dialog"] .dialog-body');
    const inView = (el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; };
    const buttons = [...document.querySelectorAll('[data-testid="schedule-dialog"] .dialog-footer button')];
    return {
      overflow: body.scrollHeight - body.clientHeight,
      headings: [...body.querySelectorAll('h3')].map((h) => h.textContent),
      everythingInView: [...body.querySelectorAll('h3, input, [role=listbox], button')].every(inView),
      buttonsInView: buttons.length === 2 && buttons.every(inView),
    };
  })()`) as Promise<{
    overflow: number;
    headings: string[];
    everythingInView: boolean;
    buttonsInView: boolean;
  }>;

test('at 1280×800 the Schedule dialog shows everything up to OK without a scrollbar, in the reference’s order', async ({
  page,
  server,
}) => {
  for (const name of ['Billing', 'Orders', 'Login Tests', 'Payments', 'Тесты входа'])
    await callContract(server, 'createRepository', { name });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const dialog = await openSchedule(page);
  // Two times, as most schedules have.
  await dialog.getByRole('button', { name: 'Add time' }).click();
  await dialog.getByRole('textbox', { name: 'Time 2' }).fill('12:30');
  await expect(dialog.getByTestId('schedule-description')).toContainText('12:30');
  const measured = await layout(page);
  expect(measured.headings).toEqual(SECTIONS);
  expect(measured.overflow).toBeLessThanOrEqual(0);
  expect(measured.everythingInView).toBe(true);
  expect(measured.buttonsInView).toBe(true);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/schedule-1280x800.png' });
});

test('at 900×650 it is usable from the keyboard alone: Tab to the folder, type it, Enter saves; a failed OK names the fields and focuses the first', async ({
  page,
  server,
}) => {
  await callContract(server, 'createRepository', { name: 'Orders' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.goto(server.url);
  const dialog = await openSchedule(page);
  const measured = await layout(page);
  expect(measured.headings).toEqual(SECTIONS);
  // The body scrolls here; the buttons never do.
  expect(measured.buttonsInView).toBe(true);
  await page.screenshot({ path: 'test-results/schedule-900x650.png' });

  // Enable, then OK: the footer names what is missing and the focus goes to the first field in error.
  const enable = dialog.getByRole('radio', { name: 'Enable auto-backup function' });
  await dialog.getByRole('radio', { name: 'Disable auto-backup function' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(enable).toBeChecked();
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog.getByRole('alert').filter({ hasText: 'Check 2 fields' })).toHaveText(
    'Check 2 fields: Repositories, Target folder.',
  );
  await expect(
    dialog.getByRole('listbox', { name: 'Not backed up' }).getByRole('option', { name: 'Orders' }),
  ).toBeFocused();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/schedule-900x650-errors.png' });

  // Enter on the focused repository includes it; then Tab on to the folder and type it; Enter is OK.
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('listbox', { name: 'Backed up automatically' })).toContainText('Orders');
  const folderField = dialog.getByRole('textbox', { name: 'Target folder' });
  let stops = 0;
  while (!(await folderField.evaluate((el) => el === el.ownerDocument.activeElement)) && stops < 40) {
    await page.keyboard.press('Tab');
    stops++;
  }
  await expect(folderField).toBeFocused();
  console.log(`Schedule dialog: ${stops} Tab stops from the repositories list to the target folder`);
  const target = tempFolder('schedule-keyboard');
  await page.keyboard.type(target);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  const saved = await callContract<BackupSettings>(server, 'getBackupSettings');
  expect(saved).toMatchObject({ enabled: true, repositories: ['Orders'], targetFolder: target });
});
