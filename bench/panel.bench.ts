// The Control Panel at scale (issue 17): the real headless host (`repo-server serve`, built with
// `npm run build` first) over a data dir of 500 repositories (`--repositories`), 1,000 history rows
// (`--history`) and 200 connected WebSocket clients (`--clients`, spread over the repositories), opened in
// Debian's Chromium through Playwright (a script, not a test). Measured in the page with the Performance
// API, against the same measured for one repository, client and history row in the same run:
// - first render: navigation start (performance's time origin) to the moment the repositories, clients
//   and history tables all show their rows (a MutationObserver's performance.now()), and to the frame
//   after it (requestAnimationFrame: painted);
// - live update, p50/p95 over `--updates` (30) each: a client connecting (the server's clientsChanged
//   event) until its row is in the Connected clients table, and a repository created (repositoriesChanged)
//   until its row is in the Repositories table — end to end (from the bench's request, both clocks the
//   wall clock of this machine) and from the event's arrival in the page (the renderer's own part).
// `npm run bench:panel [-- --repositories 500 --clients 200 --history 1000]`. Timings are noisy on a
// shared machine: read them against the baseline of the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { createServer } from '../electron/core/create-server';
import { CHROMIUM_ARGS, findChromium } from '../e2e/support/chromium';
import { startHeadlessServer, type RunningServer } from '../e2e/support/headless-server';
import { below, figure } from './figures';

const { values } = parseArgs({
  options: {
    repositories: { type: 'string', default: '500' },
    clients: { type: 'string', default: '200' },
    history: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '30' },
    renders: { type: 'string', default: '5' },
    // Keeps the browser's CPU profile of one first render and the updates in this file (DevTools format).
    profile: { type: 'string' },
    // Saves the large panel at 1280×800 and 900×650 in this folder (to look at, e.g. a long table).
    screenshots: { type: 'string' },
  },
});
const REPOSITORIES = Number(values.repositories);
const CLIENTS = Number(values.clients);
const HISTORY = Number(values.history);
const UPDATES = Number(values.updates);
const RENDERS = Number(values.renders);
/** The history panel shows the newest rows only (control-panel-data.ts asks for 15). */
const HISTORY_SHOWN = 15;
const RENDER_LIMIT_MS = 120_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const name = (i: number) => `Repo ${String(i + 1).padStart(3, '0')}`;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const wallNow = () => performance.timeOrigin + performance.now();

