import type { UtilityProcess } from 'electron';
import { createRequire } from 'node:module';
import {
  FS_AGENT_SOURCE,
  type AgentLauncher,
  type AgentRequest,
  type AgentResponse,
} from '../core/backup/fs-agent';

// The file agent (core/backup/fs-agent.ts) in the desktop app: an Electron utility process. The packaged
// app cannot run its executable as Node (the runAsNode fuse is off), so the core's Node launcher cannot
// be used here; utilityProcess can, and it is a real process that can be killed while a call is stuck.

type Fork = (modulePath: string, args?: string[], options?: Electron.ForkOptions) => UtilityProcess;

/** Launches agents from the bundled entry `fs-agent.js` (electron.vite.config.ts builds it beside index.js). */
export function electronAgentLauncher(fork: Fork, entry: string): AgentLauncher {
  return () => {
    const child = fork(entry, [], { serviceName: 'Repository Server file agent', stdio: 'ignore' });
    let spawned = false;
    let exited = false;
    const queue: AgentRequest[] = [];
    const exitListeners: Array<() => void> = [];
    child.once('spawn', () => {
      spawned = true;
      for (const request of queue.splice(0)) child.postMessage(request);
    });
    child.once('exit', () => {
      exited = true;
      for (const listener of exitListeners.splice(0)) listener();
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (request) => {
        if (exited) return;
        if (spawned) child.postMessage(request);
        else queue.push(request);
      },
      onMessage: (listener) => child.on('message', (message: AgentResponse) => listener(message)),
      onExit: (listener) => (exited ? listener() : exitListeners.push(listener)),
      kill: () => {
        if (exited) return;
        // SIGKILL by pid: a stuck process must not get the chance to run anything first.
        if (child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGKILL');
            return;
          } catch {
            // gone already
          }
        }
        child.kill();
      },
      // The app's life does not depend on its utility processes.
      setBusy: () => {},
    };
  };
}

/** What the utility process sees of its parent: `process.parentPort`. */
export interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** Runs the agent in this (utility) process, answering through `parentPort`. */
export function runFsAgent(parentPort: ParentPort, require = createRequire(import.meta.url)): void {
  const port = {
    send: (message: unknown) => parentPort.postMessage(message),
    onMessage: (listener: (message: unknown) => void) =>
      parentPort.on('message', (event) => listener(event.data)),
  };
  new Function('require', 'port', FS_AGENT_SOURCE)(require, port);
}
