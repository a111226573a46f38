import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UtilityProcess } from 'electron';
import { describe, expect, it } from 'vitest';
import { TargetFs } from '../core/backup/target-fs';
import { electronAgentLauncher, runFsAgent } from './fs-agent-launcher';

// Electron's utilityProcess cannot run here: a stand-in that runs the real agent source (as the
// bundled fs-agent.js does, through runFsAgent) behind a message channel, spawning a moment later.

class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  posted: unknown[] = [];
  killed = false;
  private readonly toAgent = new EventEmitter();

  constructor() {
    super();
    runFsAgent({
      postMessage: (message) => setImmediate(() => this.emit('message', message)),
      on: (_event, listener) => this.toAgent.on('message', (data) => listener({ data })),
    });
    setTimeout(() => this.emit('spawn'), 20);
  }

  postMessage(message: unknown) {
    this.posted.push(message);
    this.toAgent.emit('message', message);
  }

  kill() {
    this.killed = true;
    setImmediate(() => this.emit('exit', 0));
    return true;
  }
}

describe('the file agent in a utility process', () => {
  it('answers real file calls, queues what is sent before it spawned, and is killed', async () => {
    const forks: Array<{ entry: string; child: FakeUtilityProcess }> = [];
    const launcher = electronAgentLauncher((entry) => {
      const child = new FakeUtilityProcess();
      forks.push({ entry, child });
      return child as unknown as UtilityProcess;
    }, '/app/out/main/fs-agent.js');
    const io = new TargetFs({ launcher, timeoutMs: 5_000 });
    const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'utility-agent-')), 'a', 'b');
    // Sent at once, answered once the process has spawned.
    await io.mkdirp(folder);
    expect(fs.statSync(folder).isDirectory()).toBe(true);
    expect(await io.stat(path.join(folder, 'none'))).toBeNull();
    expect(forks.map((f) => f.entry)).toEqual(['/app/out/main/fs-agent.js']);
    expect(forks[0]!.child.posted).toHaveLength(2);
    io.close();
    expect(forks[0]!.child.killed).toBe(true);
  });
});
