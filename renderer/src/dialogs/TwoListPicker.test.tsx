import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TwoListPicker } from './TwoListPicker';

function Harness({ initial = [] as string[] }) {
  const [chosen, setChosen] = useState(initial);
  return (
    <TwoListPicker
      all={['alpha', 'beta', 'gamma', 'delta']}
      chosen={chosen}
      onChange={setChosen}
      availableLabel="Not backed up"
      chosenLabel="Backed up automatically"
    />
  );
}

const names = (label: string) =>
  within(screen.getByRole('listbox', { name: label }))
    .queryAllByRole('option')
    .filter((o) => o.hasAttribute('data-key')) // not the "None" placeholder of an empty list
    .map((o) => o.textContent);
const left = () => names('Not backed up');
const right = () => names('Backed up automatically');
const option = (list: string, name: string) =>
  within(screen.getByRole('listbox', { name: list })).getByRole('option', { name });

describe('TwoListPicker', () => {
  it('> moves the selected items, several at once with Ctrl+click', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(option('Not backed up', 'beta'));
    await user.keyboard('{Control>}');
    await user.click(option('Not backed up', 'delta'));
    await user.keyboard('{/Control}');
    await user.click(screen.getByRole('button', { name: 'Include the selected' }));
    expect(right()).toEqual(['beta', 'delta']);
    expect(left()).toEqual(['alpha', 'gamma']);
  });

  it('>> moves everything and << moves everything back', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole('button', { name: 'Include all' }));
    expect(right()).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(left()).toEqual([]);
    expect(screen.getByRole('button', { name: 'Include all' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Leave out all' }));
    expect(left()).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(right()).toEqual([]);
  });

  it('< moves the selected back, keeping the original order', async () => {
    const user = userEvent.setup();
    render(<Harness initial={['alpha', 'gamma']} />);
    expect(screen.getByRole('button', { name: 'Leave out the selected' })).toBeDisabled();
    await user.click(option('Backed up automatically', 'alpha'));
    await user.click(screen.getByRole('button', { name: 'Leave out the selected' }));
    expect(left()).toEqual(['alpha', 'beta', 'delta']);
    expect(right()).toEqual(['gamma']);
  });

  it('a double-click moves one item to the other side', async () => {
    const user = userEvent.setup();
    render(<Harness initial={['beta']} />);
    await user.dblClick(option('Not backed up', 'gamma'));
    expect(right()).toEqual(['beta', 'gamma']);
    await user.dblClick(option('Backed up automatically', 'beta'));
    expect(right()).toEqual(['gamma']);
    expect(left()).toEqual(['alpha', 'beta', 'delta']);
  });

  it('works from the keyboard: Shift+arrow selects a range, > moves it, Enter moves one', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.tab(); // into the left list, on its first item
    expect(option('Not backed up', 'alpha')).toHaveFocus();
    await user.keyboard('{Shift>}{ArrowDown}{/Shift}'); // alpha and beta
    await user.tab(); // to the > button
    expect(document.activeElement).toHaveAccessibleName('Include the selected');
    await user.keyboard('{Enter}');
    expect(right()).toEqual(['alpha', 'beta']);
    await user.click(option('Not backed up', 'delta'));
    await user.keyboard('{Enter}');
    expect(right()).toEqual(['alpha', 'beta', 'delta']);
    expect(left()).toEqual(['gamma']);
  });
});
