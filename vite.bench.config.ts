import fs from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// Builds every bench/*.bench.ts for plain Node 24 into out/bench, so benchmarks run the same code the
// app ships, outside Vitest.
const entries = Object.fromEntries(
  fs
    .readdirSync('bench')
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => [f.replace(/\.ts$/, ''), resolve('bench', f)]),
);

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/bench',
    emptyOutDir: true,
    target: 'node24',
    rollupOptions: {
      input: entries,
      external: [
        ...Object.keys(pkg.dependencies),
        ...Object.keys(pkg.devDependencies),
        ...builtinModules,
        ...builtinModules.map((m) => `node:${m}`),
        'node:sqlite',
      ],
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
