/**
 * The monitoring API's one shape, on a real pool with a real miner: SRI's paths, lists paged as
 * `{offset, limit, total, items}`, channel lists in SRI's extended/standard shape, snake_case keys
 * everywhere, and metric series present (at zero) before the first event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolRoutes } from '../../src/monitor/pool-routes.js';
import { startMonitor, type MonitorServer } from '../../src/monitor/server.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { Miner } from '../../src/roles/miner/miner.js';
import { DEFAULT_LIMIT, MAX_LIMIT, pageRequest } from '../../src/roles/common/paging.js';
import { startPool } from '../support/miner.js';
import type { TestPool } from '../support/pool.js';

let pool: TestPool;
let monitor: MonitorServer;
const miners: Miner[] = [];

const get = async (path: string): Promise<Record<string, unknown>> => {
  const res = await fetch(monitor.url + path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

/** Every key of every object in `v`, recursively (values of maps keyed by reason are keys too, and are kebab-case). */
function camelKeys(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => camelKeys(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [...(/[a-z][A-Z]/.test(k) ? [`${path}.${k}`] : []), ...camelKeys(x, `${path}.${k}`)]);
}

beforeAll(async () => {
  pool = await startPool(AuthorityKeyPair.generate(), { POOL__SHARES_PER_MINUTE: '120' });
  monitor = await startMonitor({ host: '127.0.0.1', port: 0, routes: poolRoutes(pool.pool), registry: pool.pool.metrics.registry });
  for (const user of ['shape.a', 'shape.b', 'shape.c']) miners.push(Miner.start({ url: pool.url, user, threads: 1 }));
  await Promise.all(miners.map((m) => new Promise((resolve) => m.once('share-accepted', resolve))));
}, 30_000);

afterAll(async () => {
  await Promise.all(miners.map((m) => m.close()));
  await monitor?.close();
  await pool?.close();
});

describe('the monitoring API', () => {
  it('reads a page request the same way everywhere', () => {
    expect(pageRequest({})).toEqual({ offset: 0, limit: DEFAULT_LIMIT });
    expect(pageRequest({ offset: '2', limit: '5' })).toEqual({ offset: 2, limit: 5 });
    expect(pageRequest({ offset: '-3', limit: '99999' })).toEqual({ offset: 0, limit: MAX_LIMIT });
    expect(pageRequest({ offset: 'x', limit: 'y' })).toEqual({ offset: 0, limit: DEFAULT_LIMIT });
  });

  it('pages the clients and names each one’s channels in SRI’s shape', async () => {
    const all = await get('/api/v1/clients');
    expect(all).toMatchObject({ offset: 0, limit: DEFAULT_LIMIT, total: 3 });
    const second = await get('/api/v1/clients?offset=1&limit=1');
    expect(second).toMatchObject({ offset: 1, limit: 1, total: 3 });
    const items = second.items as Array<{ id: number }>;
    expect(items).toHaveLength(1);
    expect(items[0]!.id).toBe((all.items as Array<{ id: number }>)[1]!.id);

    const channels = await get(`/api/v1/clients/${items[0]!.id}/channels`);
    expect(channels).toMatchObject({ offset: 0, total_extended: 0, total_standard: 1, extended_channels: [] });
    expect((channels.standard_channels as Array<Record<string, unknown>>)[0]).toMatchObject({ kind: 'standard' });
    expect((await fetch(`${monitor.url}/api/v1/clients/4242/channels`)).status).toBe(404);
  });

  it('says where the pool’s templates come from at /api/v1/server', async () => {
    expect(await get('/api/v1/server')).toMatchObject({ template_source: 'embedded regtest chain', health: 'ok' });
  });

  it('speaks snake_case on every path', async () => {
    const id = ((await get('/api/v1/clients')).items as Array<{ id: number }>)[0]!.id;
    for (const path of ['/api/v1/health', '/api/v1/global', '/api/v1/server', '/api/v1/clients', `/api/v1/clients/${id}`, `/api/v1/clients/${id}/channels`, '/api/v1/blocks', '/api/v1/history']) {
      expect(camelKeys(await get(path)), path).toEqual([]);
    }
  });

  it('has every rejection and block series at zero from the start, and the uptime, under one prefix', async () => {
    const text = await (await fetch(`${monitor.url}/metrics`)).text();
    // (honest CPU miners never send these; a stale share can happen when a block is found)
    for (const reason of ['invalid-channel-id', 'bad-extranonce-size', 'invalid-non-rollable-version-bit', 'version-rolling-not-allowed']) expect(text).toMatch(new RegExp(`^sv2_pool_shares_rejected_total\\{reason="${reason}"\\} 0$`, 'm'));
    for (const status of ['accepted', 'rejected', 'stale']) expect(text).toMatch(new RegExp(`^sv2_pool_blocks_found_total\\{status="${status}"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^sv2_pool_uptime_seconds \d/m);
    for (const reason of ['per-ip-limit', 'handshake-rate', 'handshake-rate-per-ip', 'penalized']) expect(text).toMatch(new RegExp(`^sv2_pool_connections_refused_total\\{reason="${reason}"\\} 0$`, 'm'));
    const ours = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!).filter((n) => !/^(process|nodejs)_/.test(n));
    expect(ours.filter((n) => !n.startsWith('sv2_pool_'))).toEqual([]);
  });
});