async function makeDataDir(repositories: number, history: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-panel-${repositories}-`));
  const server = await createServer({
    dataDir,
    appInfo: { name: 'bench', version: '0' },
    host: 'headless',
    logger: quiet,
  });
  for (let i = 0; i < repositories; i++) {
    server.store
      .create(name(i))
      .put({ path: 'modules/login', kind: 'module', content: 'step 1\n', updatedBy: 'bench' });
  }
  const rows = server.backups.history;
  for (let i = 0; i < history; i++) {
    const repository = repositories ? name(i % repositories) : null;
    const id = rows.begin({ kind: 'backup', trigger: 'schedule', repository, file: null });
    rows.finish(id, { status: 'ok', sizeBytes: 4096 + i, file: `/backups/${repository}_${i}.zip` });
  }
  await server.stop();
  return dataDir;
}

function connectClient(server: RunningServer, repository: string, label: string): Promise<WebSocket> {
  const url = `${server.clientsOrigin}/v1/repositories/${encodeURIComponent(repository)}?client=${encodeURIComponent(label)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Installed before the page's scripts: the watchers the measurements read. */
const PAGE_SCRIPT = `
  window.__arrivals = [];
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'clientsChanged' && type !== 'repositoriesChanged') return add.call(this, type, listener, options);
    return add.call(this, type, (e) => {
      window.__arrivals.push({ type, at: performance.timeOrigin + performance.now() });
      listener(e);
    }, options);
  };
  const rowsOf = (label) => {
    const table = document.querySelector('[role="grid"][aria-label="' + label + '"], table[aria-label="' + label + '"]');
    if (!table) return -1;
    const count = Number(table.getAttribute('aria-rowcount'));
    // A body row is one without column headers (a long table's rows are divs, not a tbody's).
    const bodyRows = [...table.querySelectorAll('[role="row"], tr')].filter((r) => !r.querySelector('[role="columnheader"], th')).length;
    // A virtualised table says its total in aria-rowcount (the header row included) and renders a part.
    return count > 0 ? (bodyRows > 0 ? count - 1 : 0) : bodyRows;
  };
  window.__firstRender = new Promise((resolve) => {
    const check = () => {
      const w = window.__want;
      if (!w) return;
      if (rowsOf('Repositories') < w.repositories || rowsOf('Connected clients') < w.clients || rowsOf('Recent history') < w.history) return;
      observer.disconnect();
      const dom = performance.now();
      requestAnimationFrame(() => resolve({ dom, painted: performance.now() }));
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true, characterData: true });
  });
  /**
   * The wall-clock time when an element with exactly this text appears in the page, or when the table
   * says it has one row more (a long table renders only the rows in view: a row added out of view is
   * there once its aria-rowcount counts it).
   */
  window.__appears = (text, label) => new Promise((resolve) => {
    const found = () => [...document.querySelectorAll('strong, [role="rowheader"], td, th')].some((e) => e.textContent === text);
    const rowsBefore = rowsOf(label);
    const done = () => {
      observer.disconnect();
      resolve(performance.timeOrigin + performance.now());
    };
    const observer = new MutationObserver((mutations) => {
      if (rowsOf(label) > rowsBefore) return done();
      for (const m of mutations) for (const n of m.addedNodes) {
        if (n.textContent && n.textContent.includes(text) && found()) return done();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['aria-rowcount'] });
  });
`;

interface Measured {
  renderDom: number;
  renderPainted: number;
  clientEndToEnd: number[];
  clientInPage: number[];
  repositoryEndToEnd: number[];
  repositoryInPage: number[];
}

async function openPanel(page: Page, url: string, want: object) {
  await page.addInitScript(`window.__want = ${JSON.stringify(want)};`);
  await page.goto(url);
  // Bounded: a page that never finishes (the tables before memoisation, at 500) is reported as such.
  return page.evaluate(
    (limit) =>
      Promise.race([
        (globalThis as unknown as { __firstRender: Promise<{ dom: number; painted: number }> }).__firstRender,
        new Promise<{ dom: number; painted: number }>((resolve) =>
          setTimeout(() => resolve({ dom: limit, painted: limit }), limit),
        ),
      ]),
    RENDER_LIMIT_MS,
  );
}

/** One live update: `act` starts it; returns end-to-end and in-page times in ms. */
async function liveUpdate(
  page: Page,
  text: string,
  table: string,
  event: string,
  act: () => Promise<unknown>,
) {
  const appears = page.evaluate(
    ([t, label]) =>
      (globalThis as unknown as { __appears(t: string, label: string): Promise<number> }).__appears(t, label),
    [text, table] as const,
  );
  await page.evaluate(() => ((globalThis as unknown as { __arrivals: unknown[] }).__arrivals.length = 0));
  const t0 = wallNow();
  await act();
  const shown = await appears;
  const arrivals = await page.evaluate(
    () => (globalThis as unknown as { __arrivals: Array<{ type: string; at: number }> }).__arrivals,
  );
  const arrival = arrivals.filter((a) => a.type === event && a.at <= shown).at(-1)?.at ?? shown;
  return { endToEnd: shown - t0, inPage: shown - arrival };
}

async function measure(repositories: number, clients: number, history: number): Promise<Measured> {
  console.log(`\n${repositories} repositories, ${clients} clients, ${history} history rows: preparing…`);
  const dataDir = await makeDataDir(repositories, history);
  const server = await startHeadlessServer([], dataDir);
  const sockets: WebSocket[] = [];
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    for (let i = 0; i < clients; i++)
      sockets.push(
        await connectClient(server, name(i % Math.max(1, Math.min(repositories, 100))), `tool ${i + 1}`),
      );
    const want = { repositories, clients, history: Math.min(history, HISTORY_SHOWN) };
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(PAGE_SCRIPT);
    const renders: Array<{ dom: number; painted: number }> = [];
    let page!: Page;
    for (let r = 0; r < RENDERS; r++) {
      if (page) await page.close();
      page = await context.newPage();
      renders.push(await openPanel(page, server.url, want));
    }
    if (values.screenshots && repositories > 1) {
      fs.mkdirSync(values.screenshots, { recursive: true });
      for (const [width, height] of [
        [1280, 800],
        [900, 650],
      ] as const) {
        await page.setViewportSize({ width, height });
        const file = path.join(values.screenshots, `panel-${repositories}-${width}x${height}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`  screenshot: ${file}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    const cdp = values.profile && repositories > 0 ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const m: Measured = {
      renderDom: quantile(
        renders.map((r) => r.dom),
        0.5,
      ),
      renderPainted: quantile(
        renders.map((r) => r.painted),
        0.5,
      ),
      clientEndToEnd: [],
      clientInPage: [],
      repositoryEndToEnd: [],
      repositoryInPage: [],
    };
    for (let k = 0; k < UPDATES; k++) {
      const label = `live ${k + 1}`;
      const c = await liveUpdate(page, label, 'Connected clients', 'clientsChanged', async () =>
        sockets.push(await connectClient(server, name(k % repositories), label)),
      );
      m.clientEndToEnd.push(c.endToEnd);
      m.clientInPage.push(c.inPage);
      const repo = `AAA live ${k + 1}`;
      const r = await liveUpdate(page, repo, 'Repositories', 'repositoriesChanged', () =>
        fetch(`${server.origin}/api/createRepository`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
          body: JSON.stringify({ name: repo }),
        }).then((res) => res.json()),
      );
      m.repositoryEndToEnd.push(r.endToEnd);
      m.repositoryInPage.push(r.inPage);
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(values.profile!, JSON.stringify(profile));
      console.log(`  CPU profile of the updates: ${values.profile}`);
    }
    console.log(
      `  first render ${m.renderDom.toFixed(0)} ms (painted ${m.renderPainted.toFixed(0)} ms); ` +
        `client row p50 ${quantile(m.clientEndToEnd, 0.5).toFixed(1)} ms, repository row p50 ${quantile(m.repositoryEndToEnd, 0.5).toFixed(1)} ms`,
    );
    return m;
  } finally {
    await browser.close();
    for (const ws of sockets) ws.terminate();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  // The same page and host with one of each: what a render and an update cost anyway.
  const base = await measure(1, 1, 1);
  const big = await measure(REPOSITORIES, CLIENTS, HISTORY);
  const scale = `${REPOSITORIES} repositories, ${CLIENTS} clients, ${HISTORY} history rows`;
  figure({
    name: `Control Panel first render (navigation to all tables showing their rows), ${scale}`,
    value: big.renderDom,
    unit: 'ms',
    goal: '< 1000 ms',
    met: below(big.renderDom, 1000),
    baseline: `1 of each: ${base.renderDom.toFixed(0)} ms; painted ${big.renderPainted.toFixed(0)} vs ${base.renderPainted.toFixed(0)} ms`,
  });
  for (const [what, a, b, aPage, bPage] of [
    [
      'a client connects: its row in Connected clients',
      big.clientEndToEnd,
      base.clientEndToEnd,
      big.clientInPage,
      base.clientInPage,
    ],
    [
      'a repository is created: its row in Repositories',
      big.repositoryEndToEnd,
      base.repositoryEndToEnd,
      big.repositoryInPage,
      base.repositoryInPage,
    ],
  ] as const) {
    for (const q of [0.5, 0.95]) {
      const value = quantile([...a], q);
      figure({
        name: `live update p${q * 100}, ${what}, ${scale}`,
        value,
        unit: 'ms',
        goal: '< 50 ms',
        met: below(value, 50),
        baseline: `1 of each: ${quantile([...b], q).toFixed(1)} ms; from the event's arrival in the page ${quantile([...aPage], q).toFixed(1)} vs ${quantile([...bPage], q).toFixed(1)} ms`,
      });
    }
  }
}

await main();
