import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { useClients } from './control-panel-data';

// Event values are set in a transition (a connect's 500 summaries must not hold back its client's row):
// whatever order renders come in, what shows is the newest value, never an older one.

const session = (label: string): ClientSession => ({
  id: label,
  label,
  address: '127.0.0.1:50000',
  repository: 'Main',
  connectedSince: new Date().toISOString(),
  lastActivity: new Date().toISOString(),
  operations: 0,
});

function Labels() {
  const clients = useClients();
  return <p data-testid="labels">{clients.value?.map((c) => c.label).join(',') ?? 'loading'}</p>;
}

describe('useLive with event values in transitions', () => {
  it('shows the last of a burst of events, and a reload that answers after an event wins', async () => {
    let answer: ClientSession[] = [session('loaded')];
    const api = fakeApi({ listClients: async () => answer });
    const { rerender } = render(
      <ApiContext.Provider value={api}>
        <Labels />
      </ApiContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('labels').textContent).toBe('loaded'));
    act(() => {
      for (let i = 1; i <= 20; i++)
        api.emit('clientsChanged', { clients: Array.from({ length: i }, (_, k) => session(`c${k + 1}`)) });
    });
    await waitFor(() =>
      expect(screen.getByTestId('labels').textContent).toBe(
        Array.from({ length: 20 }, (_, k) => `c${k + 1}`).join(','),
      ),
    );
    // An event, then a load (after a reconnection) with what came later: the load's value stays.
    answer = [session('after')];
    act(() => api.emit('clientsChanged', { clients: [session('before')] }));
    rerender(
      <ApiContext.Provider value={{ ...api }}>
        <Labels />
      </ApiContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('labels').textContent).toBe('after'));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId('labels').textContent).toBe('after');
  });
});
