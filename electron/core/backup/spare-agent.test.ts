import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeAgentLauncher, type AgentLauncher, type AgentProcess } from './fs-agent';
import { keepSpareAgent } from './spare-agent';
import { TargetFs } from './target-fs';

// Real agent processes: each launch is a job's own agent; the spare is started while the job runs, so
// the next job's agent is up already, and it never outlives its idle time or the server.

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** The real launcher, remembering every process it started. */
function counted() {
  const started: AgentProcess[] = [];
  const launch: AgentLauncher = () => {
    const agent = nodeAgentLauncher();
    started.push(agent);
    return agent;
  };
  return { launch, started };
}

const alive = (agent: AgentProcess) => {
  try {
    process.kill(agent.pid!, 0);
    return true;
  } catch {
    return false;
  }
};

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(what()).toBe(true);
};

/** A job's use of an agent: one call it must answer. */
async function listWith(launch: AgentLauncher, folder: string) {
  const io = new TargetFs({ launcher: launch, timeoutMs: 10_000 });
  try {
    return (await io.readdir(folder)).map((e) => e.name);
  } finally {
    io.close();
  }
}

describe('keepSpareAgent', () => {
  it('hands the next job the agent started during the one before, and ends a spare left idle', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spare-agent-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'a.zip'), 'x');
    const real = counted();
    const agents = keepSpareAgent(real.launch, 300);
    cleanups.push(() => agents.dispose());

    expect(real.started).toHaveLength(0); // nothing ahead of the first job
    expect(await listWith(agents.launch, dir)).toEqual(['a.zip']);
    await until(() => real.started.length === 2);
    const spare = real.started[1]!;

    // The second job's agent is that spare, and another one is started behind it.
    expect(await listWith(agents.launch, dir)).toEqual(['a.zip']);
    await until(() => real.started.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(real.started).toHaveLength(3); // no launch of its own
    await until(() => !alive(spare)); // the job closed it, as its own
    // Left idle, the last spare ends.
    await until(() => !alive(real.started[2]!));
  });

  it('never hands out a spare that exited, and dispose ends the one waiting', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spare-agent-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const real = counted();
    const agents = keepSpareAgent(real.launch, 60_000);
    cleanups.push(() => agents.dispose());
    await listWith(agents.launch, dir);
    await until(() => real.started.length === 2);
    const crashed = real.started[1]!;
    process.kill(crashed.pid!, 'SIGKILL');
    await new Promise<void>((resolve) => crashed.onExit(resolve));

    // The job after it gets a fresh agent that answers.
    expect(await listWith(agents.launch, dir)).toEqual([]);
    expect(real.started).toContain(crashed);
    await until(() => real.started.length === 4);
    const waiting = real.started[3]!;
    expect(alive(waiting)).toBe(true);
    agents.dispose();
    await until(() => !alive(waiting));
    // Once disposed, a launch still works but keeps nothing ahead.
    expect(await listWith(agents.launch, dir)).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(real.started).toHaveLength(5);
  });
});
