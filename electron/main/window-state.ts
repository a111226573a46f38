import { z } from 'zod';
import type { BrowserWindow, Rectangle } from 'electron';

// The main window reopens where the user left it, as long as that place is still on a screen.

export const WindowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(1).max(100_000),
  height: z.number().int().min(1).max(100_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

export const DEFAULT_SIZE = { width: 1200, height: 800 };
export const MIN_SIZE = { width: 800, height: 560 };

/** Enough of the title bar must be on a screen to grab it. */
const VISIBLE = { width: 120, height: 40 };

function overlaps(a: Rectangle, b: Rectangle): boolean {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width >= VISIBLE.width && height >= VISIBLE.height;
}

/**
 * The bounds to open with: the saved ones when they are valid and reachable on one of today's
 * screens; else the saved size (fitted to the primary screen) centred by the OS; else the default.
 */
export function restoreWindowState(saved: unknown, workAreas: Rectangle[]): WindowState {
  const parsed = WindowState.safeParse(saved);
  if (!parsed.success) return { ...DEFAULT_SIZE, maximized: false };
  const { x, y, maximized } = parsed.data;
  // Fitted to the screen it was on, or to the primary one where the OS will centre it.
  const fitTo = (area: Rectangle | undefined) => ({
    width: Math.max(MIN_SIZE.width, Math.min(parsed.data.width, area?.width ?? Infinity)),
    height: Math.max(MIN_SIZE.height, Math.min(parsed.data.height, area?.height ?? Infinity)),
  });
  if (x !== undefined && y !== undefined) {
    const home = workAreas.find((area) => {
      const { width } = fitTo(area);
      return overlaps({ x, y, width, height: VISIBLE.height }, area);
    });
    if (home) return { x, y, ...fitTo(home), maximized };
  }
  return { ...fitTo(workAreas[0]), maximized };
}

type TrackedWindow = Pick<BrowserWindow, 'on' | 'getNormalBounds' | 'isMaximized' | 'isMinimized'>;

/** Saves the window's normal bounds when it moves or resizes (debounced) and when it closes. */
export function trackWindowState(
  window: TrackedWindow,
  save: (state: WindowState) => void,
  schedule: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: never): void } = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle),
  },
): void {
  let pending: unknown;
  const saveNow = () => {
    if (window.isMinimized()) return;
    const { x, y, width, height } = window.getNormalBounds();
    save({ x, y, width, height, maximized: window.isMaximized() });
  };
  const saveSoon = () => {
    if (pending !== undefined) schedule.clearTimeout(pending as never);
    pending = schedule.setTimeout(() => {
      pending = undefined;
      saveNow();
    }, 500);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const)
    window.on(event as 'resize', saveSoon);
  window.on('close', saveNow);
}
