/**
 * The proxy's dashboard in headless Chromium: a pool on its regtest chain, the proxy in front of
 * it, and an Sv2 CPU miner on the proxy; the page shows the device counting shares and the
 * upstream channel open, and says so when the pool goes away.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyRoutes } from '../../src/monitor/proxy-views.js';
import { startMonitor, type MonitorServer } from '../../src/monitor/server.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { Miner } from '../../src/roles/miner/miner.js';
import { proxyRegistry } from '../../src/roles/proxy/metrics.js';
import { startPool } from '../support/miner.js';
import type { TestPool } from '../support/pool.js';
import { startTestProxy, type TestProxy } from '../support/proxy.js';
import { screenshotPath } from '../support/screenshots.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const authority = AuthorityKeyPair.generate();
let pool: TestPool;
let proxy: TestProxy;
let monitor: MonitorServer;
let miner: Miner;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  pool = await startPool(authority);
  proxy = await startTestProxy([{ port: pool.pool.port, authority }], { PROXY__DOWNSTREAM_SHARES_PER_MINUTE: '120' });
  monitor = await startMonitor({ host: '127.0.0.1', port: 0, routes: proxyRoutes(proxy.proxy), registry: proxyRegistry(proxy.proxy), dashboard: 'proxy' });
  miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${proxy.proxy.port}/${proxy.authority.publicKey.toString()}`, user: 'rig-on-proxy', threads: 1 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith(monitor.url)) pageErrors.push(`request outside the server: ${r.url()}`);
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await miner?.close();
  await monitor?.close();
  await proxy?.close();
  await pool?.close();
});

type PageGlobal = { document: { querySelector(selector: string): { textContent: string | null } | null } };
function deviceAcceptedAbove(n: number): boolean {
  const el = (globalThis as unknown as PageGlobal).document.querySelector('[data-testid=devices] [data-testid=accepted]');
  return Number((el?.textContent ?? '0').replace(/,/g, '')) > n;
}

describe('proxy dashboard in Chromium', () => {
  it('shows the device counting shares and the upstream channel open', async () => {
    await page.goto(monitor.dashboardUrl!);
    const row = page.locator('[data-testid=devices] tbody tr', { hasText: 'rig-on-proxy' });
    await row.waitFor({ timeout: 20_000 });
    await page.waitForFunction(deviceAcceptedAbove, 0, { timeout: 30_000 });
    expect(await page.locator('[data-testid=upstream-state]').textContent()).toMatch(/^channel \d+ open$/);
    expect(await page.locator('.card', { hasText: /^Upstream/ }).textContent()).toContain('connected');
    const box = await page.locator('[data-testid=hashrate-chart] canvas').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    await page.screenshot({ path: screenshotPath('dashboard-proxy.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('says the upstream is down when the pool goes away, while the device stays listed', async () => {
    await pool.close();
    await page.locator('[data-testid=upstream-state]', { hasText: 'no channel' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=devices] tbody tr', { hasText: 'rig-on-proxy' }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
