import { RepoClient } from '../electron/core/client/repo-client';
import { callContract } from './support/archives';
import { clientsTable, fullPageScreenshot, rowNamed, seriousAxeViolations } from './support/control-panel';
import { expect, test } from './support/fixtures';

// The main window at the two sizes people use: a laptop (1280×800) and a half-screen window (900×650).

/** The toolbar's buttons by row: [top, label][] — a wrapped toolbar must wrap by whole groups. */
const toolbarRows = (page: import('@playwright/test').Page) =>
  page.evaluate(`(() => {
    const rows = new Map();
    for (const group of document.querySelectorAll('.toolbar .tool-group')) {
      const tops = [...group.querySelectorAll('button')].map((b) => Math.round(b.getBoundingClientRect().top));
      if (new Set(tops).size !== 1) return 'a group was split across rows';
      const list = rows.get(tops[0]) ?? [];
      list.push(group.getAttribute('aria-label'));
      rows.set(tops[0], list);
    }
    return [...rows.values()];
  })()`);

test('main window at 1280×800 and 900×650: the toolbar wraps by whole groups, a notice never hides a table button', async ({
  page,
  server,
}) => {
  for (const name of ['Billing', 'Orders', 'Login Tests'])
    await callContract(server, 'createRepository', { name });
  const tools = await Promise.all(
    ['Regression A', 'Smoke B', 'Nightly C'].map((label) =>
      RepoClient.connect({ server: server.clientsOrigin, repository: 'Orders', label }),
    ),
  );
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(server.url);
    await expect(rowNamed(clientsTable(page), 'Nightly C')).toBeVisible();
    expect(await toolbarRows(page)).toEqual([['Repositories', 'Archives', 'Backup', 'Server']]);
    // "Connected clients" names the count only; the backup's policy has its own label.
    await expect(page.getByTestId('server-status')).toContainText('Connected clients3');
    await expect(page.getByTestId('backup-status')).toContainText('If in use');
    await expect(page.getByTestId('backup-status')).not.toContainText('Connected clients');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/main-1280x800.png' });

    await page.setViewportSize({ width: 900, height: 650 });
    // One row still (it used to wrap with "Change Port" alone and a separator left dangling).
    expect(await toolbarRows(page)).toEqual([['Repositories', 'Archives', 'Backup', 'Server']]);
    // Narrower still, it wraps by whole groups.
    await page.setViewportSize({ width: 560, height: 650 });
    const narrow = (await toolbarRows(page)) as string[][];
    expect(narrow.flat()).toEqual(['Repositories', 'Archives', 'Backup', 'Server']);
    expect(narrow.length).toBeGreaterThan(1);
    await page.setViewportSize({ width: 900, height: 650 });
    await page.screenshot({ path: 'test-results/main-900x650.png' });

    // A notice that stays (an error) at the bottom right, where the table's Disconnect buttons are.
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    const notice = page.getByTestId('notice').filter({ hasText: 'Back up now:' });
    await expect(notice).toBeVisible();
    for (const label of ['Regression A', 'Smoke B', 'Nightly C']) {
      const button = page.getByRole('button', { name: `Disconnect ${label}` });
      await button.focus();
      // What is under the button's middle is the button: the notice does not cover it.
      const box = (await button.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      const hit = await page.evaluate(
        `document.elementFromPoint(${x}, ${y})?.closest('button')?.getAttribute('aria-label') ?? null`,
      );
      expect(hit, label).toBe(`Disconnect ${label}`);
    }
    await fullPageScreenshot(page, 'test-results/main-900x650-full.png');
  } finally {
    await Promise.all(tools.map((t) => t.close()));
  }
});
