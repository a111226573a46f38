import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli';

// Vitest runs each file in its own process, so TZ can be set here as a user would set it.
const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('the CLI under a broken TZ', () => {
  it('serve, status and schedule work with TZ= and TZ=Invalid/Zone, and agree on the next run in UTC', async () => {
    for (const tz of ['', 'Invalid/Zone']) {
      process.env.TZ = tz;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-cli-'));
      const start = (args: string[], untilStopped: Promise<void> = new Promise<void>(() => {})) => {
        const out: string[] = [];
        const io = {
          stdout: { write: (t: string) => out.push(t) },
          stderr: { write: (t: string) => out.push(t) },
          env: {},
          untilStopped,
        };
        return { done: runCli([...args, '--data-dir', dataDir], io), out: () => out.join('') };
      };
      const run = async (args: string[]) => {
        const started = start(args);
        return { code: await started.done, out: started.out };
      };
      try {
        expect((await run(['create', 'Alpha'])).code).toBe(0);
        const target = path.join(dataDir, 'backups');
        const scheduled = await run([
          'schedule',
          '--enable',
          '--repos',
          'Alpha',
          '--times',
          '22:00',
          '--target',
          target,
        ]);
        expect(scheduled.code).toBe(0);
        expect(scheduled.out()).toMatch(/Next run: +\d{4}-\d\d-\d\dT22:00:00\.000\+00:00/);
        const status = await run(['status', '--json']);
        expect(status.code).toBe(0);
        const json = status.out().slice(status.out().indexOf('{'));
        expect((JSON.parse(json) as { nextRun: string }).nextRun).toMatch(/T22:00:00\.000\+00:00$/);

        let stop!: () => void;
        const serving = start(
          ['serve', '--console-port', '0', '--port', '0'],
          new Promise<void>((r) => (stop = r)),
        );
        await expect.poll(serving.out, { timeout: 15_000 }).toContain('Control Panel: http://127.0.0.1:');
        stop();
        expect(await serving.done).toBe(0);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }, 60_000);
});
