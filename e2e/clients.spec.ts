import net from 'node:net';
import { RepoClient } from '../electron/core/client/repo-client';
import { expect, test } from './support/fixtures';
import {
  addRepository,
  cellOf,
  clientsTable,
  fullPageScreenshot,
  repositoriesTable,
  rowNamed,
  seriousAxeViolations,
} from './support/control-panel';
import type { RunningServer } from './support/headless-server';

// The connected clients as an administrator meets them: listed, counted, disconnected; the repository
// dialogs that care about them; and moving the client port.

const connect = (server: RunningServer, repository: string, label: string, origin = server.clientsOrigin) =>
  RepoClient.connect({ server: origin, repository, label });

/** The client's own end of the socket, as the server lists it ("127.0.0.1:54012"). */
const localAddressOf = (client: RepoClient) => {
  const socket = (client.socket as unknown as { _socket: net.Socket })._socket;
  return `${socket.localAddress}:${socket.localPort}`;
};

/** A port something else already listens on, for as long as the returned server is open. */
const occupyPort = () =>
  new Promise<net.Server>((resolve) => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1', () => resolve(blocker));
  });
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
const closeServer = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

test('two clients are listed and counted; Disconnect closes one with 4001 and the other keeps working', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await addRepository(page, 'Regression');
  await addRepository(page, 'Smoke', 'enter');

  const suiteA = await connect(server, 'Regression', 'Regression suite A');
  const smokeB = await connect(server, 'Smoke', 'Smoke B');
  const clients = clientsTable(page);
  const rowA = rowNamed(clients, 'Regression suite A');
  const rowB = rowNamed(clients, 'Smoke B');
  await expect(rowA).toBeVisible();
  await expect(rowB).toBeVisible();
  await expect(await cellOf(clients, rowA, 'Repository')).toHaveText('Regression');
  await expect(await cellOf(clients, rowA, 'Address')).toHaveText(localAddressOf(suiteA));
  await expect(await cellOf(clients, rowB, 'Repository')).toHaveText('Smoke');
  await expect(await cellOf(clients, rowB, 'Address')).toHaveText(localAddressOf(smokeB));

  const repos = repositoriesTable(page);
  await expect(await cellOf(repos, rowNamed(repos, 'Regression'), 'Clients')).toHaveText('1');
  await expect(await cellOf(repos, rowNamed(repos, 'Smoke'), 'Clients')).toHaveText('1');
  await expect(page.getByTestId('server-status')).toContainText('Connected clients2');

  await page.getByRole('button', { name: 'Disconnect Smoke B' }).click();
  await expect(rowB).toBeHidden();
  await expect(rowA).toBeVisible();
  await expect(await cellOf(repos, rowNamed(repos, 'Smoke'), 'Clients')).toHaveText('0');
  await expect(await cellOf(repos, rowNamed(repos, 'Regression'), 'Clients')).toHaveText('1');

  // The test tool's side: told why, then closed with the "disconnected" code.
  const closed = await smokeB.closed;
  expect(closed.code).toBe(4001);
  expect(closed.reason).toContain('administrator');
  expect(smokeB.notices.map((n) => n.kind)).toContain('disconnect');
  // The other client never noticed.
  await suiteA.put({ path: 'modules/login', kind: 'module', content: 'still here' });
  expect((await suiteA.get('modules/login')).content).toBe('still here');

  await fullPageScreenshot(page, 'test-results/clients.png');
  await suiteA.close();
});

