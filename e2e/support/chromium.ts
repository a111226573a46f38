import fs from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Debian's Chromium, or CHROMIUM_PATH. We never download a browser (the network here forbids it). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      env.CHROMIUM_PATH
        ? `CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, but there is no file there.`
        : 'No Chromium found. Install it with "sudo apt-get install -y chromium" (Debian/Ubuntu), ' +
            'or set CHROMIUM_PATH to a Chromium or Chrome executable.',
    );
  }
  return found;
}
