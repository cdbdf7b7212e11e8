import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../../src/roles/common/config.js';
import { configError, tomlFile } from '../../support/config.js';

const schema = z.strictObject({
  listen_address: z.string(),
  shares_per_minute: z.number().positive(),
  share_batch_size: z.number().int().positive().default(10),
  enable_vardiff: z.boolean().default(true),
  template_provider_type: z
    .union([
      z.strictObject({ Sv2Tp: z.strictObject({ address: z.string(), public_key: z.string().optional() }) }),
      z.strictObject({ Embedded: z.strictObject({}) }),
    ])
    .optional(),
});

describe('loadConfig', () => {
  it('reads TOML with SRI key names and fills defaults', () => {
    const f = tomlFile('listen_address = "0.0.0.0:34254"\nshares_per_minute = 6.0\n[template_provider_type.Sv2Tp]\naddress = "127.0.0.1:8442"\n');
    const c = loadConfig({ file: f, envPrefix: 'POOL', schema, env: {} });
    expect(c).toEqual({
      listen_address: '0.0.0.0:34254', shares_per_minute: 6, share_batch_size: 10, enable_vardiff: true,
      template_provider_type: { Sv2Tp: { address: '127.0.0.1:8442' } },
    });
  });

  it('lets PREFIX__KEY environment variables override any key, typed as TOML values', () => {
    const f = tomlFile('listen_address = "0.0.0.0:34254"\nshares_per_minute = 6.0\n');
    const c = loadConfig({
      file: f, envPrefix: 'POOL', schema,
      env: { POOL__SHARES_PER_MINUTE: '20', POOL__ENABLE_VARDIFF: 'false', POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__ADDRESS: '10.0.0.1:8442', OTHER__X: '1' },
    });
    expect(c.shares_per_minute).toBe(20);
    expect(c.enable_vardiff).toBe(false);
    expect(c.template_provider_type).toEqual({ Sv2Tp: { address: '10.0.0.1:8442' } });
  });

  it('works from the environment alone', () => {
    const c = loadConfig({ envPrefix: 'POOL', schema, env: { POOL__LISTEN_ADDRESS: '127.0.0.1:1', POOL__SHARES_PER_MINUTE: '1.5' } });
    expect(c.listen_address).toBe('127.0.0.1:1');
  });

  it('names the key and the problem in one line', () => {
    expect(configError(() => loadConfig({ file: tomlFile('shares_per_minute = 6.0\n'), envPrefix: 'POOL', schema, env: {} })).message).toBe('listen_address: is missing');
    const bad = configError(() => loadConfig({ file: tomlFile('listen_address = "x"\nshares_per_minute = "six"\n'), envPrefix: 'POOL', schema, env: {} }));
    expect(bad.key).toBe('shares_per_minute');
    expect(bad.message).not.toContain('\n');
    expect(configError(() => loadConfig({ file: tomlFile('listen_address = "x"\nshares_per_minute = 1\nsharez = 2\n'), envPrefix: 'POOL', schema, env: {} })).message).toContain('sharez');
    expect(configError(() => loadConfig({ file: tomlFile('listen_address = \n'), envPrefix: 'POOL', schema, env: {} })).message).toMatch(/^config: .* is not valid TOML/);
    expect(configError(() => loadConfig({ file: '/nonexistent/pool.toml', envPrefix: 'POOL', schema, env: {} })).message).toMatch(/^config: cannot read .*ENOENT/);
  });
});
