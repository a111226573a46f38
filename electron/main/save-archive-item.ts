import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Dialog } from 'electron';
import { describeFsError } from '../core/backup/fs-errors';
import type { TargetFs } from '../core/backup/target-fs';
import type { CoreHandlers, HostHandlers } from '../shared/contract';
import { AppFailure } from '../shared/result';
import { shownText } from '../shared/shown-text';

// Save… in the Backups dialog's item preview (ARCHITECTURE §6): the native save dialog picks the file and
// this process writes it — the bytes go from the core's copy of the backup to the disk, never through the
// renderer. Through a file agent, as every user-chosen path (the folder may be a share that stops
// answering), and atomically: a temporary name beside it, synced, then renamed over the chosen name.

/** Bytes per write sent to the agent. */
const CHUNK = 1024 * 1024;

export interface SaveArchiveItemDeps {
  dialog: Pick<Dialog, 'showSaveDialog'>;
  /** The core's reading of one item of a backup (its checked copy of the archive). */
  itemContent: CoreHandlers['getArchiveItemContent'];
  /** A file agent for the chosen folder; closed after the save. */
  openFiles: () => TargetFs;
}

export function saveArchiveItemHandler(deps: SaveArchiveItemDeps): HostHandlers['saveArchiveItem'] {
  return async ({ file, path: itemPath }) => {
    // Read first: an item the backup does not hold fails before a dialog is shown.
    const content = await deps.itemContent({ file, path: itemPath });
    const bytes = Buffer.from(content.base64, 'base64');
    const picked = await deps.dialog.showSaveDialog({
      title: `Save ${shownText(itemPath)}`,
      defaultPath: path.posix.basename(itemPath) || 'item',
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (picked.canceled || !picked.filePath) return null;
    const target = picked.filePath;
    if (!path.isAbsolute(target))
      throw new AppFailure(
        'INVALID_ARGUMENT',
        `"${shownText(target, { max: 300 })}" is not a full path to save to.`,
      );
    const folder = path.dirname(target);
    const temp = path.join(folder, `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`);
    const files = deps.openFiles();
    try {
      const out = await files.open(temp, 'wx');
      try {
        for (let at = 0; at < bytes.length; at += CHUNK) await out.write(bytes.subarray(at, at + CHUNK), at);
        await out.fsync();
      } finally {
        await out.close();
      }
      await files.rename(temp, target); // the dialog asked before replacing a file of that name
      await files.syncFolder(folder);
    } catch (error) {
      await files.unlink(temp).catch(() => {}); // nothing half-written is left under any name
      const why = describeFsError(error, folder);
      throw new AppFailure(
        why.code,
        `Could not save ${shownText(itemPath)} as ${shownText(target, { max: 300 })}: ${why.message}`,
      );
    } finally {
      files.close();
    }
    return { path: itemPath, file: target, sizeBytes: bytes.length };
  };
}
