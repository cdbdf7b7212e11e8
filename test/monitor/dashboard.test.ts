/**
 * The pool's dashboard in a real browser: a pool on its own regtest chain, a CPU miner, the
 * monitoring server, and headless Chromium (Debian's `chromium`; .ci/run installs it) looking
 * at the page as an operator would. Saves a screenshot (docs/dashboard.png, the README's, with
 * UPDATE_SCREENSHOTS=1).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from '../support/screenshots.js';
import { poolRoutes } from '../../src/monitor/pool-routes.js';
import { startMonitor, type MonitorServer } from '../../src/monitor/server.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { Miner } from '../../src/roles/miner/miner.js';
import { startPool } from '../support/miner.js';
import type { TestPool } from '../support/pool.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const USER = 'dashboard.rig1';
const VENDOR_SHOWN = 'stratum-v2-ts cpu miner';

let pool: TestPool;
let monitor: MonitorServer;
let miner: Miner;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  // History points every second, so the chart has a line within the test's seconds.
  pool = await startPool(AuthorityKeyPair.generate(), { POOL__SHARES_PER_MINUTE: '120' }, undefined, { historyIntervalMs: 1000 });
  monitor = await startMonitor({ host: '127.0.0.1', port: 0, routes: poolRoutes(pool.pool), registry: pool.pool.metrics.registry, dashboard: 'pool' });
  miner = Miner.start({ url: pool.url, user: USER, threads: 1, deviceId: 'rig-1' });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) pageErrors.push(`${r.status()} for ${r.url()}`);
  });
  // Anything the page asks of another origin fails the test below.
  page.on('request', (r) => {
    if (!r.url().startsWith(monitor.url)) pageErrors.push(`request outside the server: ${r.url()}`);
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await miner?.close();
  await monitor?.close();
  await pool?.close();
});

// Page-side functions. The test's TypeScript has no DOM types, so the little they touch is typed here
// (and they are functions, not strings: the page's content security policy forbids eval).
interface PageElement {
  textContent: string | null;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
type PageGlobal = { document: { querySelector(selector: string): PageElement | null } };

function acceptedAbove(n: number): boolean {
  const el = (globalThis as unknown as PageGlobal).document.querySelector('[data-testid=clients] [data-testid=accepted]');
  return Number((el?.textContent ?? '0').replace(/,/g, '')) > n;
}

/** Pixels of the hashrate chart's canvas in the line's colour (#f7931a). */
function chartLineDrawn(least: number): boolean {
  const c = (globalThis as unknown as PageGlobal).document.querySelector('[data-testid=hashrate-chart] canvas');
  const px = c?.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; px !== undefined && i < px.length; i += 4) if (px[i]! > 200 && px[i + 1]! > 110 && px[i + 1]! < 180 && px[i + 2]! < 80) n++;
  return n > least;
}

/** The number in the miner's "accepted" cell. */
async function acceptedShown(): Promise<number> {
  const text = await page.locator('[data-testid=clients] tbody tr', { hasText: USER }).locator('[data-testid=accepted]').textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

describe('pool dashboard in Chromium', () => {
  it('lists the miner, counts its shares up, draws the hashrate chart and shows a found block', async () => {
    await page.goto(monitor.dashboardUrl!);
    await page.locator('[data-testid=status].live').waitFor({ timeout: 10_000 });
    const row = page.locator('[data-testid=clients] tbody tr', { hasText: USER });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain(VENDOR_SHOWN);

    // Its shares count up as the page polls.
    await page.waitForFunction(acceptedAbove, 0, { timeout: 20_000 });
    const first = await acceptedShown();
    await page.waitForFunction(acceptedAbove, first, { timeout: 20_000 });
    expect(await acceptedShown()).toBeGreaterThan(first);

    // A block the miner found, accepted by the chain, with its height.
    const block = page.locator('[data-testid=blocks] tbody tr').first();
    await block.waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=blocks] .status.accepted').first().waitFor({ timeout: 10_000 });
    expect(await block.textContent()).toContain(USER);
    expect(await block.locator('td').first().textContent()).toMatch(/^\d[\d,]*$/);

    // Twenty points of history (a second apart here), then a fresh load draws them.
    await expect
      .poll(async () => ((await (await fetch(`${monitor.url}/api/v1/history?minutes=60`)).json()) as { points: unknown[] }).points.length, { timeout: 30_000, interval: 500 })
      .toBeGreaterThanOrEqual(20);
    await page.reload();
    await row.waitFor({ timeout: 10_000 });

    // The hashrate chart: a canvas of real size with the line drawn in the accent colour.
    const canvas = page.locator('[data-testid=hashrate-chart] canvas');
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
    await page.waitForFunction(chartLineDrawn, 50, { timeout: 15_000 });

    await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('opens a page per client with its device and channels', async () => {
    await page.locator('[data-testid=clients] tbody tr', { hasText: USER }).click();
    const channels = page.locator('[data-testid=channels] tbody tr');
    await channels.first().waitFor({ timeout: 5_000 });
    expect(await channels.first().textContent()).toContain(USER);
    expect(await page.locator('dl.kv').first().textContent()).toContain('rig-1');
    await page.locator('[data-testid=client-chart] canvas').waitFor({ timeout: 5_000 });
    await page.goto(`${monitor.dashboardUrl!}#/`);
  });

  it('says so when the pool is unreachable', async () => {
    await page.locator('[data-testid=clients]').waitFor({ timeout: 5_000 });
    await monitor.close();
    await page.locator('[role=alert]', { hasText: 'pool unreachable' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid=status]').textContent()).toContain('unreachable');
  }, 20_000);
});
