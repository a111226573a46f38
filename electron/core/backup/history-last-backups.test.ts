import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupSettings } from '../../shared/settings-schema';
import { repositoryState } from '../schedule/backup-status';
import { ServerDb } from '../storage/server-db';
import { FakeClock } from '../testing/fake-clock';
import { BackupHistory } from './history';

// The backup status reads each repository's history through lastBackups (two indexed rows) instead of
// its newest 200 rows: the 200 rows are the oracle it must agree with, over random histories.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('history.lastBackups', () => {
  it('gives the backup status what the whole history gives it, for any sequence of rows', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'last-backups-'));
    dirs.push(dataDir);
    const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
    const server = new ServerDb({ dataDir, clock });
    const history = new BackupHistory(server.db, clock);
    const names = ['Login', 'LOGIN tests', 'Café', 'Orders'];
    const spellings: Record<string, string[]> = {
      Login: ['Login', 'login'],
      'LOGIN tests': ['LOGIN tests'],
      Café: ['Café', 'Cafe\u0301', 'CAFÉ'],
      Orders: ['Orders'],
    };
    const settings = BackupSettings.parse({ enabled: true });
    // A seeded sequence: every kind and status, in every repository and spelling.
    let seed = 17;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const kinds = ['backup', 'backup', 'backup', 'export', 'verify', 'drill'] as const;
    const ends = ['ok', 'failed', 'cancelled', 'running'] as const;
    for (let step = 0; step < 400; step++) {
      clock.jumpTo(clock.now() + 60_000 * (1 + random(600)));
      const name = names[random(names.length)]!;
      const spelling = spellings[name]![random(spellings[name]!.length)]!;
      if (random(10) === 0) {
        history.recordSkipped({ kind: 'backup', trigger: 'schedule', repository: spelling, reason: 'busy' });
      } else {
        const id = history.begin({
          kind: kinds[random(kinds.length)]!,
          trigger: 'schedule',
          repository: spelling,
          file: `/b/${step}.zip`,
        });
        const end = ends[random(ends.length)]!;
        if (end !== 'running') history.finish(id, { status: end, sizeBytes: step, file: `/b/${step}.zip` });
      }
      if (step % 20 !== 19) continue;
      for (const n of [...names, 'login', 'cafe\u0301', 'Nobody']) {
        const now = clock.now();
        const whole = repositoryState(
          n,
          history.list({ repository: n, limit: 200 }),
          now - 86_400_000,
          settings,
          now,
        );
        const last = repositoryState(n, history.lastBackups(n), now - 86_400_000, settings, now);
        expect(last).toEqual(whole);
      }
    }
    server.close();
  });
});
