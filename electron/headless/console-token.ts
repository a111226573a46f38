import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The web console's token (ARCHITECTURE §8) is kept per data directory, so the URL a person bookmarked
// keeps working after a restart. It is a file only its owner can read; `serve --new-token` replaces it.

export const CONSOLE_TOKEN_FILE = 'console-token';
const TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

export interface ConsoleToken {
  token: string;
  /** Why a new token was made now, for one line at start; null when the kept one is used. */
  madeBecause: 'first start' | 'asked for' | 'unreadable' | 'readable by others' | null;
}

const posix = process.platform !== 'win32';

function writeToken(file: string): string {
  const token = randomBytes(32).toString('base64url');
  // A temp file made only-ours from the start, then renamed over: never a moment with a readable token.
  const temp = `${file}.${process.pid}.tmp`;
  fs.rmSync(temp, { force: true });
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, `${token}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  return token;
}

/** The kept token, or the reason it cannot be used (a link, someone else's, readable by others). */
export function readToken(file: string): { token: string } | { problem: ConsoleToken['madeBecause'] } {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { problem: 'first start' };
  }
  if (!stat.isFile()) return { problem: 'unreadable' };
  if (posix && typeof process.getuid === 'function' && stat.uid !== process.getuid())
    return { problem: 'unreadable' };
  // Readable by others: it may have been read; a new one is safer than making the old one private.
  if (posix && (stat.mode & 0o077) !== 0) return { problem: 'readable by others' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return { problem: 'unreadable' };
  }
  return TOKEN.test(text) ? { token: text } : { problem: 'unreadable' };
}

/** The console token of a data directory: the kept one, or a new one (first start, `--new-token`, or a bad file). */
export function consoleToken(dataDir: string, options: { renew?: boolean } = {}): ConsoleToken {
  const file = path.join(dataDir, CONSOLE_TOKEN_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  if (options.renew) return { token: writeToken(file), madeBecause: 'asked for' };
  const kept = readToken(file);
  if ('token' in kept) return { token: kept.token, madeBecause: null };
  if (kept.problem !== 'first start') fs.rmSync(file, { force: true, recursive: true });
  return { token: writeToken(file), madeBecause: kept.problem };
}
