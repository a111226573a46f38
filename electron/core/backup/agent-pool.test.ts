import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPool } from './agent-pool';
import { nodeAgentLauncher, type AgentLauncher, type AgentProcess } from './fs-agent';
import { eventually } from '../client-server/test-support';
import { TargetFs } from './target-fs';

// Real agent processes. A job's agent serves the next job once every call it made answered and every
// file it opened was closed; one its job killed (a call that did not answer, a cancel) never does, nor
// one still holding a file its job left open.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function world(idleMs = 60_000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-pool-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const started: AgentProcess[] = [];
  const launch: AgentLauncher = () => {
    const agent = nodeAgentLauncher();
    started.push(agent);
    return agent;
  };
  const pool = agentPool(launch, idleMs);
  cleanups.push(() => pool.dispose());
  const job = (signal?: AbortSignal) => new TargetFs({ launcher: pool.launch, timeoutMs: 10_000, signal });
  return { dir, started, pool, job };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
};

describe('agentPool', () => {
  it('hands the next job the agent the last one finished with; not one still holding a file', async () => {
    const t = world();
    const first = t.job();
    const file = await first.open(path.join(t.dir, 'written'), 'wx');
    await file.write(Buffer.from('x'), 0);
    await file.close();
    first.close();
    const second = t.job();
    expect(await second.readdir(t.dir)).toEqual([{ name: 'written', type: 'file' }]);
    const left = path.join(t.dir, 'left-open.partial');
    await second.open(left, 'wx'); // a job that failed before closing its file
    second.close();
    expect(t.started).toHaveLength(1);
    await eventually(() => expect(!alive(t.started[0]!.pid!)).toBe(true));
    const third = t.job();
    await third.readdir(t.dir);
    third.close();
    expect(t.started).toHaveLength(2);
  });

  it('never keeps an agent its job killed: a cancelled call, or one still pending at close', async () => {
    const t = world();
    const controller = new AbortController();
    const cancelled = t.job(controller.signal);
    await cancelled.readdir(t.dir);
    controller.abort();
    await expect(cancelled.readdir(t.dir)).rejects.toMatchObject({ code: 'CANCELLED' });
    const pending = t.job();
    const call = pending.readdir(t.dir).catch((e: unknown) => e);
    pending.close(); // the call has not answered: the agent is abandoned
    expect(await call).toMatchObject({ code: 'CANCELLED' });
    const fresh = t.job();
    await fresh.readdir(t.dir);
    fresh.close();
    expect(t.started).toHaveLength(3);
    await eventually(() => expect(!alive(t.started[0]!.pid!) && !alive(t.started[1]!.pid!)).toBe(true));
    expect(alive(t.started[2]!.pid!)).toBe(true);
  });

  it('ends an agent left idle, never hands out one that exited, and ends the waiting ones at dispose', async () => {
    const t = world(300);
    const job = t.job();
    await job.readdir(t.dir);
    job.close();
    await eventually(() => expect(!alive(t.started[0]!.pid!)).toBe(true)); // idle for 300 ms

    const again = t.job();
    await again.readdir(t.dir);
    again.close();
    await new Promise((r) => setTimeout(r, 50)); // reset done: it waits for a job
    process.kill(t.started[1]!.pid!, 'SIGKILL');
    await eventually(() => expect(!alive(t.started[1]!.pid!)).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    const afterCrash = t.job();
    expect(await afterCrash.readdir(t.dir)).toEqual([]);
    afterCrash.close();
    expect(t.started).toHaveLength(3);

    await new Promise((r) => setTimeout(r, 50));
    t.pool.dispose();
    await eventually(() => expect(!alive(t.started[2]!.pid!)).toBe(true));
  });
});
