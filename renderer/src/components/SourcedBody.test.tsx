import { act, render, screen, within } from '@testing-library/react';
import { useEffect, useMemo, useState } from 'react';
import { Cell, Column, Row, Table, TableHeader } from 'react-aria-components';
import { describe, expect, it } from 'vitest';
import { RowValue, SourcedBody, useItemsSource, useRowValues } from './SourcedBody';

// A table kept by useMemo while only its rows change: the body alone takes the new rows.

interface Item {
  id: string;
  label: string;
}

let setItems: (items: Item[]) => void = () => undefined;
let tableRenders = 0;
const countTableRender = () => void tableRenders++;

function Kept() {
  const [items, set] = useState<Item[]>([{ id: 'a', label: 'alpha' }]);
  useEffect(() => {
    setItems = set;
  }, []);
  const source = useItemsSource(items);
  const table = useMemo(() => {
    countTableRender();
    return (
      <Table aria-label="Kept">
        <TableHeader>
          <Column isRowHeader>Label</Column>
        </TableHeader>
        <SourcedBody source={source}>
          {(item) => (
            <Row id={item.id}>
              <Cell>{item.label}</Cell>
            </Row>
          )}
        </SourcedBody>
      </Table>
    );
  }, [source]);
  return table;
}

describe('SourcedBody', () => {
  it('shows new rows, changed rows and removals while the table element stays the same', () => {
    render(<Kept />);
    const grid = screen.getByRole('grid', { name: 'Kept' });
    expect(within(grid).getByText('alpha')).toBeInTheDocument();
    act(() =>
      setItems([
        { id: 'a', label: 'alpha' },
        { id: 'b', label: 'beta' },
      ]),
    );
    expect(within(grid).getByText('beta')).toBeInTheDocument();
    act(() => setItems([{ id: 'b', label: 'beta 2' }]));
    expect(within(grid).queryByText('alpha')).not.toBeInTheDocument();
    expect(within(grid).getByText('beta 2')).toBeInTheDocument();
    expect(within(grid).getAllByRole('row')).toHaveLength(2);
    expect(tableRenders).toBe(1);
  });
});

// A table whose rows are their ids alone and whose counts are row values: what each count shows.

let setCounts: (counts: Array<{ id: string; count: number }>) => void = () => undefined;
const shown: string[] = [];
const firstCounts = [
  { id: 'a', count: 1 },
  { id: 'b', count: 2 },
];

function Counted() {
  const [counts, set] = useState(firstCounts);
  useEffect(() => {
    setCounts = set;
  }, []);
  const values = useRowValues(counts);
  const source = useItemsSource(useMemo(() => [{ id: 'a' }, { id: 'b' }], []));
  return useMemo(
    () => (
      <Table aria-label="Counted">
        <TableHeader>
          <Column isRowHeader>Id</Column>
          <Column>Count</Column>
        </TableHeader>
        <SourcedBody source={source}>
          {(item) => (
            <Row id={item.id}>
              <Cell>{item.id}</Cell>
              <Cell>
                <RowValue values={values} id={item.id}>
                  {(v) => {
                    shown.push(`${v.id}=${v.count}`);
                    return v.count;
                  }}
                </RowValue>
              </Cell>
            </Row>
          )}
        </SourcedBody>
      </Table>
    ),
    [source, values],
  );
}

describe('RowValue', () => {
  it("shows a row's new value, rendering that row's value alone", () => {
    render(<Counted />);
    const grid = screen.getByRole('grid', { name: 'Counted' });
    expect(shown).toEqual(['a=1', 'b=2']);
    shown.length = 0;
    // a keeps its value object (as useStableItems keeps an unchanged one): its cell does not render.
    act(() => setCounts([firstCounts[0]!, { id: 'b', count: 3 }]));
    expect(within(grid).getByText('3')).toBeInTheDocument();
    expect(within(grid).queryByText('2')).not.toBeInTheDocument();
    expect(shown).toEqual(['b=3']);
  });
});
