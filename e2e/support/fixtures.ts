import { test as base, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './chromium';
import { startHeadlessServer, type RunningServer } from './headless-server';

/** Chromium from the system (never a downloaded one) and a fresh headless server per test. */
export const test = base.extend<{ server: RunningServer }, { browser: Browser }>({
  browser: [
    async ({ playwright }, use) => {
      const browser = await playwright.chromium.launch({
        executablePath: findChromium(),
        args: CHROMIUM_ARGS,
      });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  server: async ({}, use) => {
    const server = await startHeadlessServer();
    await use(server);
    await server.stop();
  },
});

export { expect } from '@playwright/test';
