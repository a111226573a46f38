import path from 'node:path';
import type { Menu, NativeImage, Tray } from 'electron';
import type { ShellState } from './shell-state';
import {
  trayIconState,
  trayMenuTemplate,
  trayTooltip,
  type TrayActions,
  type TrayIconState,
} from './tray-view';

export interface TrayDeps {
  Tray: new (
    image: NativeImage,
  ) => Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'on' | 'destroy'>;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  nativeImage: { createFromPath(path: string): NativeImage };
  /** The folder with `<state>.png` and `<state>@2x.png` (Electron picks the @2x file on HiDPI). */
  iconDir: string;
  actions: TrayActions;
  now: () => number;
}

/** The tray icon: its image, tooltip and menu follow the shell state given to `render`. */
export function createTray(deps: TrayDeps) {
  const images = new Map<TrayIconState, NativeImage>();
  const image = (state: TrayIconState) => {
    let found = images.get(state);
    if (!found) {
      found = deps.nativeImage.createFromPath(path.join(deps.iconDir, `${state}.png`));
      images.set(state, found);
    }
    return found;
  };

  const tray = new deps.Tray(image('idle'));
  // Windows and macOS: a click opens the panel; Linux shows the menu (its trays send no clicks).
  tray.on('click', () => deps.actions.openControlPanel());
  let shown: TrayIconState = 'idle';

  return {
    render(state: ShellState): void {
      const now = deps.now();
      const icon = trayIconState(state);
      if (icon !== shown) {
        tray.setImage(image(icon));
        shown = icon;
      }
      tray.setToolTip(trayTooltip(state, now));
      tray.setContextMenu(deps.Menu.buildFromTemplate(trayMenuTemplate(state, deps.actions, now)));
    },
    destroy(): void {
      tray.destroy();
    },
  };
}
