import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateLogFiles } from './log-rotation';

describe('log rotation', () => {
  it('shifts main.log to main.1.log … and keeps only the newest few', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    const current = path.join(dir, 'main.log');
    for (let generation = 1; generation <= 5; generation++) {
      fs.writeFileSync(current, `generation ${generation}\n`);
      rotateLogFiles(current, 3);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['main.1.log', 'main.2.log', 'main.3.log']);
    expect(fs.readFileSync(path.join(dir, 'main.1.log'), 'utf8')).toBe('generation 5\n');
    expect(fs.readFileSync(path.join(dir, 'main.3.log'), 'utf8')).toBe('generation 3\n');
  });
});
