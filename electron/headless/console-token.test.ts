import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN_FILE, consoleToken } from './console-token';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-token-'));
  dirs.push(dir);
  return dir;
};
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('the console token kept per data directory', () => {
  it('is made on the first start in a file only its owner can read, then kept; --new-token replaces it', () => {
    const dir = dataDir();
    const first = consoleToken(dir);
    expect(first).toMatchObject({ madeBecause: 'first start', token: expect.stringMatching(/^[\w-]{43}$/) });
    const file = path.join(dir, CONSOLE_TOKEN_FILE);
    expect(mode(file)).toBe(0o600);
    expect(consoleToken(dir)).toEqual({ token: first.token, madeBecause: null });
    const renewed = consoleToken(dir, { renew: true });
    expect(renewed.madeBecause).toBe('asked for');
    expect(renewed.token).not.toBe(first.token);
    expect(consoleToken(dir).token).toBe(renewed.token);
    expect(mode(file)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual([CONSOLE_TOKEN_FILE]);
  });

  it('a token file others could read is replaced, not trusted', () => {
    const dir = dataDir();
    const old = consoleToken(dir).token;
    fs.chmodSync(path.join(dir, CONSOLE_TOKEN_FILE), 0o644);
    const next = consoleToken(dir);
    expect(next.madeBecause).toBe('readable by others');
    expect(next.token).not.toBe(old);
    expect(mode(path.join(dir, CONSOLE_TOKEN_FILE))).toBe(0o600);
  });

  it('a link or garbage in its place is replaced, and the link target is not touched', () => {
    const dir = dataDir();
    const target = path.join(dataDir(), 'elsewhere');
    fs.writeFileSync(target, 'A'.repeat(43), { mode: 0o600 });
    fs.symlinkSync(target, path.join(dir, CONSOLE_TOKEN_FILE));
    const fromLink = consoleToken(dir);
    expect(fromLink.madeBecause).toBe('unreadable');
    expect(fromLink.token).not.toBe('A'.repeat(43));
    expect(fs.readFileSync(target, 'utf8')).toBe('A'.repeat(43));
    expect(fs.lstatSync(path.join(dir, CONSOLE_TOKEN_FILE)).isFile()).toBe(true);

    fs.writeFileSync(path.join(dir, CONSOLE_TOKEN_FILE), 'short\n', { mode: 0o600 });
    expect(consoleToken(dir).madeBecause).toBe('unreadable');
  });
});
