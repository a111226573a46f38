import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { removeTempFolders, tempFolder } from './support/archives';
import { expect, test } from './support/fixtures';

// README's first command, `npm ci && npm start`, on a machine where Electron cannot run (this one: its
// binary is never downloaded here, and there is no display): one line saying so, then the headless
// server with the same Control Panel, its URL printed. `npm start` is `npm run build` and then
// scripts/start.mjs; the build has run before the e2e specs, so the specs start the script itself.

test.afterEach(removeTempFolders);

const ROOT = path.resolve(import.meta.dirname, '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  url: Promise<string>;
  exited: Promise<number | null>;
}

function npmStart(env: NodeJS.ProcessEnv, dataDir: string): Started {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'scripts/start.mjs'), '--data-dir', dataDir, '--console-port', '0', '--port', '0'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 30_000);
    const look = () => {
      const match = /Control Panel: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(() => reject(new Error(`exited before printing a URL:\n${output}`)));
  });
  // A run that is not meant to print a URL (the desktop one) must not leave a rejection unhandled.
  url.catch(() => undefined);
  return { child, output: () => output, url, exited };
}

/** This machine's environment without a display, as a server or a container has it. */
const withoutDisplay = () => {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return env;
};

/** A stand-in Electron: `--version` answers as told, a real start prints and exits as told. */
function fakeElectron(script: string): string {
  const dir = tempFolder('fake-electron');
  const file = path.join(dir, 'electron');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

test('npm start where the Electron binary is missing: one line says so, the headless server starts and prints its URL, and the Control Panel opens there', async ({
  page,
}) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts.start).toBe('npm run build && node scripts/start.mjs');
  // This machine never downloads the Electron binary.
  expect(fs.existsSync(path.join(ROOT, 'node_modules/electron/path.txt'))).toBe(false);

  const dataDir = tempFolder('first-run');
  const started = npmStart(withoutDisplay(), dataDir);
  try {
    const url = await started.url;
    const lines = started.output().split('\n');
    expect(lines.filter((l) => l.includes('cannot start here'))).toEqual([
      'Repository Server: the desktop app cannot start here — the Electron binary is not installed (it could not be downloaded). Starting the headless server with the same Control Panel instead.',
    ]);
    // No stack trace, no "Error: Electron uninstall".
    expect(started.output()).not.toMatch(/^\s+at |Error: Electron/m);
    await page.goto(url);
    await expect(page.getByTestId('server-info')).toContainText(dataDir);
    await expect(page.getByTestId('server-info')).toContainText('Headless server (web Control Panel)');
  } finally {
    started.child.kill('SIGTERM');
  }
  expect(await started.exited).toBe(0);
  expect(started.output()).toContain('Stopping…');
});

test('npm start where an Electron binary exists but cannot launch (missing libraries): the reason in one line, then the headless server', async () => {
  const env = {
    ...withoutDisplay(),
    DISPLAY: ':99',
    ELECTRON_OVERRIDE_DIST_PATH: fakeElectron(
      'echo "electron: error while loading shared libraries: libgtk-3.so.0: cannot open shared object file" >&2; exit 127',
    ),
  };
  const started = npmStart(env, tempFolder('first-run-libs'));
  try {
    await started.url;
    expect(started.output()).toContain(
      'Repository Server: the desktop app cannot start here — Electron cannot run (electron: error while loading shared libraries: libgtk-3.so.0: cannot open shared object file).',
    );
  } finally {
    started.child.kill('SIGTERM');
  }
  expect(await started.exited).toBe(0);
});

test('npm start where Electron runs: the desktop app is started, and no headless server', async () => {
  const env = {
    ...withoutDisplay(),
    DISPLAY: ':99',
    ELECTRON_OVERRIDE_DIST_PATH: fakeElectron(
      'if [ "$1" = "--version" ]; then echo v45.4.1; exit 0; fi; echo "desktop app started with $*"; exit 0',
    ),
  };
  const started = npmStart(env, tempFolder('first-run-desktop'));
  expect(await started.exited).toBe(0);
  expect(started.output()).toContain(`desktop app started with ${ROOT}`);
  expect(started.output()).not.toContain('cannot start here');
  expect(started.output()).not.toContain('Control Panel:');
});
