import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ClientSession } from '../../electron/shared/contract/clients';
import type { BackupStatus } from '../../electron/shared/contract/schedule';
import { CONNECTION_LOST_AFTER_MS } from '../../electron/shared/contract/server-info';
import { ApiContext } from './api/context';
import { App } from './App';
import { fakeApi } from './testing/fake-api';

const client = (id: string, label: string, repository: string): ClientSession => ({
  id,
  label,
  address: '127.0.0.1:50000',
  repository,
  connectedSince: new Date().toISOString(),
  lastActivity: new Date().toISOString(),
  operations: 3,
});

const status: BackupStatus = {
  state: 'on',
  pausedUntil: null,
  description: 'Mon–Fri at 22:00',
  repositories: ['login'],
  targetFolder: '/srv/backups',
  clientsPolicy: 'keep-connected',
  graceMinutes: 0,
  nextRun: new Date(Date.now() + (3 * 60 + 12) * 60_000 + 30_000).toISOString(),
  running: null,
  retryAt: null,
  lastError: null,
  perRepository: [{ name: 'login', lastResult: null, lastGoodAt: null, overdue: true }],
};

function renderApp(handlers: Parameters<typeof fakeApi>[0], failures: Parameters<typeof fakeApi>[1] = {}) {
  const api = fakeApi(handlers, failures);
  render(
    <ApiContext.Provider value={api}>
      <App />
    </ApiContext.Provider>,
  );
  return api;
}

describe('the main window', () => {
  it('shows each panel’s load error where its content would be', async () => {
    renderApp({
      getServerInfo: async () => ({
        appName: 'Repository Server',
        version: '9.9.9',
        dataDir: '/srv/repo',
        hostname: 'build-01',
        platform: 'linux',
        startedAt: new Date().toISOString(),
        host: 'headless',
      }),
    });
    expect(await screen.findByTestId('server-info')).toHaveTextContent('/srv/repo');
    const repos = screen.getByTestId('repositories-panel');
    expect(await within(repos).findByRole('alert')).toHaveTextContent(
      'Could not load the repositories: followRepositories is not faked in this test.',
    );
  });

  it('lists the clients and follows clientsChanged without asking again', async () => {
    const api = renderApp({
      followClients: async () => ({
        stream: 's',
        seq: 0,
        clients: [client('1', 'tool-a', 'login'), client('2', 'tool-b', 'login')],
      }),
    });
    const table = await screen.findByRole('grid', { name: 'Connected clients' });
    expect(await within(table).findByText('tool-a')).toBeInTheDocument();
    act(() => api.emit('clientsChanged', { stream: 's', seq: 1, changed: [], removed: ['1'], order: ['2'] }));
    await waitFor(() => expect(within(table).queryByText('tool-a')).not.toBeInTheDocument());
    expect(within(table).getByText('tool-b')).toBeInTheDocument();
    expect(api.calls.filter((c) => c.name === 'followClients')).toHaveLength(1);
  });

  it('shows a failed Disconnect in the client’s row', async () => {
    renderApp(
      { followClients: async () => ({ stream: 's', seq: 0, clients: [client('1', 'tool-a', 'login')] }) },
      { disconnectClient: { code: 'NOT_FOUND', message: 'That client has already gone.' } },
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Disconnect tool-a' }));
    const row = screen.getByRole('row', { name: /tool-a/ });
    expect(await within(row).findByRole('alert')).toHaveTextContent('That client has already gone.');
  });

  it('shows the next run as a time and as "in 3 h 12 min", and an overdue warning', async () => {
    renderApp({ getBackupStatus: async () => status });
    expect(await screen.findByTestId('next-run')).toHaveTextContent('in 3 h 12 min');
    expect(screen.getByTestId('backup-alerts')).toHaveTextContent('Backups overdue: login (never backed up)');
  });
});

describe('connection truth in the desktop app (no link, only the heartbeat)', () => {
  it('silence shows one banner and turns every action off; the next heartbeat brings all back and loads it again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const api = fakeApi(
        { followRepositories: async () => ({ stream: 's', seq: 0, repositories: [] }) },
        {},
        { host: 'electron' },
      );
      render(
        <ApiContext.Provider value={api}>
          <App />
        </ApiContext.Provider>,
      );
      const add = await screen.findByRole('button', { name: 'Add' });
      expect(add).toBeEnabled();
      act(() => api.emit('heartbeat', { at: new Date().toISOString() }));
      const loads = () => api.calls.filter((c) => c.name === 'followRepositories').length;
      const before = loads();

      // A core that stops beating (hung, crashed) is found out within CONNECTION_LOST_AFTER_MS.
      await act(() => vi.advanceTimersByTimeAsync(CONNECTION_LOST_AFTER_MS + 1_500));
      expect(screen.getByTestId('connection-banner')).toHaveTextContent(
        'Lost the connection to the server — retrying…',
      );
      expect(screen.getByRole('button', { name: 'Add' })).toBeDisabled();
      expect(screen.getByText('Connection lost')).toBeInTheDocument();

      act(() => api.emit('heartbeat', { at: new Date().toISOString() }));
      await waitFor(() => expect(screen.queryByTestId('connection-banner')).not.toBeInTheDocument());
      expect(screen.getByRole('button', { name: 'Add' })).toBeEnabled();
      await waitFor(() => expect(loads()).toBe(before + 1));
    } finally {
      vi.useRealTimers();
    }
  });
});
