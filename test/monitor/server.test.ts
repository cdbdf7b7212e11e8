import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMonitor } from '../../src/monitor/server.js';
import type { MonitorServer } from '../../src/monitor/server.js';

describe('monitor server', () => {
  let server: MonitorServer;
  const registry = new Registry();
  const shares = new Counter({ name: 'sv2_test_shares_total', help: 'shares', registers: [registry] });

  beforeAll(async () => {
    server = await startMonitor({
      host: '127.0.0.1',
      port: 0,
      registry,
      routes: {
        '/api/v1/health': () => ({ status: 'ok' }),
        '/api/v1/clients/{id}': ({ id }) => (id === '7' ? { id: 7, hashrate: 10n } : undefined),
      },
    });
  });
  afterAll(() => server.close());

  it('serves JSON routes with path parameters, bigints as strings', async () => {
    expect(await (await fetch(`${server.url}/api/v1/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/api/v1/clients/7`)).json()).toEqual({ id: 7, hashrate: '10' });
    expect((await fetch(`${server.url}/api/v1/clients/8`)).status).toBe(404);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/health`, { method: 'POST' })).status).toBe(405);
  });

  it('serves Prometheus text at /metrics', async () => {
    shares.inc(3);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('sv2_test_shares_total 3');
  });

  it('serves a dashboard only when asked: the page for its role, the libraries, and no other file', async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect(server.dashboardUrl).toBeUndefined();
    const withPage = await startMonitor({ host: '127.0.0.1', port: 0, routes: {}, dashboard: 'translator' });
    try {
      expect(withPage.dashboardUrl).toBe(`${withPage.url}/`);
      const page = await fetch(withPage.dashboardUrl!);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      const text = await page.text();
      expect(text).toContain('data-role="translator"');
      let total = 0;
      for (const asset of ['/dashboard/app.js', '/dashboard/translator.js', '/dashboard/style.css', '/vendor/uplot.js', '/vendor/preact.js', '/vendor/preact-hooks.js', '/vendor/htm.js']) {
        const res = await fetch(`${withPage.url}${asset}`);
        expect(res.status, asset).toBe(200);
        expect(res.headers.get('content-type'), asset).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
        total += (await res.arrayBuffer()).byteLength;
      }
      // The page's files and libraries stay small.
      expect(total).toBeLessThan(300_000);
      expect((await fetch(`${withPage.url}/dashboard/../server.ts`)).status).toBe(404);
      expect((await fetch(`${withPage.url}/vendor/nope.js`)).status).toBe(404);
      expect(await (await fetch(`${withPage.url}/api/v1/dashboards`)).json()).toEqual([]);
    } finally {
      await withPage.close();
    }
  });
});
