/**
 * The translator's and the Template Provider's dashboards in headless Chromium, on the local
 * stack (embedded chain → TP → pool → translator, with an Sv1 CPU miner behind the translator).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from '../support/screenshots.js';
import { loadStackConfig } from '../../src/cli/stack/config.js';
import { startStack, type Stack } from '../../src/cli/stack/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const cfg = loadStackConfig(undefined, {});
  stack = await startStack({
    ...cfg,
    data_dir: mkdtempSync(path.join(tmpdir(), 'sv2-dash-')),
    template_provider_port: 0,
    pool_port: 0,
    translator_port: 0,
    jds_port: 0,
    jd_client_port: 0,
    proxy_port: 0,
    monitoring_port: 0,
    sv2_miner_threads: 0,
    sv1_miner_threads: 1,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

function dashboardOf(name: string): string {
  const url = stack.monitors.find((m) => m.name === name)?.dashboard;
  if (url === undefined) throw new Error(`no ${name} dashboard`);
  return url;
}

describe('role dashboards in Chromium', () => {
  it('the translator shows its Sv1 miner, counting shares, and its pool connection', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(dashboardOf('translator'));
    const miner = page.locator('[data-testid=miners] tbody tr', { hasText: 'sv1-miner' });
    await miner.waitFor({ timeout: 30_000 });
    await miner.locator('[data-testid=accepted]', { hasText: /^[1-9]/ }).waitFor({ timeout: 30_000 });
    expect(await page.locator('.card', { hasText: /^Upstream/ }).textContent()).toContain('connected');
    expect(await page.locator('[data-testid=channels] tbody tr').count()).toBeGreaterThan(0);
    // The stack's pages link one another.
    expect(await page.locator('[data-testid=sibling]').allTextContents()).toEqual(['pool', 'template-provider', 'proxy', 'jd-client']);
    const box = await page.locator('[data-testid=hashrate-chart] canvas').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    await page.screenshot({ path: screenshotPath('dashboard-translator.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 70_000);

  it('the Template Provider shows its tip and the pool as its client', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 700 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(dashboardOf('template-provider'));
    await page.locator('[data-testid=clients] tbody tr').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.card', { hasText: 'Tip height' }).textContent()).toMatch(/Tip height\d/);
    await page.screenshot({ path: screenshotPath('dashboard-template-provider.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 30_000);

  it('the JD client shows how it mines (solo here: no device of its own yet) and its upstream', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 700 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(dashboardOf('jd-client'));
    await page.locator('.card', { hasText: /^Mining/ }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.card', { hasText: /^Mining/ }).textContent()).toContain('solo');
    expect(await page.locator('[data-testid=upstream]').textContent()).toContain('none (solo)');
    expect(errors).toEqual([]);
  }, 30_000);
});
