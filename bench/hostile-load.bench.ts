// The client port under hostile load, against the built `repo-server serve` in its own process (run
// `npm run build` first): GET /health latency and the server's resident memory, idle (the baseline, same
// run) and then through each attack: the nested-JSON message, 500 sockets that never finish their
// headers, 100 sessions trickling a frame that never ends, and 40 concurrent 15 MiB puts.
// `npm run bench -- hostile-load [--puts 40] [--put-mib 15] [--slow 500] [--tricklers 100]`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  concurrentPuts,
  maskedTextFrame,
  memoryOf,
  NESTED_MESSAGE,
  probeHealth,
  rawWebSocket,
  slowHeaderSockets,
  tricklingFrames,
} from '../e2e/support/hostile-load';
import { figure } from './figures';

const { values } = parseArgs({
  options: {
    puts: { type: 'string', default: '40' },
    'put-mib': { type: 'string', default: '15' },
    slow: { type: 'string', default: '500' },
    tricklers: { type: 'string', default: '100' },
  },
});
const root = path.resolve(import.meta.dirname, '../..');
const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function startServe() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-'));
  const create = spawn(process.execPath, [
    path.join(root, 'bin/repo-server.mjs'),
    'create',
    'Main',
    '--data-dir',
    dataDir,
  ]);
  await new Promise((r) => create.once('exit', r));
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin/repo-server.mjs'),
      'serve',
      '--data-dir',
      dataDir,
      '--console-port',
      '0',
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  for (let i = 0; !/Clients connect to: ws:\/\/127\.0\.0\.1:(\d+)/.test(output); i++) {
    if (i > 400 || child.exitCode !== null) throw new Error(`serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(/Clients connect to: ws:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
  return {
    port,
    pid: child.pid!,
    alive: () => child.exitCode === null,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function phase(
  name: string,
  port: number,
  pid: number,
  work: () => Promise<string>,
  baseline?: number,
) {
  const probe = probeHealth(port, 20);
  const detail = await work();
  const health = await probe.stop();
  const memory = memoryOf(pid);
  console.log(
    `${name.padEnd(34)} /health p50 ${ms(health.p50)}, p99 ${ms(health.p99)}, max ${ms(health.max)}` +
      (baseline ? ` (max ${(health.max / baseline).toFixed(1)}× idle p99)` : '') +
      `; ${health.count} answered, ${health.failures.length} failed; RSS ${mib(memory.rss)}, peak ${mib(memory.peak)}. ${detail}`,
  );
  figure({
    name: `/health max latency, ${name}`,
    value: health.max,
    unit: 'ms',
    ...(baseline ? { baseline: `idle p99 ${ms(baseline)}` } : {}),
  });
  return health;
}

const server = await startServe();
try {
  const idle = await phase('idle (baseline)', server.port, server.pid, async () => {
    await new Promise((r) => setTimeout(r, 3000));
    return '';
  });
  const base = idle.p99;

  await phase(
    'nested-JSON message',
    server.port,
    server.pid,
    async () => {
      const session = await rawWebSocket(server.port, attackers[0]);
      session.socket.write(maskedTextFrame(Buffer.from(NESTED_MESSAGE)));
      await new Promise((r) => setTimeout(r, 1000));
      const answered = session.received().toString('latin1').includes('nested deeper than');
      session.socket.destroy();
      return `answered: ${answered}; server alive: ${server.alive()}`;
    },
    base,
  );

  await phase(
    `${values.slow} slow header sockets (12 s)`,
    server.port,
    server.pid,
    async () => {
      const slow = await slowHeaderSockets(server.port, Number(values.slow), attackers);
      await new Promise((r) => setTimeout(r, 2000));
      const openAt2s = slow.open();
      await new Promise((r) => setTimeout(r, 10_000));
      const openAt12s = slow.open();
      slow.stop();
      return `open after 2 s: ${openAt2s}, after 12 s: ${openAt12s}`;
    },
    base,
  );

  await phase(
    `${values.tricklers} trickling frames (35 s)`,
    server.port,
    server.pid,
    async () => {
      const trickle = await tricklingFrames(server.port, Number(values.tricklers), attackers);
      await new Promise((r) => setTimeout(r, 35_000));
      const open = trickle.sessions.filter(
        (s) => !s.socket.destroyed && s.socket.readyState === 'open',
      ).length;
      trickle.stop();
      return `still open after 35 s: ${open}`;
    },
    base,
  );

  await phase(
    `${values.puts} concurrent ${values['put-mib']} MiB puts`,
    server.port,
    server.pid,
    async () => {
      const puts = await concurrentPuts(
        server.port,
        Number(values.puts),
        Number(values['put-mib']) * 1024 * 1024,
        attackers,
      );
      return `acknowledged ${puts.acknowledged}/${values.puts} in ${puts.seconds.toFixed(1)} s`;
    },
    base,
  );
  console.log(`server alive at the end: ${server.alive()}; peak RSS ${mib(memoryOf(server.pid).peak)}`);
} finally {
  await server.stop();
}
