import fs from 'node:fs';
import path from 'node:path';
import log from 'electron-log/main';

export const LOG_FILE = 'main.log';
export const LOG_MAX_BYTES = 5 * 1024 * 1024;
export const LOG_FILES_KEPT = 5;

/**
 * Shifts `main.log` → `main.1.log` → … → `main.<keep>.log`, dropping the oldest, so a long-running
 * tray app keeps a bounded history (electron-log itself keeps only one old file).
 */
export function rotateLogFiles(current: string, keep: number = LOG_FILES_KEPT): void {
  const { dir, name, ext } = path.parse(current);
  const numbered = (n: number) => path.join(dir, `${name}.${n}${ext}`);
  fs.rmSync(numbered(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    if (fs.existsSync(numbered(n))) fs.renameSync(numbered(n), numbered(n + 1));
  }
  fs.renameSync(current, numbered(1));
}

/** The main process logs to a rotating file in the app's logs folder; uncaught errors go there too. */
export function setUpLogging(logsDir: string) {
  fs.mkdirSync(logsDir, { recursive: true });
  log.transports.file.resolvePathFn = () => path.join(logsDir, LOG_FILE);
  log.transports.file.maxSize = LOG_MAX_BYTES;
  log.transports.file.archiveLogFn = (file) => {
    try {
      rotateLogFiles(file.path);
    } catch {
      // A locked file (Windows) must not stop logging: electron-log then keeps writing to it.
    }
  };
  log.errorHandler.startCatching({ showDialog: false });
  return log;
}
