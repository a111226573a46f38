import { act, render, screen, within } from '@testing-library/react';
import { useEffect, useMemo, useState } from 'react';
import { Cell, Column, Row, Table, TableHeader } from 'react-aria-components';
import { describe, expect, it } from 'vitest';
import { SourcedBody, useItemsSource } from './SourcedBody';

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
