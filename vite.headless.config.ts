import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// Builds the headless host and CLI (`repo-server`) for plain Node 24 into out/headless.
export default defineConfig({
  build: {
    ssr: resolve('electron/headless/index.ts'),
    outDir: 'out/headless',
    emptyOutDir: true,
    target: 'node24',
    sourcemap: true,
    rollupOptions: {
      external: [
        ...Object.keys(pkg.dependencies),
        ...builtinModules,
        ...builtinModules.map((m) => `node:${m}`),
        'node:sqlite',
      ],
      output: { format: 'es', entryFileNames: 'index.js' },
    },
  },
});
