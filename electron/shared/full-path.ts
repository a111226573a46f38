import { z } from 'zod';

// Every path a person types for the server (an archive, an export folder, the backup target) is a full
// path: the server's working directory is nobody's business, so "backups/x.zip" is refused, not
// resolved against it. Stated once; each field gives its own example.

/** `/…` on Linux and macOS; `C:\…`, `C:/…` or `\\server\share` on Windows. */
export const isFullPath = (p: string) =>
  p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');

export const fullPathMessage = (example: string) => `Enter a full path, such as ${example}.`;

/** A required full path: `empty` when nothing was given, else the full-path rule with the example. */
export const fullPath = (empty: string, example: string) =>
  z.string().trim().min(1, empty).refine(isFullPath, fullPathMessage(example));

/** The first problem with a typed path, or null. */
export function fullPathProblem(value: string, empty: string, example: string): string | null {
  const parsed = fullPath(empty, example).safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? fullPathMessage(example));
}

export const ARCHIVE_EXAMPLE = '/var/backups/login_2026-11-22-22-00-00.zip or D:\\Backups\\login.zip';
export const FOLDER_EXAMPLE = '/var/backups/repositories or D:\\Backups';