test('Rename and Delete name the connected clients, close with Escape unchanged, then rename and delete', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await addRepository(page, 'Alpha');
  await addRepository(page, 'Beta');
  const alphaTool = await connect(server, 'Alpha', 'Tool on Alpha');
  const betaTool = await connect(server, 'Beta', 'Tool on Beta');
  const repos = repositoriesTable(page);
  await expect(rowNamed(clientsTable(page), 'Tool on Beta')).toBeVisible();
  await expect(rowNamed(clientsTable(page), 'Tool on Alpha')).toBeVisible();

  // Rename: the dialog says a client is connected; Escape leaves everything as it was.
  await rowNamed(repos, 'Alpha').click();
  await page.getByRole('button', { name: 'Rename Alpha' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename “Alpha”' });
  await expect(rename).toContainText('1 client is connected to it');
  await expect(rename.getByLabel('New name')).toBeFocused();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await rename.getByLabel('New name').fill('Alpha moved');
  await page.keyboard.press('Escape');
  await expect(rename).toBeHidden();
  await expect(rowNamed(repos, 'Alpha')).toBeVisible();
  await expect(rowNamed(repos, 'Alpha moved')).toHaveCount(0);

  // The core refuses while the client is connected, and the dialog shows its reason.
  await page.getByRole('button', { name: 'Rename Alpha' }).click();
  await rename.getByLabel('New name').fill('Alpha moved');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename.getByRole('alert')).toContainText(
    '1 client is connected to "Alpha". Disconnect them first, then rename.',
  );
  await alphaTool.close();
  await expect(rowNamed(clientsTable(page), 'Tool on Alpha')).toBeHidden();
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename).toBeHidden();
  await expect(rowNamed(repos, 'Alpha moved')).toBeVisible();
  await expect(rowNamed(repos, 'Alpha')).toHaveCount(0);

  // Delete: the confirmation names the repository and who is connected to it.
  await rowNamed(repos, 'Beta').click();
  await page.getByRole('button', { name: 'Delete Beta' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete repository' });
  await expect(remove).toContainText('Delete the repository “Beta”');
  const connectedList = remove.getByRole('list', { name: 'Connected clients' });
  await expect(connectedList).toContainText('Tool on Beta');
  await expect(connectedList).toContainText(localAddressOf(betaTool));
  const confirm = remove.getByRole('button', { name: 'Delete “Beta”' });
  await expect(confirm).toBeDisabled();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(remove).toBeHidden();
  await expect(rowNamed(repos, 'Beta')).toBeVisible();
  await betaTool.put({ path: 'modules/a', kind: 'module', content: 'not deleted' });

  await page.getByRole('button', { name: 'Delete Beta' }).click();
  // React Aria draws the box; its input is visually hidden, so tick it as a keyboard user does.
  const disconnectToo = remove.getByRole('checkbox', { name: 'Disconnect it and delete' });
  await disconnectToo.press('Space');
  await expect(disconnectToo).toBeChecked();
  await confirm.click();
  await expect(remove).toBeHidden();
  await expect(rowNamed(repos, 'Beta')).toHaveCount(0);
  await expect(rowNamed(repos, 'Alpha moved')).toBeVisible();
  await expect(rowNamed(clientsTable(page), 'Tool on Beta')).toBeHidden();
  const closed = await betaTool.closed;
  expect(closed.code).toBe(4001);
  expect(closed.reason).toContain('deleted');
  await fullPageScreenshot(page, 'test-results/repository-dialogs.png');
});

test('Change Port: a port in use is refused beside the field and the old one keeps serving; a free one works', async ({
  page,
  server,
}) => {
  const oldPort = Number(new URL(server.clientsOrigin).port);
  await page.goto(server.url);
  await addRepository(page, 'Ports');
  await expect(page.getByTestId('server-port')).toHaveText(String(oldPort));
  const blocker = await occupyPort();
  try {
    await page.getByRole('button', { name: 'Change Port' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change port' });
    const field = dialog.getByRole('textbox', { name: 'Port' });
    await expect(field).toHaveValue(String(oldPort));
    expect(await seriousAxeViolations(page)).toEqual([]);

    await field.fill(String(portOf(blocker)));
    await dialog.getByRole('button', { name: 'OK' }).click();
    const inUse = `Port ${portOf(blocker)} on 127.0.0.1 is already in use by another program.`;
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(new RegExp(inUse.replace(/\./g, '\\.')));
    await fullPageScreenshot(page, 'test-results/change-port-in-use.png');
    await expect(page.getByTestId('server-port')).toHaveText(String(oldPort));
    const stillServed = await connect(server, 'Ports', 'After the refused move');
    await stillServed.close();

    // A port nobody uses: free one up and take it (once the check's own client has gone, so OK does not ask).
    await expect(page.getByTestId('server-status')).toContainText('Connected clients0');
    const spare = await occupyPort();
    const newPort = portOf(spare);
    await closeServer(spare);
    await field.fill(String(newPort));
    await dialog.getByRole('button', { name: 'OK' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('server-port')).toHaveText(String(newPort));
    await expect(page.getByTestId('server-status')).toContainText(`ws://127.0.0.1:${newPort}`);
    const moved = await connect(server, 'Ports', 'On the new port', `ws://127.0.0.1:${newPort}`);
    await moved.put({ path: 'modules/p', kind: 'module', content: 'moved' });
    await moved.close();
  } finally {
    await closeServer(blocker);
  }
});

test('Change Port checks what was typed: 0, 70000, abc and the panel’s own port are refused beside the field, nothing changes', async ({
  page,
  server,
}) => {
  const oldPort = Number(new URL(server.clientsOrigin).port);
  const panelPort = Number(new URL(server.origin).port);
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Change Port' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change port' });
  const field = dialog.getByRole('textbox', { name: 'Port' });
  const cases: Array<[typed: string, message: string]> = [
    ['0', 'Use a port from 1 to 65535.'],
    ['-5', 'Enter the port as a whole number, such as 53400.'],
    ['70000', 'Use a port from 1 to 65535.'],
    ['abc', 'Enter the port as a whole number, such as 53400.'],
    ['80.5', 'Enter the port as a whole number, such as 53400.'],
    ['', 'Enter a port number.'],
    [
      String(panelPort),
      `Port ${panelPort} is this Control Panel's own port; choose another one for the clients.`,
    ],
  ];
  for (const [typed, message] of cases) {
    await field.fill(typed);
    await field.press('Enter');
    await expect(field, typed).toHaveAttribute('aria-invalid', 'true');
    await expect(field, typed).toHaveAccessibleDescription(new RegExp(message.replace(/[.()]/g, '\\$&')));
    // What was typed stays as typed: never clamped to 1 or 65535, never put back to the old port.
    await expect(field).toHaveValue(typed);
    await expect(field).toBeFocused();
  }
  await fullPageScreenshot(page, 'test-results/change-port-invalid.png');
  expect(await seriousAxeViolations(page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('server-port')).toHaveText(String(oldPort));
  const client = await connect(server, 'Nothing', 'still here').catch((e: Error) => e);
  // The old port still answers (the repository does not exist, which is the answer it gives).
  expect(String(client)).toContain('There is no repository named "Nothing"');
});

test('Change Port and Stop with two clients connected ask first, naming 2 clients; Stop then says so truthfully', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  // The first Tab stop is Add, not the button that disconnects everybody.
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeFocused();
  await addRepository(page, 'Busy');
  const a = await connect(server, 'Busy', 'Suite A');
  const b = await connect(server, 'Busy', 'Suite B');
  await expect(page.getByTestId('server-status')).toContainText('Connected clients2');

  const spare = await occupyPort();
  const newPort = portOf(spare);
  await closeServer(spare);
  await page.getByRole('button', { name: 'Change Port' }).click();
  const portDialog = page.getByRole('dialog', { name: 'Change port' });
  await portDialog.getByRole('textbox', { name: 'Port' }).fill(String(newPort));
  await portDialog.getByRole('button', { name: 'OK' }).click();
  const confirmation = portDialog.getByTestId('change-port-confirmation');
  await expect(confirmation).toContainText('2 clients are connected on port');
  await expect(portDialog.getByRole('button', { name: 'Back' })).toBeFocused();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await portDialog.getByRole('button', { name: 'Back' }).click();
  await portDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(portDialog).toBeHidden();

  // Stop asks, naming who will be disconnected.
  await page.getByRole('button', { name: 'Stop server' }).click();
  const stop = page.getByRole('dialog', { name: 'Stop the server?' });
  await expect(stop).toContainText('2 clients are connected.');
  await expect(stop.getByRole('list', { name: 'Clients that will be disconnected' })).toContainText(
    'Suite A',
  );
  await expect(stop.getByRole('button', { name: 'Cancel' })).toBeFocused();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await fullPageScreenshot(page, 'test-results/stop-confirmation.png');
  // Enter on the focused Cancel keeps everything running.
  await page.keyboard.press('Enter');
  await expect(stop).toBeHidden();
  await expect(page.getByTestId('server-status')).toContainText('Connected clients2');

  await page.getByRole('button', { name: 'Stop server' }).click();
  await stop.getByRole('button', { name: 'Disconnect 2 clients and stop' }).click();
  await expect(stop).toBeHidden();
  const notice = page.getByTestId('notice').filter({ hasText: 'The server stopped' });
  await expect(notice).toContainText('2 clients were disconnected');
  // Not the green of a success: a destructive action's result is told in a neutral colour.
  await expect(notice).not.toHaveClass(/notice-ok/);
  const status = page.getByTestId('server-status');
  await expect(status).toContainText('Stopped');
  await expect(status).toContainText('Nothing: clients cannot connect.');
  await expect(page.getByRole('banner')).toContainText('Server stopped · no client can connect');
  expect((await a.closed).code).toBe(1001);
  await b.closed;
  await fullPageScreenshot(page, 'test-results/server-stopped.png');
});
