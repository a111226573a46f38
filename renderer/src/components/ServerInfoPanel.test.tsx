import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiContext } from '../api/context';
import { ServerInfoPanel } from './ServerInfoPanel';
import { fakeApi } from '../testing/fake-api';

describe('ServerInfoPanel', () => {
  it('shows the server info the contract answers', async () => {
    const api = fakeApi({
      getServerInfo: async () => ({
        appName: 'Repository Server',
        version: '9.9.9',
        dataDir: '/srv/repo',
        hostname: 'build-01',
        platform: 'linux',
        startedAt: '2026-11-22T10:00:00.000+00:00',
        host: 'headless',
      }),
    });
    render(
      <ApiContext.Provider value={api}>
        <ServerInfoPanel />
      </ApiContext.Provider>,
    );
    expect(await screen.findByText('/srv/repo')).toBeInTheDocument();
    expect(screen.getByText('build-01')).toBeInTheDocument();
  });

  it('shows the core’s message when the call fails', async () => {
    const api = fakeApi({}, { getServerInfo: { code: 'INTERNAL', message: 'The core is not running.' } });
    render(
      <ApiContext.Provider value={api}>
        <ServerInfoPanel />
      </ApiContext.Provider>,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('The core is not running.');
  });
});
