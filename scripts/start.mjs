#!/usr/bin/env node
// `npm start` (after `npm run build`): the desktop app where Electron can run. Where it cannot — its
// binary was never downloaded, the machine has no display, or it fails to launch — one line says why,
// and the headless server starts instead with the same Control Panel: its URL is printed, and opened in
// the default browser where there is one. Arguments are passed on (`npm start -- --data-dir DIR`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** A desktop app that exits with an error this soon did not start; one that ran longer simply ended. */
const STARTUP_GRACE_MS = 10_000;

/** The Electron binary, or null. Never `require('electron')`: it tries to download a missing one. */
function electronBinary() {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH)
    return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
  try {
    const relative = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const binary = path.join(dir, 'dist', relative);
    return fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const firstLine = (text) =>
  String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '';

/** Why the desktop app cannot start here, or null when it can be tried. */
function whyNoDesktop(binary) {
  if (process.env.REPO_SERVER_HEADLESS === '1') return 'REPO_SERVER_HEADLESS=1 asks for the headless server';
  if (!binary) return 'the Electron binary is not installed (it could not be downloaded)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  // A binary that cannot even say its version (missing libraries, wrong architecture) cannot show a window.
  const probe = spawnSync(binary, ['--version'], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  if (probe.error) return `Electron cannot run (${probe.error.message})`;
  if (probe.status !== 0)
    return `Electron cannot run (${firstLine(probe.stderr) || `exit code ${probe.status}`})`;
  return null;
}

/** The command that opens a URL in the default browser, or null where there is none to open. */
function browserOpener() {
  if (process.env.REPO_SERVER_NO_BROWSER === '1') return null;
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""'];
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  const found = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
  return found.status === 0 ? [found.stdout.trim()] : null;
}

function headless(reason) {
  process.stderr.write(
    `Repository Server: the desktop app cannot start here — ${reason}. Starting the headless server with the same Control Panel instead.\n`,
  );
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'repo-server.mjs'), 'serve', ...args], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  const opener = browserOpener();
  let printed = '';
  let opened = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (opened || !opener) return;
    printed += chunk.toString();
    const url = /Control Panel: (http:\/\/\S+)/.exec(printed)?.[1];
    if (!url) return;
    opened = true;
    const [command, ...rest] = opener;
    const open = spawn(command, [...rest, url], { stdio: 'ignore', detached: true });
    open.on('error', () => process.stdout.write(`Could not open a browser: open ${url} yourself.\n`));
    open.unref();
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function desktop(binary) {
  const startedAt = Date.now();
  const child = spawn(binary, [ROOT, ...args], { cwd: ROOT, stdio: ['inherit', 'inherit', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    if (errors.length < 4096) errors += chunk.toString();
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => headless(`Electron cannot run (${error.message})`));
  child.on('exit', (code, signal) => {
    if (code && !signal && Date.now() - startedAt < STARTUP_GRACE_MS)
      return headless(`Electron exited at once (${firstLine(errors) || `exit code ${code}`})`);
    process.exit(code ?? 0);
  });
}

const binary = electronBinary();
const reason = whyNoDesktop(binary);
if (reason) headless(reason);
else desktop(binary);
