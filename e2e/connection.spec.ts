import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { BackupSettings } from '../electron/shared/settings-schema';
import { callContract, putItems, removeTempFolders, sampleItems, tempFolder } from './support/archives';
import { historyTable, repositoriesTable, rowNamed, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';
import { startHeadlessServer, type RunningServer } from './support/headless-server';

// The Control Panel never shows a dead server as alive: killed while the page is open, the page says so
// within seconds and offers nothing; restarted on the same data directory, the same tab comes back by
// itself, with the same token, and shows what changed meanwhile.

const ROOT = path.resolve(import.meta.dirname, '..');
/** The CLI against a data directory no server holds (as an administrator would, while it is down). */
const cli = (dataDir: string, ...args: string[]) =>
  execFileSync(process.execPath, [path.join(ROOT, 'bin/repo-server.mjs'), ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
  });

test.afterEach(removeTempFolders);

const restartOnSameDataDir = (server: RunningServer) =>
  startHeadlessServer(['--console-port', new URL(server.origin).port], server.dataDir);

test('killed while the panel is open: one banner within seconds, every action off, times stand still; restarted, the same tab reconnects and shows fresh state', async ({
  page,
  server,
}) => {
  await callContract(server, 'createRepository', { name: 'Before' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  const table = repositoriesTable(page);
  await expect(rowNamed(table, 'Before')).toBeVisible();
  // The whole panel is loaded before the kill (on a slow CI machine the server's status once was still
  // on its way, and a panel that never heard it cannot offer "Stop server").
  await expect(page.getByRole('button', { name: 'Stop server', exact: true })).toBeEnabled();
  await expect(page.getByTestId('server-info')).toContainText(server.dataDir);
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toHaveCount(0);

  await server.kill();
  const killedAt = Date.now();
  // Within a few seconds (the heartbeat's silence, or the stream's end, whichever comes first).
  await expect(banner).toBeVisible({ timeout: 8_000 });
  console.log(`connection-lost banner shown ${Date.now() - killedAt} ms after SIGKILL`);
  await expect(banner.getByRole('alert')).toContainText('Lost the connection to the server — retrying…');
  await expect(page.getByRole('banner')).toContainText('Connection lost');
  await expect(page.getByRole('banner')).not.toContainText('Server running');
  for (const name of [
    'Add',
    'Import',
    'Export',
    'Backup Schedule',
    'Back Up Now',
    'Stop server',
    'Change Port',
  ])
    await expect(page.getByRole('button', { name, exact: true }), name).toBeDisabled();
  // "running for 12 s" stops counting for a server that is not heard.
  const state = page.getByTestId('server-status');
  const frozen = await state.innerText();
  await page.waitForTimeout(2_100);
  expect(await state.innerText()).toBe(frozen);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/connection-lost-1280x800.png' });
  await page.setViewportSize({ width: 900, height: 650 });
  await page.screenshot({ path: 'test-results/connection-lost-900x650.png' });

  // While it is down, the data directory changes (the CLI works on it, as no server holds it).
  cli(server.dataDir, 'create', 'Made while down');

  const restarted = await restartOnSameDataDir(server);
  try {
    // The console keeps its token per data directory: the tab's token is still the right one.
    expect(restarted.token).toBe(server.token);
    expect(restarted.origin).toBe(server.origin);
    await expect(banner).toBeHidden({ timeout: 20_000 });
    // A full refresh: what changed while the tab was not listening is there, without a reload.
    await expect(rowNamed(table, 'Made while down')).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Server running');
    await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeEnabled();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Add repository' })).toBeVisible();
  } finally {
    await restarted.stop();
  }
});

test('a dialog open when the server goes away waits for it: OK is off and says why; a job that ended meanwhile is not left "running"', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add repository' });
  await dialog.getByLabel('Repository name').fill('Waiting');
  await server.kill();
  await expect(dialog.getByRole('button', { name: 'Create' })).toBeDisabled({ timeout: 8_000 });
  await expect(dialog).toContainText('Waiting for the server: the connection is lost.');
  await expect(page.getByTestId('connection-banner')).toBeVisible();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/connection-lost-dialog.png' });

  const restarted = await restartOnSameDataDir(server);
  try {
    await expect(dialog.getByRole('button', { name: 'Create' })).toBeEnabled({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(rowNamed(repositoriesTable(page), 'Waiting')).toBeVisible();
  } finally {
    await restarted.stop();
  }
});

test('a bookmark of the bare address works after a restart; a wrong or old token gets one screen that says what to do', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('server-info')).toContainText(server.dataDir);
  // The token left the address bar: this is what a bookmark holds.
  const bookmark = page.url();
  expect(bookmark).not.toContain('token=');
  // (Killed, not stopped: the fixture's stop would also remove the data directory it made.)
  await server.kill();
  const restarted = await restartOnSameDataDir(server);
  try {
    const later = await page.context().newPage();
    await later.goto(bookmark);
    await expect(later.getByTestId('server-info')).toContainText(server.dataDir);
    await later.close();

    // An old link, with a token the server no longer takes (as after serve --new-token).
    const stale = await page.context().newPage();
    await stale.goto(`${server.origin}/?token=an-old-token-from-before-the-rotation`);
    const screen = stale.getByRole('main', { name: 'Repository Server — Control Panel' });
    await expect(screen.getByRole('alert')).toContainText(
      "The server did not accept this page's access token.",
    );
    // One screen, not a red error in every panel.
    await expect(stale.getByRole('alert').filter({ hasText: /\S/ })).toHaveCount(1);
    await expect(stale.getByText('Could not load')).toHaveCount(0);
    await expect(stale.getByRole('toolbar')).toHaveCount(0);
    expect(await seriousAxeViolations(stale)).toEqual([]);
    await stale.screenshot({ path: 'test-results/token-refused.png' });
    // Pasting the printed address opens the Control Panel.
    await screen.getByLabel('Address or token').fill(restarted.url);
    await screen.getByLabel('Address or token').press('Enter');
    await expect(stale.getByTestId('server-info')).toContainText(server.dataDir);
    await stale.close();
  } finally {
    await restarted.stop();
  }
});

test('killed during a backup: the run is shown as last known and stops counting; after the restart it is not "running" any more and the history says how it ended', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  await callContract(server, 'createRepository', { name: 'Big Results' });
  // Incompressible, so the backup takes a while to compress.
  await putItems(server, 'Big Results', sampleItems({ texts: 2, blobs: 48, blobBytes: 1024 * 1024 }));
  const settings = await callContract<BackupSettings>(server, 'getBackupSettings');
  await callContract(server, 'saveBackupSettings', {
    ...settings,
    repositories: ['Big Results'],
    targetFolder: tempFolder('killed-backup'),
  });
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Back Up Now' }).click();
  const running = page.getByTestId('backup-running');
  await expect(running).toContainText('Backing up Big Results');

  await server.kill();
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toBeVisible({ timeout: 8_000 });
  await expect(page.getByTestId('backup-panel')).toContainText('Last known');
  const frozen = await running.innerText();
  await page.waitForTimeout(2_100);
  // "started 3 s ago" stays as it was when the server was last heard, not "started 59 s ago".
  expect(await running.innerText()).toBe(frozen);
  await expect(page.getByRole('toolbar').getByRole('button', { name: /^Back(ing)? up/i })).toBeDisabled();
  await page.screenshot({ path: 'test-results/connection-lost-during-backup.png' });

  const restarted = await restartOnSameDataDir(server);
  try {
    await expect(banner).toBeHidden({ timeout: 20_000 });
    // The job ended while nobody listened: the fresh state no longer shows it running…
    await expect(running).toBeHidden();
    // …and the history tells how it ended.
    await expect(
      historyTable(page).getByRole('row').filter({ hasText: 'Big Results' }).first(),
    ).toContainText('Failed');
  } finally {
    await restarted.stop();
  }
});

test("a server that hangs (SIGSTOP) is found out by the heartbeat's silence, and is back when it resumes", async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('server-info')).toBeVisible();
  const banner = page.getByTestId('connection-banner');
  process.kill(server.pid, 'SIGSTOP');
  try {
    // The connection stays open; only the missing heartbeats tell (CONNECTION_LOST_AFTER_MS = 5 s).
    await expect(banner).toBeVisible({ timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeDisabled();
  } finally {
    process.kill(server.pid, 'SIGCONT');
  }
  await expect(banner).toBeHidden({ timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeEnabled();
});
