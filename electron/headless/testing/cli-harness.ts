import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli';

// For CLI tests: a command run in this process with its output captured, and a real `serve` on a data
// directory with the Control Panel's own view of it (its API and event stream, by its token).

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs one command; `stop` resolving is Ctrl-C. Output as the user sees it (stdout, stderr). */
export async function runCommand(
  args: string[],
  options: { stop?: Promise<void>; tty?: boolean; columns?: number } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => out.push(t), isTTY: options.tty, columns: options.columns },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    untilStopped: options.stop ?? new Promise<void>(() => {}),
  });
  return { code, out: out.join(''), err: err.join('') };
}

/** `--json` output: one object per line. */
export const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string } & Record<string, unknown>);

export function tempDirs() {
  const made: string[] = [];
  return {
    make(prefix: string) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface ServedDataDir {
  origin: string;
  token: string;
  /** Every event the Control Panel's event stream carried, in order. */
  events: Array<{ name: string; payload: unknown }>;
  /** A contract call as the Control Panel makes it. */
  api<T = unknown>(method: string, args?: unknown): Promise<T>;
  output(): string;
  stop(): Promise<number>;
}

/** `repo-server serve` on the data directory (random ports), with the Control Panel's event stream open. */
export async function serveDataDir(dataDir: string, extra: string[] = []): Promise<ServedDataDir> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const out: string[] = [];
  const serving = runCli(['serve', '--data-dir', dataDir, '--port', '0', '--console-port', '0', ...extra], {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => out.push(t) },
    env: {},
    untilStopped: stopped,
  });
  const deadline = Date.now() + 15_000;
  while (!/Clients connect to|Client server not running/.test(out.join(''))) {
    if (Date.now() > deadline) throw new Error(`serve did not start: ${out.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = new URL(/Control Panel: (\S+)/.exec(out.join(''))![1]!);
  const token = url.searchParams.get('token')!;
  const events: ServedDataDir['events'] = [];
  const stream = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http
      .get(new URL('/api/events', url), { headers: { authorization: `Bearer ${token}` } }, resolve)
      .on('error', reject),
  );
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (name && data) events.push({ name, payload: JSON.parse(data) });
    }
  });
  return {
    origin: url.origin,
    token,
    events,
    async api<T>(method: string, args?: unknown) {
      const answer = await fetch(new URL(`/api/${method}`, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(args ?? {}),
      });
      const body = (await answer.json()) as { ok: boolean; value: T; error?: { message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
      return body.value;
    },
    output: () => out.join(''),
    async stop() {
      stream.destroy();
      stop();
      return serving;
    },
  };
}
