import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../../electron/shared/contract/clients';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { useServerStatus } from './control-panel-data';

// Event values are set in a transition (a connect's 500 summaries must not hold back its client's row):
// whatever order renders come in, what shows is the newest value, never an older one. (clientsChanged,
// which this test played before, now carries numbered changes: followed-list.test.tsx, clients-list.test.tsx.)

const status = (host: string): ServerStatus => ({
  state: 'running',
  host,
  port: 53400,
  addresses: [],
  startedAt: new Date().toISOString(),
  sessionCount: 0,
  accessTokenRequiredFrom: 'other-machines',
  lastError: null,
});

function Host() {
  const server = useServerStatus();
  return <p data-testid="host">{server.value?.host ?? 'loading'}</p>;
}

describe('useLive with event values in transitions', () => {
  it('shows the last of a burst of events, and a reload that answers after an event wins', async () => {
    let answer = status('loaded');
    const api = fakeApi({ getServerStatus: async () => answer });
    const { rerender } = render(
      <ApiContext.Provider value={api}>
        <Host />
      </ApiContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('host').textContent).toBe('loaded'));
    act(() => {
      for (let i = 1; i <= 20; i++) api.emit('serverStateChanged', status(`h${i}`));
    });
    await waitFor(() => expect(screen.getByTestId('host').textContent).toBe('h20'));
    // An event, then a load (after a reconnection) with what came later: the load's value stays.
    answer = status('after');
    act(() => api.emit('serverStateChanged', status('before')));
    rerender(
      <ApiContext.Provider value={{ ...api }}>
        <Host />
      </ApiContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('host').textContent).toBe('after'));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId('host').textContent).toBe('after');
  });
});
