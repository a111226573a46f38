import { useState } from 'react';
import { Button, Label, ListBox, ListBoxItem, type Selection } from 'react-aria-components';

interface TwoListPickerProps {
  /** Every choice, in the order both lists show them. */
  all: string[];
  chosen: string[];
  onChange(chosen: string[]): void;
  availableLabel: string;
  chosenLabel: string;
  error?: string | null;
}

const keysOf = (selection: Selection, items: string[]): string[] =>
  selection === 'all' ? items : items.filter((item) => selection.has(item));

/**
 * Two lists and the `>` `>>` `<` `<<` buttons between them, as in the reference control panel. Click,
 * Ctrl/Shift+click and the arrow keys select; double-click or Enter moves the item to the other side.
 */
export function TwoListPicker({
  all,
  chosen,
  onChange,
  availableLabel,
  chosenLabel,
  error,
}: TwoListPickerProps) {
  // A chosen name that is not in `all` any more (deleted meanwhile) still shows, so it can be removed.
  const right = [...all.filter((n) => chosen.includes(n)), ...chosen.filter((n) => !all.includes(n))];
  const left = all.filter((n) => !chosen.includes(n));
  const [leftSelection, setLeftSelection] = useState<Selection>(new Set());
  const [rightSelection, setRightSelection] = useState<Selection>(new Set());
  const leftPicked = keysOf(leftSelection, left);
  const rightPicked = keysOf(rightSelection, right);

  const add = (names: string[]) => {
    if (names.length === 0) return;
    onChange([...right, ...names.filter((n) => !right.includes(n))].sort(byOrderIn(all)));
    setLeftSelection(new Set());
  };
  const remove = (names: string[]) => {
    if (names.length === 0) return;
    onChange(right.filter((n) => !names.includes(n)));
    setRightSelection(new Set());
  };

  return (
    <div className="two-list" role="group" aria-label={`${availableLabel} and ${chosenLabel}`}>
      <div className="two-list-side">
        <Label id="two-list-left-label">{availableLabel}</Label>
        <ListBox
          aria-labelledby="two-list-left-label"
          className="listbox"
          items={left.map((name) => ({ name }))}
          selectionMode="multiple"
          selectionBehavior="replace"
          selectedKeys={leftSelection}
          onSelectionChange={setLeftSelection}
          onAction={(key) => add([String(key)])}
          renderEmptyState={() => <span className="listbox-empty">None</span>}
        >
          {(item) => (
            <ListBoxItem id={item.name} className="listbox-item" textValue={item.name}>
              {item.name}
            </ListBoxItem>
          )}
        </ListBox>
      </div>
      <div className="two-list-buttons">
        <Button
          className="button move"
          aria-label="Include the selected"
          isDisabled={leftPicked.length === 0}
          onPress={() => add(leftPicked)}
        >
          &gt;
        </Button>
        <Button
          className="button move"
          aria-label="Include all"
          isDisabled={left.length === 0}
          onPress={() => add(left)}
        >
          &gt;&gt;
        </Button>
        <Button
          className="button move"
          aria-label="Leave out the selected"
          isDisabled={rightPicked.length === 0}
          onPress={() => remove(rightPicked)}
        >
          &lt;
        </Button>
        <Button
          className="button move"
          aria-label="Leave out all"
          isDisabled={right.length === 0}
          onPress={() => remove(right)}
        >
          &lt;&lt;
        </Button>
      </div>
      <div className="two-list-side">
        <Label id="two-list-right-label">{chosenLabel}</Label>
        <ListBox
          aria-labelledby="two-list-right-label"
          aria-describedby={error ? 'two-list-error' : undefined}
          className="listbox"
          items={right.map((name) => ({ name }))}
          selectionMode="multiple"
          selectionBehavior="replace"
          selectedKeys={rightSelection}
          onSelectionChange={setRightSelection}
          onAction={(key) => remove([String(key)])}
          renderEmptyState={() => <span className="listbox-empty">None</span>}
        >
          {(item) => (
            <ListBoxItem id={item.name} className="listbox-item" textValue={item.name}>
              {item.name}
            </ListBoxItem>
          )}
        </ListBox>
        {error && (
          <p id="two-list-error" className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

const byOrderIn = (all: string[]) => (a: string, b: string) => {
  const ia = all.indexOf(a);
  const ib = all.indexOf(b);
  return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
};
