import fs from 'node:fs';
import path from 'node:path';

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
