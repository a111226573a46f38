import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RepositoryList, RepositorySummary } from '../../../electron/shared/contract/repositories';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { useRepositories } from './control-panel-data';

// The Repositories list follows numbered changes: whatever arrives (a gap, a change out of order, one
// heard while the list loads, another stream), what shows is never older than what the core said.

const repo = (name: string, connectedClients = 0): RepositorySummary => ({
  name,
  id: `id-${name}`,
  sizeBytes: 4096,
  itemCount: 0,
  revisionCount: 0,
  lastModified: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  connectedClients,
});

function Names() {
  const repositories = useRepositories();
  return (
    <p data-testid="names">
      {repositories.value?.map((r) => `${r.name}:${r.connectedClients}`).join(',') ?? 'loading'}
    </p>
  );
}

function setup(first: RepositoryList) {
  let answer = first;
  let release: (() => void) | null = null;
  let held = false;
  const api = fakeApi({
    followRepositories: async () => {
      // A held load answers what the core has when it is released.
      if (held) await new Promise<void>((r) => (release = r));
      return answer;
    },
  });
  render(
    <ApiContext.Provider value={api}>
      <Names />
    </ApiContext.Provider>,
  );
  const shown = () => screen.getByTestId('names').textContent;
  const loads = () => api.calls.filter((c) => c.name === 'followRepositories').length;
  return {
    api,
    shown,
    loads,
    answer: (next: RepositoryList) => (answer = next),
    hold: () => (held = true),
    release: () => {
      held = false;
      release?.();
    },
  };
}

const list = (seq: number, ...repositories: RepositorySummary[]): RepositoryList => ({
  stream: 'run-1',
  seq,
  repositories,
});

describe('useRepositories follows numbered changes', () => {
  it('applies changes in order: a change, an addition in its place, a removal', async () => {
    const t = setup(list(4, repo('A'), repo('C')));
    await waitFor(() => expect(t.shown()).toBe('A:0,C:0'));
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-1', seq: 5, changed: [repo('C', 2)], removed: [] }),
    );
    await waitFor(() => expect(t.shown()).toBe('A:0,C:2'));
    act(() =>
      t.api.emit('repositoriesChanged', {
        stream: 'run-1',
        seq: 6,
        changed: [repo('B')],
        removed: ['A'],
        order: ['B', 'C'],
      }),
    );
    await waitFor(() => expect(t.shown()).toBe('B:0,C:2'));
    expect(t.loads()).toBe(1);
  });

  it('a missed change loads the list again, and the change after the gap is not applied to the old list', async () => {
    const t = setup(list(1, repo('A'), repo('B')));
    await waitFor(() => expect(t.shown()).toBe('A:0,B:0'));
    // seq 2 (B gets a client) was never heard; seq 3 says A has one.
    t.answer(list(3, repo('A', 1), repo('B', 1)));
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-1', seq: 3, changed: [repo('A', 1)], removed: [] }),
    );
    await waitFor(() => expect(t.shown()).toBe('A:1,B:1'));
    expect(t.loads()).toBe(2);
  });

  it('a change out of order (an older number after a newer) loads again, never shows the older one', async () => {
    const t = setup(list(1, repo('A')));
    await waitFor(() => expect(t.shown()).toBe('A:0'));
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-1', seq: 2, changed: [repo('A', 2)], removed: [] }),
    );
    await waitFor(() => expect(t.shown()).toBe('A:2'));
    t.answer(list(2, repo('A', 2)));
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-1', seq: 2, changed: [repo('A', 1)], removed: [] }),
    );
    await waitFor(() => expect(t.loads()).toBe(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.shown()).toBe('A:2');
  });

  it('changes heard while the list loads: those it includes are dropped, the later ones applied', async () => {
    const t = setup(list(1, repo('A')));
    await waitFor(() => expect(t.shown()).toBe('A:0'));
    t.hold();
    // Another stream: the core restarted, so the list loads again; meanwhile two changes come.
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-2', seq: 1, changed: [repo('A', 1)], removed: [] }),
    );
    await waitFor(() => expect(t.loads()).toBe(2));
    act(() => {
      t.api.emit('repositoriesChanged', { stream: 'run-2', seq: 2, changed: [repo('A', 2)], removed: [] });
      t.api.emit('repositoriesChanged', { stream: 'run-2', seq: 3, changed: [repo('A', 3)], removed: [] });
    });
    t.answer({ stream: 'run-2', seq: 2, repositories: [repo('A', 2)] });
    act(() => t.release());
    await waitFor(() => expect(t.shown()).toBe('A:3'));
    expect(t.loads()).toBe(2);
  });

  it('a payload the contract refuses, or an order naming an unknown repository, loads again', async () => {
    const t = setup(list(1, repo('A')));
    await waitFor(() => expect(t.shown()).toBe('A:0'));
    t.answer(list(5, repo('A', 5)));
    act(() =>
      t.api.emit('repositoriesChanged', { stream: 'run-1', seq: 2, changed: [{ name: 'A' }], removed: [] }),
    );
    await waitFor(() => expect(t.shown()).toBe('A:5'));
    t.answer(list(7, repo('A', 7)));
    act(() =>
      t.api.emit('repositoriesChanged', {
        stream: 'run-1',
        seq: 6,
        changed: [],
        removed: [],
        order: ['A', 'Z'],
      }),
    );
    await waitFor(() => expect(t.shown()).toBe('A:7'));
    expect(t.loads()).toBe(3);
  });
});
