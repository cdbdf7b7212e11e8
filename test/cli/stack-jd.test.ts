/** The stack's job_declaration option, in this process: on, the Sv2 miner's path has a JD client and the pool a JDS; off, neither. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../src/cli/stack/config.js';
import { startStack } from '../../src/cli/stack/stack.js';

const ports = { template_provider_port: 0, pool_port: 0, translator_port: 0, jds_port: 0, jd_client_port: 0, proxy_port: 0, monitoring_port: 0, sv2_miner_threads: 0, sv1_miner_threads: 0 };

describe('stack job_declaration', () => {
  it('on (the default): the pool runs a JDS, a JD client is connected to it and the pool, and its dashboard is linked', async () => {
    const stack = await startStack({ ...loadStackConfig(undefined, {}), ...ports, data_dir: mkdtempSync(path.join(tmpdir(), 'sv2-stack-jd-')) });
    try {
      expect(stack.pool.jd).toBeDefined();
      expect(stack.jdc).toBeDefined();
      await expect.poll(() => stack.jdc!.upstreams!.status().connected).toBe(true);
      expect(stack.monitors.map((m) => m.name)).toEqual(['pool', 'translator', 'template-provider', 'proxy', 'jd-client']);
      expect(stack.endpoints.map((e) => e.name)).toContain('JD client (Sv2, the Sv2 miner)');
      // The Sv2 miner's proxy speaks to the JD client, as a farm behind its own job declarator.
      await expect.poll(() => stack.proxy!.upstreams.status().connected).toBe(true);
      expect(stack.proxy!.upstreams.status().address).toBe(`127.0.0.1:${stack.jdc!.port}`);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('off: the pool has no JDS and no JD client runs', async () => {
    const stack = await startStack({ ...loadStackConfig(undefined, { STACK__JOB_DECLARATION: 'false' }), ...ports, data_dir: mkdtempSync(path.join(tmpdir(), 'sv2-stack-jd-')) });
    try {
      expect(stack.pool.jd).toBeUndefined();
      expect(stack.jdc).toBeUndefined();
      expect(stack.monitors.map((m) => m.name)).toEqual(['pool', 'translator', 'template-provider', 'proxy']);
      // Without a JD client the proxy speaks to the pool itself.
      await expect.poll(() => stack.proxy!.upstreams.status().connected).toBe(true);
      expect(stack.proxy!.upstreams.status().address).toBe(`127.0.0.1:${stack.pool.port}`);
    } finally {
      await stack.close();
    }
  }, 60_000);
});
