import type { Dialog, Shell } from 'electron';
import type { HostHandlers } from '../shared/contract';

/** Native pickers and the file manager, behind the contract's host methods. */
export function desktopHostHandlers(deps: {
  dialog: Pick<Dialog, 'showOpenDialog'>;
  shell: Pick<Shell, 'showItemInFolder' | 'openPath'>;
  logsDir: string;
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
    showInFolder: async ({ path }) => {
      deps.shell.showItemInFolder(path);
      return null;
    },
    openLogsFolder: async () => {
      await deps.shell.openPath(deps.logsDir);
      return null;
    },
  };
}
