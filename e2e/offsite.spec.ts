import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { startSshd, type TestSshd } from '../electron/core/offsite/testing/sshd';
import type { BackupSettings } from '../electron/shared/settings-schema';
import { callContract, removeTempFolders, sampleItems, seedRepository, tempFolder } from './support/archives';
import { choose, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';
import type { RunningServer } from './support/headless-server';

// The offsite copy as an administrator sets it up, from the Schedule dialog's "Offsite copy…": type the
// SFTP server, test, compare the host key with the server's own and confirm, save; then a backup is
// copied and checked, and the status says so — and says what waits when the server is gone.

let sshd: TestSshd | null = null;
test.afterEach(async () => {
  await sshd?.dispose();
  sshd = null;
  removeTempFolders();
});

/** How much a dialog's body would scroll, and whether its fields and buttons lie inside the window. */
const fits = (page: Page, testId: string) =>
  page.evaluate(`(() => {
    const dialog = document.querySelector('[data-testid="${testId}"]');
    const body = dialog.querySelector('.dialog-body');
    const inView = (el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; };
    return {
      overflow: body.scrollHeight - body.clientHeight,
      everythingInView: [...body.querySelectorAll('h3, input, button')].filter((e) => e.offsetParent).every(inView),
      buttonsInView: [...dialog.querySelectorAll('.dialog-footer button')].every(inView),
    };
  })()`) as Promise<{ overflow: number; everythingInView: boolean; buttonsInView: boolean }>;

async function setUp(server: RunningServer) {
  sshd = await startSshd();
  await seedRepository(server, 'Orders', sampleItems({ texts: 5, blobs: 4 }));
  const settings = await callContract<BackupSettings>(server, 'getBackupSettings');
  await callContract(server, 'saveBackupSettings', {
    ...settings,
    repositories: ['Orders'],
    targetFolder: tempFolder('offsite-e2e-local'),
  });
  return sshd;
}

async function openOffsiteFromSchedule(page: Page) {
  await page.getByRole('button', { name: 'Backup Schedule' }).click();
  const schedule = page.getByRole('dialog', { name: 'Repository Auto-Backup Schedule' });
  await expect(schedule.getByTestId('schedule-offsite')).toContainText('Offsite copy: off');
  await schedule.getByRole('button', { name: 'Offsite copy…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Offsite Copy' });
  await expect(dialog.getByRole('textbox', { name: 'Host' })).toBeVisible();
  return { schedule, dialog };
}

test('set up from the Schedule dialog: test, compare and confirm the host key, save; a backup is copied and checked, and the status says so', async ({
  page,
  server,
}) => {
  const ssh = await setUp(server);
  const remote = path.join(ssh.remoteRoot, 'repo-server');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  await expect(page.getByTestId('offsite-status')).toContainText('Off: backups stay on this machine');
  const { schedule, dialog } = await openOffsiteFromSchedule(page);

  // Turning it on before the host key is confirmed is refused beside the host key.
  await choose(dialog.getByRole('radio', { name: /^On: copy/ }));
  await dialog.getByRole('textbox', { name: 'Host' }).fill('127.0.0.1');
  await dialog.getByRole('textbox', { name: 'Port' }).fill(String(ssh.port));
  await dialog.getByRole('textbox', { name: 'User' }).fill(ssh.user);
  await dialog.getByRole('textbox', { name: 'Folder on the server' }).fill(remote);
  await dialog.getByRole('textbox', { name: 'Private key file (on this computer)' }).fill(ssh.keyFile);
  await dialog.getByLabel('Key passphrase').fill(ssh.passphrase);
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(
    dialog.getByText('Test the connection and confirm the server’s host key before turning copies on.'),
  ).toBeVisible();

  await dialog.getByRole('button', { name: 'Test connection' }).click();
  const seen = dialog.getByTestId('host-key-seen');
  await expect(seen).toContainText(ssh.fingerprint());
  await expect(seen).toContainText('ssh-ed25519');
  expect(await fits(page, 'offsite-dialog')).toEqual({
    overflow: 0,
    everythingInView: true,
    buttonsInView: true,
  });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/offsite-dialog-confirm-1280x800.png' });

  await seen.getByRole('button', { name: 'It matches: confirm' }).click();
  await expect(dialog.getByTestId('offsite-test-result')).toContainText(
    `Connected to 127.0.0.1:${ssh.port} as ${ssh.user}: the folder ${remote} is writable`,
  );
  await expect(dialog.getByTestId('pinned-key')).toContainText(ssh.fingerprint());
  await page.screenshot({ path: 'test-results/offsite-dialog-connected-1280x800.png' });
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();
  await expect(schedule.getByTestId('schedule-offsite')).toContainText(
    `Also copied to ${ssh.user}@127.0.0.1:${remote}`,
  );
  expect(await fits(page, 'schedule-dialog')).toMatchObject({ everythingInView: true, buttonsInView: true });
  await schedule.getByRole('button', { name: 'Cancel' }).click();

  // The passphrase went to the secret store, not into the settings file.
  const settingsFile = fs.readFileSync(path.join(server.dataDir, 'settings.json'), 'utf8');
  expect(settingsFile).toContain(ssh.fingerprint());
  expect(settingsFile).not.toContain(ssh.passphrase);

  await page.getByRole('button', { name: 'Back Up Now' }).click();
  await expect(page.getByTestId('offsite-status')).toContainText(
    /all copied, last today \d\d:\d\d, checked/,
    { timeout: 30_000 },
  );
  await expect(page.getByTestId('repo-offsite')).toHaveText(/^offsite: copied today \d\d:\d\d, checked$/);
  // The run's configuration archive leaves the machine too, and says so in words.
  await expect(page.getByTestId('configuration-offsite')).toHaveText(
    /^Server configuration: copied today \d\d:\d\d, checked$/,
    { timeout: 30_000 },
  );
  const archives = fs.readdirSync(remote).sort();
  expect(archives).toHaveLength(2);
  expect(archives[0]).toMatch(/^@server-configuration_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip$/);
  expect(archives[1]).toMatch(/^Orders_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip$/);
  await page.screenshot({ path: 'test-results/offsite-status-copied-1280x800.png' });

  // The server goes away: the next copy waits, and the status says for what and since when.
  await ssh.stop();
  await page.getByRole('button', { name: 'Back Up Now' }).click();
  await expect(page.getByTestId('offsite-status')).toContainText(
    /2 copies pending, host unreachable since today \d\d:\d\d/,
    {
      timeout: 30_000,
    },
  );
  await expect(page.getByTestId('repo-offsite')).toContainText(
    'offsite: 1 copy pending, host unreachable since',
  );
  await expect(page.getByTestId('configuration-offsite')).toContainText(
    'Server configuration: 1 copy pending, host unreachable since',
  );
  await expect(page.getByTestId('offsite-status').getByRole('button', { name: 'Retry now' })).toBeVisible();
  await page.screenshot({ path: 'test-results/offsite-status-pending-1280x800.png' });

  await ssh.start();
  await page.getByTestId('offsite-status').getByRole('button', { name: 'Retry now' }).click();
  await expect(page.getByTestId('offsite-status')).toContainText(/all copied/, { timeout: 30_000 });
  await expect(page.getByTestId('configuration-offsite')).toContainText('Server configuration: copied');
  // Two runs, each a repository's archive and the configuration's.
  expect(fs.readdirSync(remote)).toHaveLength(4);
  await page.setViewportSize({ width: 900, height: 650 });
  await expect(page.getByTestId('configuration-offsite')).toBeInViewport();
  await page.screenshot({ path: 'test-results/offsite-status-configuration-900x650.png' });
});

test('at 900×650 the Offsite Copy dialog scrolls its body, keeps its buttons, and works from the keyboard', async ({
  page,
  server,
}) => {
  const ssh = await setUp(server);
  await page.setViewportSize({ width: 900, height: 650 });
  await page.goto(server.url);
  await page.getByTestId('offsite-status').getByRole('button', { name: 'Offsite copy…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Offsite Copy' });
  await expect(dialog.getByRole('textbox', { name: 'Host' })).toBeVisible();
  const measured = await fits(page, 'offsite-dialog');
  expect(measured.buttonsInView).toBe(true);
  // Keyboard only: Tab from the on/off choice to Host, type, on to Port.
  await dialog.getByRole('radio', { name: 'Off' }).focus();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('textbox', { name: 'Host' })).toBeFocused();
  await page.keyboard.type('127.0.0.1');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('textbox', { name: 'Port' })).toBeFocused();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(String(ssh.port));
  await dialog.getByRole('textbox', { name: 'User' }).fill(ssh.user);
  await dialog.getByRole('textbox', { name: 'Private key file (on this computer)' }).fill(ssh.keyFile);
  await dialog.getByLabel('Key passphrase').fill(ssh.passphrase);
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  await expect(dialog.getByTestId('host-key-seen')).toContainText(ssh.fingerprint());
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/offsite-dialog-900x650.png' });
  await dialog.getByRole('textbox', { name: 'User' }).focus();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.screenshot({ path: 'test-results/offsite-status-900x650.png' });
});
