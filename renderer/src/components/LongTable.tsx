import type { FocusEvent, ReactElement } from 'react';
import { TableLayout, Virtualizer } from 'react-aria-components';

/**
 * Above this many rows a table renders only the rows in view: with 500 repositories and 200 clients, the
 * Repositories and Connected clients tables ran every row's and cell's hooks on each list change, and the
 * first render took seconds (issue #17's profile). Below it a table stays a plain table sized to its rows.
 */
export const RENDER_ROWS_IN_VIEW_ABOVE = 100;

/** One line of 13.5 px text with the cells' padding: a virtualised row has a fixed height. */
export const LONG_TABLE_ROW_HEIGHT = 34;

/** One object: a new one at each render laid the table out again. */
const LAYOUT_OPTIONS = { rowHeight: LONG_TABLE_ROW_HEIGHT, headingHeight: LONG_TABLE_ROW_HEIGHT };

/**
 * A table that scrolls in a fixed height and renders the rows in view once it is long; the same Table
 * (roles, aria-rowcount, keyboard navigation, selection) either way. Its element gets the class
 * `long` then, for the scrolling box's CSS. Its columns take the `width` of each Column (fractions of the
 * table, "2fr"), which a short table ignores: its columns fit their content.
 */
export function LongTable({ rows, children }: { rows: number; children: ReactElement }) {
  if (rows <= RENDER_ROWS_IN_VIEW_ABOVE) return children;
  return (
    <div className="long-table" onFocus={showFocusedRow}>
      <Virtualizer layout={TableLayout} layoutOptions={LAYOUT_OPTIONS}>
        {children}
      </Virtualizer>
    </div>
  );
}

/**
 * A row reached by the keyboard beyond the rendered ones (Ctrl+End, Page Down) is rendered and focused
 * a render after the table looked for it to scroll to, and it focuses itself without scrolling: so the
 * table scrolls whatever takes the focus into view here, or the focus would sit out of sight. A
 * virtualised row is a box of no height around its positioned cells, so a cell is what is scrolled to.
 */
function showFocusedRow(event: FocusEvent<HTMLDivElement>) {
  const focused = event.target;
  const cell = focused.closest('[role="gridcell"], [role="rowheader"], [role="columnheader"]');
  const shown =
    cell ?? focused.closest('[role="row"]')?.querySelector('[role="rowheader"], [role="gridcell"]');
  shown?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

/** The class of a table that LongTable may render in view only. */
export const longTableClass = (rows: number) => (rows > RENDER_ROWS_IN_VIEW_ABOVE ? 'table long' : 'table');
