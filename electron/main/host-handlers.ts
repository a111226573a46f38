import fs from 'node:fs';
import path from 'node:path';
import type { Dialog, Shell } from 'electron';
import type { HostHandlers } from '../shared/contract';
import { AppFailure } from '../shared/result';
import type { DesktopSettingsStore } from './desktop-settings';
import { saveArchiveItemHandler, type SaveArchiveItemDeps } from './save-archive-item';

/** Native pickers, the file manager, Save… and the desktop settings, behind the contract's host methods. */
export function desktopHostHandlers(deps: {
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  itemContent: SaveArchiveItemDeps['itemContent'];
  openFiles: SaveArchiveItemDeps['openFiles'];
  shell: Pick<Shell, 'showItemInFolder' | 'openPath'>;
  logsDir: string;
  desktopSettings: DesktopSettingsStore;
}): HostHandlers {
  return {
    pickFolder: async ({ title, defaultPath }) => {
      const result = await deps.dialog.showOpenDialog({
        title: title ?? 'Choose a folder',
        defaultPath,
        properties: ['openDirectory', 'createDirectory'],
      });
      return result.canceled ? null : result.filePaths;
    },
    pickFiles: async ({ title, defaultPath, multiple, filters }) => {
      const result = await deps.dialog.showOpenDialog({
        title: title ?? 'Choose files',
        defaultPath,
        filters,
        properties: multiple ? ['openFile', 'multiSelections'] : ['openFile'],
      });
      return result.canceled ? null : result.filePaths;
    },
    showInFolder: async ({ path: file }) => {
      // The file manager says nothing when a path is wrong, so we do.
      if (!path.isAbsolute(file)) {
        throw new AppFailure('INVALID_ARGUMENT', `"${file}" is not a full path to a file.`);
      }
      if (!fs.existsSync(file)) {
        throw new AppFailure('NOT_FOUND', `${file} no longer exists; it may have been moved or deleted.`);
      }
      deps.shell.showItemInFolder(file);
      return null;
    },
    saveArchiveItem: saveArchiveItemHandler(deps),
    openLogsFolder: async () => {
      fs.mkdirSync(deps.logsDir, { recursive: true });
      const error = await deps.shell.openPath(deps.logsDir);
      if (error) throw new AppFailure('INTERNAL', `Could not open ${deps.logsDir}: ${error}`);
      return null;
    },
    getDesktopSettings: async () => deps.desktopSettings.get(),
    saveDesktopSettings: async (patch) => deps.desktopSettings.save(patch),
  };
}
