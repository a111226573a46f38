import { defineConfig } from '@playwright/test';

// `chromium` runs in `npm test` against the headless host. `electron` drives the real desktop app and
// runs only where an Electron binary exists (`npm run test:electron`); see README.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  reporter: [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'chromium', testIgnore: /electron\// },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
});
