import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { callContract } from './support/archives';
import { repositoriesTable, rowNamed, seriousAxeViolations } from './support/control-panel';
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
