import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Builds the desktop app from electron/ and renderer/ into out/{main,preload,renderer}.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // fs-agent.js: the file agent's utility process (electron/main/fs-agent-launcher.ts).
      lib: {
        entry: {
          index: resolve('electron/main/index.ts'),
          'fs-agent': resolve('electron/main/fs-agent-entry.ts'),
        },
        formats: ['es'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require() packages: bundle everything into one CommonJS file.
      externalizeDeps: false,
      lib: { entry: resolve('electron/preload/index.ts'), formats: ['cjs'] },
      rollupOptions: { external: ['electron'], output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
