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
});
