import { defineConfig } from '@playwright/test';

// `chromium` runs in `npm test` against the headless host. `electron` drives the real desktop app and
// runs only where an Electron binary exists (`npm run test:electron`); see README.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Two workers in CI too: the specs mostly wait on servers and timers, and with one worker the e2e stage
  // alone took 8 minutes, pushing .ci/run past its 15-minute budget. Each spec starts its own server on its
  // own free port and data directory, so they do not share state.
  workers: 2,
  reporter: [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'chromium', testIgnore: /electron\// },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
});
