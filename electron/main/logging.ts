import fs from 'node:fs';
import path from 'node:path';
import log from 'electron-log/main';
import { rotateLogFiles } from './log-rotation';

export const LOG_FILE = 'main.log';
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

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
