import type { AgentLauncher, AgentProcess } from './fs-agent';

/** A spare not taken for this long is ended: an idle server keeps no extra process. */
export const SPARE_AGENT_IDLE_MS = 5_000;

export interface SpareAgentLauncher {
  launch: AgentLauncher;
  /** Ends the spare, if one waits (the server stops). */
  dispose(): void;
}

/**
 * Each job still gets a file agent of its own (a folder that hangs takes only its job's agent with
 * it), but one is started ahead while a job runs: starting a process was ~60 ms of every job's
 * "preparing" (issue #17's run of several repositories), paid again by each job of a scheduled run.
 * Only after a launch is a spare kept, and only for SPARE_AGENT_IDLE_MS; one that exits meanwhile
 * is never handed out. A spare is idle: it never keeps the process alive (AgentProcess.setBusy).
 */
export function keepSpareAgent(launch: AgentLauncher, idleMs = SPARE_AGENT_IDLE_MS): SpareAgentLauncher {
  let spare: { agent: AgentProcess; timer: NodeJS.Timeout } | null = null;
  let disposed = false;

  const endSpare = () => {
    if (!spare) return;
    clearTimeout(spare.timer);
    spare.agent.kill();
    spare = null;
  };

  const startSpare = () => {
    if (disposed || spare) return;
    let agent: AgentProcess;
    try {
      agent = launch();
    } catch {
      return; // no spare, then: the next job launches its own and says why if it cannot
    }
    const kept = { agent, timer: setTimeout(endSpare, idleMs) };
    kept.timer.unref();
    // One that exits while it waits (killed, crashed) is no longer a spare.
    agent.onExit(() => {
      if (spare === kept) {
        clearTimeout(kept.timer);
        spare = null;
      }
    });
    spare = kept;
  };

  return {
    launch: () => {
      const ready = spare;
      if (ready) clearTimeout(ready.timer);
      spare = null;
      const agent = ready?.agent ?? launch();
      // After this job's own agent, so a launch that throws still throws to its job.
      setImmediate(startSpare).unref();
      return agent;
    },
    dispose: () => {
      disposed = true;
      endSpare();
    },
  };
}
