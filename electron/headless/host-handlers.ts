import type { HostHandlers } from '../shared/contract';
import { AppFailure } from '../shared/result';

const desktopOnly =
  (what: string, instead = 'type the path instead') =>
  async (): Promise<never> => {
    throw new AppFailure('NOT_SUPPORTED', `${what} is only available in the desktop app; ${instead}.`);
  };

/** The headless host has no native pickers or file manager: the UI falls back to path fields. */
export const headlessHostHandlers: HostHandlers = {
  pickFolder: desktopOnly('The folder picker'),
  pickFiles: desktopOnly('The file picker'),
  showInFolder: desktopOnly('Show in folder'),
  saveArchiveItem: desktopOnly('Save…', 'use Download instead'),
  openLogsFolder: desktopOnly('Opening the logs folder'),
  getDesktopSettings: desktopOnly('Launch at login', 'run `repo-server serve` from a system service instead'),
  saveDesktopSettings: desktopOnly(
    'Launch at login',
    'run `repo-server serve` from a system service instead',
  ),
};
