import type { AgentLauncher, AgentProcess, AgentResponse } from './fs-agent';
import { KeptWorkers } from './kept-workers';

/** An agent no job took for this long is ended: an idle server keeps no extra process. */
export const AGENT_IDLE_MS = 5_000;
/** Agents kept between jobs at most (jobs run one per lane; a few lanes at once). */
const MAX_IDLE_AGENTS = 2;

export interface AgentPool {
  launch: AgentLauncher;
  /** Ends every agent that waits for a job (the server stops). */
  dispose(): void;
}

interface Agent {
  process: AgentProcess;
  /** Where its answers and its exit go: the job it serves (none while it waits for one). */
  onAnswer: ((response: AgentResponse) => void) | null;
  onGone: (() => void) | null;
  gone: boolean;
  // What KeptWorkers asks of what it keeps: a waiting agent keeps nothing alive; the job it serves next
  // marks it busy for each call (TargetFs).
  ref(): void;
  unref(): void;
}

/**
 * File agents kept between jobs. Each job still has an agent to itself while it runs (a folder that
 * hangs takes only its job with it: that agent is killed, never kept), but one whose calls all answered
 * and whose files were all closed (TargetFs.close) serves the next job. Starting one was ~60 ms of
 * every job of a run ("preparing"), and fork() from a large process pauses the main thread for
 * 10–40 ms as it grows (the page tables are copied): a scheduled run of 500 repositories started 500.
 */
export function agentPool(launchNew: AgentLauncher, idleMs = AGENT_IDLE_MS): AgentPool {
  const end = (agent: Agent) => {
    idle.drop(agent);
    agent.onAnswer = null;
    agent.process.kill();
  };
  const idle = new KeptWorkers<Agent>(end, { idleMs, max: MAX_IDLE_AGENTS });
  let disposed = false;

  const start = (): Agent => {
    const process = launchNew();
    const agent: Agent = {
      process,
      onAnswer: null,
      onGone: null,
      gone: false,
      ref: () => {},
      unref: () => process.setBusy(false),
    };
    process.onMessage((response) => agent.onAnswer?.(response));
    process.onExit(() => {
      agent.gone = true;
      idle.drop(agent);
      agent.onGone?.();
    });
    return agent;
  };

  /** After a job that left it holding nothing: kept for the next one, for a while. */
  const keep = (agent: Agent) => {
    if (disposed || agent.gone) return end(agent);
    agent.onAnswer = null;
    idle.keep(agent);
  };

  /** One job's view of an agent: its own listeners, and a release that hands the agent back. */
  const lease = (agent: Agent): AgentProcess => {
    let state: 'serving' | 'released' | 'killed' = 'serving';
    const answers: Array<(response: AgentResponse) => void> = [];
    const exits: Array<() => void> = [];
    agent.onAnswer = (response) => answers.forEach((listener) => listener(response));
    agent.onGone = () => exits.splice(0).forEach((listener) => listener());
    return {
      pid: agent.process.pid,
      send: (request) => {
        if (state === 'serving') agent.process.send(request);
      },
      onMessage: (listener) => answers.push(listener),
      onExit: (listener) => (agent.gone ? listener() : exits.push(listener)),
      // Killed by its job (a call that did not answer, a cancel): such an agent is never kept. Once
      // released, the process may serve another job and is not this one's to kill.
      kill: () => {
        if (state !== 'serving') return;
        state = 'killed';
        end(agent);
      },
      setBusy: (busy) => {
        if (state === 'serving') agent.process.setBusy(busy);
      },
      release: () => {
        if (state !== 'serving') return;
        state = 'released';
        agent.onGone = null;
        keep(agent);
      },
    };
  };

  return {
    launch: () => lease(idle.take() ?? start()),
    dispose: () => {
      disposed = true;
      idle.endAll();
    },
  };
}
