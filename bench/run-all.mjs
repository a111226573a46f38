// `npm run bench [-- NAME [args…]]`: builds bench/*.bench.ts and runs one benchmark (or all) in Node 24,
// then prints every figure they reported (bench/figures.ts) as one table, with its goal, its baseline,
// the load when it was measured and the machine's core count. Benchmarks print figures and ratios
// against a baseline measured in the same run; they assert nothing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const [only, ...args] = process.argv.slice(2);
const build = spawnSync(
  process.execPath,
  [
    path.join(root, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    'vite.bench.config.ts',
    '--logLevel',
    'warn',
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const built = fs.readdirSync(path.join(root, 'out/bench')).filter((f) => f.endsWith('.bench.js'));
const chosen = only ? built.filter((f) => f === `${only}.bench.js`) : built;
if (chosen.length === 0) {
  console.error(
    `No benchmark named "${only}". Known: ${built.map((f) => f.replace('.bench.js', '')).join(', ')}`,
  );
  process.exit(2);
}

/** Runs one benchmark, echoing its output but for the figure markers, which it returns. */
function run(file) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', path.join(root, 'out/bench', file), ...(only ? args : [])],
      { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] },
    );
    const figures = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('@figure ')) figures.push(JSON.parse(line.slice('@figure '.length)));
      else console.log(line);
    });
    child.on('close', (code) => resolve({ code, figures }));
  });
}

const rows = [];
let failed = 0;
for (const file of chosen) {
  const name = file.replace('.bench.js', '');
  console.log(`\n=== ${name} ===`);
  const { code, figures } = await run(file);
  rows.push(...figures.map((f) => ({ bench: name, ...f })));
  if (code !== 0) {
    console.error(`${name} stopped with code ${code}`);
    failed = code ?? 1;
  } else if (figures.length === 0) {
    // A bench whose process ran dry (an unref'd worker awaited) exits 0 in the middle: that is a failure,
    // not a run with nothing to say — every bench reports at least one figure.
    console.error(`${name} ended without reporting a figure`);
    failed = 1;
  }
}

const digits = (v) => (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
const value = (f) =>
  f.unit === 'x' ? `${f.value.toFixed(digits(f.value))}x` : `${f.value.toFixed(digits(f.value))} ${f.unit}`;
const table = [
  ['benchmark', 'figure', 'value', 'goal', 'met', 'baseline', 'load'],
  ...rows.map((f) => [
    f.bench,
    f.name,
    value(f),
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    f.baseline ?? '',
    f.load.toFixed(1),
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) =>
  r.map((c, i) => (i === 2 || i === 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(
  `\n=== all figures: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `Node ${process.versions.node}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end ===`,
);
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table.slice(1)) console.log(line(r));
process.exit(failed);
