import { RepoClient } from '../electron/core/client/repo-client';
import { expect, test } from './support/fixtures';
import {
  concurrentPuts,
  maskedTextFrame,
  memoryOf,
  NESTED_MESSAGE,
  probeHealth,
  rawWebSocket,
  slowHeaderSockets,
  tricklingFrames,
} from './support/hostile-load';

// The real `repo-server serve` under the attacks of issue 12 at once, from other loopback addresses than
// the one /health is asked from: the nested-JSON message, 500 sockets that never finish their headers,
// 100 sessions trickling a frame that never ends, and 40 concurrent 15 MiB puts. The server stays up,
// every /health is answered (each given 10 s: a liveness check; the latency figures are printed, and
// measured by `npm run bench -- hostile-load`), and its peak resident memory stays under the bound.

/** The bound stated in README and the note: the serve process's peak RSS (VmHWM) through the attacks. */
const PEAK_RSS_BOUND = 512 * 1024 * 1024;
const ATTACKERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];

test('hostile load: the server stays up, answers /health throughout, and stays under 512 MiB', async ({
  server,
}) => {
  test.setTimeout(120_000);
  const port = Number(new URL(server.clientsOrigin.replace('ws:', 'http:')).port);
  const created = await fetch(`${server.origin}/api/createRepository`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ name: 'Main' }),
  });
  expect(created.status).toBe(200);
  const probe = probeHealth(port, 50);

  const nested = await rawWebSocket(port, ATTACKERS[0]);
  nested.socket.write(maskedTextFrame(Buffer.from(NESTED_MESSAGE)));
  await expect.poll(() => nested.received().toString('latin1')).toContain('nested deeper than 32 levels');

  const slow = await slowHeaderSockets(port, 500, ATTACKERS);
  const trickle = await tricklingFrames(port, 100, ATTACKERS);
  const puts = await concurrentPuts(port, 40, 15 * 1024 * 1024, ATTACKERS);
  expect(puts.acknowledged).toBe(40);

  // Headers must come within 10 s, and a message at 32 KiB/s or more after 30 s.
  await expect.poll(() => slow.open(), { timeout: 20_000, intervals: [500] }).toBe(0);
  await expect
    .poll(
      () => trickle.sessions.filter((s) => !s.socket.destroyed && s.socket.readyState === 'open').length,
      {
        timeout: 45_000,
        intervals: [1000],
      },
    )
    .toBe(0);
  slow.stop();
  trickle.stop();
  nested.socket.destroy();

  const health = await probe.stop();
  const memory = memoryOf(server.pid);
  console.log(
    `/health: ${health.count} answered, p50 ${health.p50.toFixed(1)} ms, p99 ${health.p99.toFixed(1)} ms, ` +
      `max ${health.max.toFixed(1)} ms; 40 puts in ${puts.seconds.toFixed(1)} s; ` +
      `serve peak RSS ${(memory.peak / 1024 / 1024).toFixed(0)} MiB`,
  );
  test.info().annotations.push({
    type: 'figures',
    description: `/health p50 ${health.p50.toFixed(1)} ms, p99 ${health.p99.toFixed(1)} ms, max ${health.max.toFixed(1)} ms; peak RSS ${(memory.peak / 1024 / 1024).toFixed(0)} MiB`,
  });
  // Every probe answered (none failed or waited 10 s); how fast depends on the machine, see the bench.
  expect(health.failures).toEqual([]);
  expect(health.count).toBeGreaterThan(0);
  expect(memory.peak).toBeLessThan(PEAK_RSS_BOUND);

  // And it still serves a test tool as before.
  const tool = await RepoClient.connect({ server: server.clientsOrigin, repository: 'Main', label: 'after' });
  expect((await tool.list()).length).toBe(40);
  await tool.close();
});
