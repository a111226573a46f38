#!/usr/bin/env node
// Runs the built CLI (out/headless). Build it first with `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../out/headless/index.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('repo-server: not built yet. Run "npm run build" in the project folder first.\n');
  process.exit(1);
}
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `repo-server: needs Node 24 or newer (this is ${process.version}); run it through "npx repo-server" or "npm run serve".\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(entry).href);
