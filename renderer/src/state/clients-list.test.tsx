import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ClientList, ClientSession, ClientsChange } from '../../../electron/shared/contract/clients';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { useClients } from './control-panel-data';

// The Connected clients list follows clientsChanged's numbered changes, keyed by session id (two tools
// may share a label): connects, work and disconnects applied in order; anything that does not follow
// (a gap, another stream, a payload the contract refuses) loads the list again, never shows an older one.

const session = (id: string, label: string, operations = 0): ClientSession => ({
  id,
  label,
  address: '127.0.0.1:50000',
  repository: 'Main',
  connectedSince: '2026-01-01T00:00:00.000Z',
  lastActivity: '2026-01-01T00:00:00.000Z',
  operations,
});

function Sessions() {
  const clients = useClients();
  return (
    <p data-testid="sessions">
      {clients.value?.map((c) => `${c.id}:${c.label}:${c.operations}`).join(',') ?? 'loading'}
    </p>
  );
}

function setup(first: ClientList) {
  let answer = first;
  const api = fakeApi({ followClients: async () => answer });
  render(
    <ApiContext.Provider value={api}>
      <Sessions />
    </ApiContext.Provider>,
  );
  return {
    api,
    shown: () => screen.getByTestId('sessions').textContent,
    loads: () => api.calls.filter((c) => c.name === 'followClients').length,
    answer: (next: ClientList) => (answer = next),
    emit: (change: ClientsChange | Record<string, unknown>) => act(() => api.emit('clientsChanged', change)),
  };
}

const list = (seq: number, ...clients: ClientSession[]): ClientList => ({ stream: 'run-1', seq, clients });

describe('useClients follows numbered changes', () => {
  it('a connect, work and a disconnect, by session id: only the sessions that changed travel', async () => {
    const t = setup(list(3, session('a', 'tool'), session('b', 'tool')));
    await waitFor(() => expect(t.shown()).toBe('a:tool:0,b:tool:0'));
    t.emit({
      stream: 'run-1',
      seq: 4,
      changed: [session('c', 'other')],
      removed: [],
      order: ['a', 'b', 'c'],
    });
    await waitFor(() => expect(t.shown()).toBe('a:tool:0,b:tool:0,c:other:0'));
    // b worked: same label as a, yet only b's row changes.
    t.emit({ stream: 'run-1', seq: 5, changed: [session('b', 'tool', 7)], removed: [] });
    await waitFor(() => expect(t.shown()).toBe('a:tool:0,b:tool:7,c:other:0'));
    t.emit({ stream: 'run-1', seq: 6, changed: [], removed: ['a'], order: ['b', 'c'] });
    await waitFor(() => expect(t.shown()).toBe('b:tool:7,c:other:0'));
    expect(t.loads()).toBe(1);
  });

  it('a missed change, or a restarted core, loads the list again', async () => {
    const t = setup(list(1, session('a', 'tool')));
    await waitFor(() => expect(t.shown()).toBe('a:tool:0'));
    // seq 2 (b connected) was never heard; seq 3 says a worked.
    t.answer(list(3, session('a', 'tool', 1), session('b', 'tool')));
    t.emit({ stream: 'run-1', seq: 3, changed: [session('a', 'tool', 1)], removed: [] });
    await waitFor(() => expect(t.shown()).toBe('a:tool:1,b:tool:0'));
    expect(t.loads()).toBe(2);
    // The core restarted: its clients are new sessions, its first change another stream.
    t.answer({ stream: 'run-2', seq: 1, clients: [session('x', 'tool')] });
    t.emit({ stream: 'run-2', seq: 1, changed: [session('x', 'tool')], removed: [], order: ['x'] });
    await waitFor(() => expect(t.shown()).toBe('x:tool:0'));
    expect(t.loads()).toBe(3);
  });

  it('the whole list of the old event shape is refused by the contract: the list loads again', async () => {
    const t = setup(list(1, session('a', 'tool')));
    await waitFor(() => expect(t.shown()).toBe('a:tool:0'));
    t.answer(list(2, session('b', 'tool')));
    t.emit({ clients: [session('b', 'tool')] });
    await waitFor(() => expect(t.shown()).toBe('b:tool:0'));
    expect(t.loads()).toBe(2);
  });
});
