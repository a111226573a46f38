import { expect, test } from './support/fixtures';

test('the printed URL opens the Control Panel and shows the server info', async ({ page, server }) => {
  await page.goto(server.url);
  const info = page.getByTestId('server-info');
  await expect(info).toContainText('Repository Server');
  await expect(info).toContainText(server.dataDir);
  await expect(info).toContainText('Headless server');
  // The token leaves the address bar once the page has it.
  expect(page.url()).not.toContain('token=');
  await page.screenshot({ path: 'test-results/server-info.png', fullPage: true });
});

test('the API refuses a caller without the token', async ({ request, server }) => {
  const response = await request.post(`${server.origin}/api/getServerInfo`, { data: {} });
  expect(response.status()).toBe(401);
  const body = await response.json();
  expect(body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
});

test('a page opened without the token says how to get in', async ({ page, server }) => {
  await page.goto(server.origin);
  await expect(page.getByRole('alert')).toContainText('Open the full URL');
});
