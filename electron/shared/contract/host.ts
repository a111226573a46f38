import { z } from 'zod';
import { ArchiveFile } from './archives';
import { ItemPathArg } from './catalog';
import { method } from './define';

// Methods the host answers rather than the core: native pickers and the file manager exist only in the
// desktop app; the headless web host answers NOT_SUPPORTED and the UI falls back to its path fields.

export const PickFolderInput = z.object({
  title: z.string().max(200).optional(),
  defaultPath: z.string().optional(),
});
export const PickFilesInput = z.object({
  title: z.string().max(200).optional(),
  defaultPath: z.string().optional(),
  multiple: z.boolean().default(true),
  /** e.g. [{name: 'Backups', extensions: ['zip']}] */
  filters: z.array(z.object({ name: z.string(), extensions: z.array(z.string()) })).optional(),
});
/** null when the user cancelled the picker. */
export const PickedPaths = z.array(z.string()).nullable();

/** The desktop app's own preferences (the Settings dialog shows them only when the host is electron). */
export const DesktopSettings = z.object({
  /** Start with the system, straight to the tray (`--hidden`). */
  launchAtLogin: z.boolean(),
  /** Notify after a successful backup too, not only after a failed one. */
  notifyOnSuccess: z.boolean(),
});
export type DesktopSettings = z.infer<typeof DesktopSettings>;

/** Where a saved item went; null when the user cancelled the save dialog. */
export const SavedItem = z
  .object({ path: z.string(), file: z.string(), sizeBytes: z.number().int() })
  .nullable();

export const hostMethods = {
  pickFolder: method(PickFolderInput, PickedPaths, 'Open the native folder picker (desktop app only).'),
  pickFiles: method(PickFilesInput, PickedPaths, 'Open the native file picker (desktop app only).'),
  showInFolder: method(z.object({ path: z.string().min(1) }), z.null(), 'Reveal a file in the file manager.'),
  saveArchiveItem: method(
    z.object({ file: ArchiveFile, path: ItemPathArg }),
    SavedItem,
    'Save one item of a backup to a file chosen in the native save dialog, written by the app (desktop app only; the web console downloads it).',
  ),
  openLogsFolder: method(z.object({}).optional(), z.null(), "Open the app's logs folder."),
  getDesktopSettings: method(
    z.object({}).strict().optional(),
    DesktopSettings,
    'Launch at login and success notifications (desktop app only).',
  ),
  saveDesktopSettings: method(
    DesktopSettings.partial(),
    DesktopSettings,
    'Change launch at login and/or success notifications (desktop app only); answers the new values.',
  ),
};

export type HostMethodName = keyof typeof hostMethods;
export const hostMethodNames = Object.keys(hostMethods) as HostMethodName[];
