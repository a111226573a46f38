// `npm run bench [-- NAME [args…]]`: builds bench/*.bench.ts and runs one benchmark (or all) in Node 24.
// Benchmarks print figures and ratios against a baseline measured in the same run; they assert nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
for (const file of chosen) {
  console.log(`\n=== ${file.replace('.bench.js', '')} ===`);
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(root, 'out/bench', file), ...(only ? args : [])],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (run.status !== 0) process.exit(run.status ?? 1);
}
