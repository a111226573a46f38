import { act, render, screen, within } from '@testing-library/react';
import { useEffect, useState, type ComponentProps } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import type { RepositorySummary } from '../../../electron/shared/contract/repositories';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { ClientsTable } from './ClientsTable';
import { RepositoriesTable } from './RepositoriesTable';

// The Repositories and Connected clients tables as their values change: a count, a size or a client's
// work shows in its row while the table's collection stays, so react-aria renders no row or cell again
// (it renders every one in view when the collection changes: 57 % of an update at 500, issue #17).

// Every cell the page renders: react-aria calls a cell's className with its state at each render.
const cellRenders = vi.hoisted(() => ({ count: 0 }));
vi.mock('react-aria-components', async (original) => {
  const aria = await original<typeof import('react-aria-components')>();
  const Cell = ({ className, ...props }: ComponentProps<typeof aria.Cell>) => (
    <aria.Cell
      {...props}
      className={(state) => {
        cellRenders.count++;
        return typeof className === 'function' ? className(state) : (className ?? 'react-aria-Cell');
      }}
    />
  );
  return { ...aria, Cell };
});
beforeEach(() => void (cellRenders.count = 0));

const repository = (name: string, connectedClients = 0, itemCount = 1): RepositorySummary => ({
  name,
  id: `id-${name}`,
  sizeBytes: 2048,
  itemCount,
  revisionCount: 1,
  lastModified: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  connectedClients,
});

const session = (id: string, label: string, operations = 0): ClientSession => ({
  id,
  label,
  address: '127.0.0.1:50000',
  repository: 'login',
  connectedSince: new Date().toISOString(),
  lastActivity: new Date().toISOString(),
  operations,
});

/** The text of each cell in the row whose header is `name`. */
function cellsOf(grid: HTMLElement, name: string) {
  const row = within(grid).getByRole('rowheader', { name }).closest('[role="row"]')!;
  return [...row.querySelectorAll('[role="rowheader"], [role="gridcell"]')].map((cell) =>
    cell.textContent?.trim(),
  );
}

const names = (grid: HTMLElement) =>
  within(grid)
    .queryAllByRole('rowheader')
    .map((c) => c.textContent);

let showRepositories: (list: RepositorySummary[]) => void = () => undefined;
// The same handlers at every render, as the App's: new ones render the table again, as they should.
const ignore = () => undefined;

function Repositories({ first }: { first: RepositorySummary[] }) {
  const [value, set] = useState(first);
  useEffect(() => void (showRepositories = set), []);
  return (
    <RepositoriesTable
      repositories={{ value, error: null, reload: ignore }}
      backup={null}
      selected={null}
      onSelect={ignore}
      onOpen={ignore}
    />
  );
}

describe('RepositoriesTable', () => {
  const three = [repository('alpha'), repository('beta', 1), repository('gamma', 2)];

  it('shows a count in its row without rendering any row or cell again', () => {
    render(<Repositories first={three} />);
    const grid = screen.getByRole('grid', { name: 'Repositories' });
    expect(cellsOf(grid, 'beta')).toEqual(['beta', '2.05 KB', '1', '1', 'Not included', 'Never']);
    const before = cellRenders.count;
    act(() => showRepositories([three[0]!, repository('beta', 2, 5), three[2]!]));
    expect(cellsOf(grid, 'beta')).toEqual(['beta', '2.05 KB', '5', '2', 'Not included', 'Never']);
    expect(cellsOf(grid, 'alpha')).toEqual(['alpha', '2.05 KB', '1', '0', 'Not included', 'Never']);
    expect(cellRenders.count - before).toBe(0);
  });

  it('shows rows added, removed and renamed, each with its own current values', () => {
    render(<Repositories first={three} />);
    const grid = screen.getByRole('grid', { name: 'Repositories' });
    // Added, with another row's count changed in the same change.
    act(() => showRepositories([repository('AAA', 4), three[0]!, repository('beta', 3), three[2]!]));
    expect(names(grid)).toEqual(['AAA', 'alpha', 'beta', 'gamma']);
    expect(cellsOf(grid, 'AAA')[3]).toBe('4');
    expect(cellsOf(grid, 'beta')[3]).toBe('3');
    // beta renamed to delta (keeping its values), gamma removed.
    act(() => showRepositories([repository('AAA', 4), three[0]!, repository('delta', 3)]));
    expect(names(grid)).toEqual(['AAA', 'alpha', 'delta']);
    expect(cellsOf(grid, 'delta')[3]).toBe('3');
    // Back to its old name with a count of its own: the values beta had before never show.
    act(() => showRepositories([repository('AAA', 4), three[0]!, repository('beta', 7)]));
    expect(names(grid)).toEqual(['AAA', 'alpha', 'beta']);
    expect(cellsOf(grid, 'beta')[3]).toBe('7');
    expect(within(grid).getAllByRole('row')).toHaveLength(4);
  });

  it('shows the last of changes that come together, never an older one', () => {
    render(<Repositories first={three} />);
    const grid = screen.getByRole('grid', { name: 'Repositories' });
    act(() => {
      showRepositories([three[0]!, repository('beta', 5), three[2]!]);
      showRepositories([three[0]!, repository('beta', 6), three[2]!]);
    });
    expect(cellsOf(grid, 'beta')[3]).toBe('6');
    act(() => showRepositories(three));
    expect(cellsOf(grid, 'beta')[3]).toBe('1');
  });
});

let showClients: (list: ClientSession[]) => void = () => undefined;

function Clients({ first }: { first: ClientSession[] }) {
  const [value, set] = useState(first);
  useEffect(() => void (showClients = set), []);
  return (
    <ApiContext.Provider value={fakeApi({})}>
      <ClientsTable clients={{ value, error: null, reload: ignore }} />
    </ApiContext.Provider>
  );
}

describe('ClientsTable', () => {
  const two = [session('a', 'tool 1', 3), session('b', 'tool 2', 4)];

  it("shows a client's work in its row without rendering any row or cell again", () => {
    render(<Clients first={two} />);
    const grid = screen.getByRole('grid', { name: 'Connected clients' });
    expect(cellsOf(grid, 'tool 2')[5]).toBe('4');
    const before = cellRenders.count;
    act(() => showClients([two[0]!, { ...two[1]!, operations: 9 }]));
    expect(cellsOf(grid, 'tool 2')[5]).toBe('9');
    expect(cellsOf(grid, 'tool 1')[5]).toBe('3');
    expect(cellRenders.count - before).toBe(0);
  });

  it('shows clients that connect and leave with their own values', () => {
    render(<Clients first={two} />);
    const grid = screen.getByRole('grid', { name: 'Connected clients' });
    act(() => showClients([...two, session('c', 'tool 3', 1)]));
    expect(names(grid)).toEqual(['tool 1', 'tool 2', 'tool 3']);
    expect(cellsOf(grid, 'tool 3')[5]).toBe('1');
    act(() => showClients([two[1]!, session('c', 'tool 3', 2)]));
    expect(names(grid)).toEqual(['tool 2', 'tool 3']);
    expect(cellsOf(grid, 'tool 3')[5]).toBe('2');
    expect(within(grid).getByRole('button', { name: 'Disconnect tool 3' })).toBeEnabled();
  });
});
