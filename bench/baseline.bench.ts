// A self-check of the bench runner: times node:sqlite inserts, and the same with a transaction,
// and prints the ratio. Real benchmarks sit beside it (client-server, backup).
import { DatabaseSync } from 'node:sqlite';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { figure } from './figures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));
const db = new DatabaseSync(path.join(dir, 'b.sqlite'));
db.exec('PRAGMA journal_mode=WAL; CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT)');
const insert = db.prepare('INSERT OR REPLACE INTO t VALUES (?, ?)');
const n = 5000;
let t = performance.now();
for (let i = 0; i < n; i++) insert.run(`k${i}`, 'x'.repeat(100));
const single = performance.now() - t;
t = performance.now();
db.exec('BEGIN');
for (let i = 0; i < n; i++) insert.run(`k${i}`, 'y'.repeat(100));
db.exec('COMMIT');
const batched = performance.now() - t;
console.log(`autocommit inserts: ${(n / (single / 1000)).toFixed(0)} rows/s`);
console.log(`batched inserts: ${(n / (batched / 1000)).toFixed(0)} rows/s`);
figure({
  name: 'node:sqlite inserts, one transaction vs autocommit',
  value: single / batched,
  unit: 'x',
  baseline: `autocommit ${(n / (single / 1000)).toFixed(0)} rows/s`,
});
db.close();
fs.rmSync(dir, { recursive: true, force: true });
