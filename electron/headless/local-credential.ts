import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './cli-io';
import { CONSOLE_TOKEN_FILE, readToken } from './console-token';
import { EXIT } from './exit-codes';

// The CLI's credential for its own running server (ARCHITECTURE §8): the console token file in the data
// directory, which `serve` writes with mode 0600 and keeps only while it is the owner's alone. Reading it
// is the proof of being the same OS user; the token then goes in a request header, never on a command
// line or in an environment variable another process could read.

const posix = process.platform !== 'win32';
const myUid = () => (posix && typeof process.getuid === 'function' ? process.getuid() : null);

function userName(uid: number): string {
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    if (line) return `${line.split(':')[0]} (uid ${uid})`;
  } catch {
    // No passwd file to name the user from: the uid says it.
  }
  return `uid ${uid}`;
}

function refusal(dataDir: string, ownerUid: number): CliError {
  const owner = userName(ownerUid);
  return new CliError(
    `The data directory ${dataDir} belongs to ${owner}, not to ${userName(myUid()!)}: ` +
      `run repo-server as ${owner.split(' ')[0]} (sudo -u, runuser), never beside it as another user.`,
    EXIT.refused,
  );
}

/**
 * Refuses, before anything is opened, a data directory that belongs to another OS user: its files (and a
 * running server's credential) are that user's. A folder that does not exist yet is made by us: fine.
 */
export function refuseOtherUsersDataDir(dataDir: string): void {
  const uid = myUid();
  if (uid === null) return;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    // We cannot even look inside: the folder above is someone else's.
    throw new CliError(
      `The data directory ${dataDir} cannot be read by ${userName(uid)} (${code}): run repo-server as its owner.`,
      EXIT.refused,
    );
  }
  if (stat.uid !== uid) throw refusal(dataDir, stat.uid);
}

/** The running server's token, read from the file only this OS user can read; a clear refusal otherwise. */
export function readLocalCredential(dataDir: string): string {
  const file = path.join(dataDir, CONSOLE_TOKEN_FILE);
  const uid = myUid();
  if (uid !== null) {
    let owner: number | null = null;
    try {
      owner = fs.lstatSync(file).uid;
    } catch {
      // Missing: said below.
    }
    if (owner !== null && owner !== uid) throw refusal(dataDir, owner);
  }
  const kept = readToken(file);
  if ('token' in kept) return kept.token;
  const why =
    kept.problem === 'readable by others'
      ? `${file} is readable by other users, so it is not used as a credential; restart the server (it makes a new one only you can read)`
      : kept.problem === 'first start'
        ? `${file} is missing; restart the server to make it`
        : `${file} is not a token file of this user's`;
  throw new CliError(`Cannot use the running server on ${os.hostname()}: ${why}.`, EXIT.refused);
}
