import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPoolConfig, rewardScriptOf } from '../../../src/roles/pool/config.js';
import { configError, tomlFile } from '../../support/config.js';

const KEYS = `
authority_public_key = "9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72"
authority_secret_key = "mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n"
cert_validity_sec = 3600
listen_address = "0.0.0.0:34254"
coinbase_reward_script = "addr(tb1qa0sm0hxzj0x25rh8gw5xlzwlsfvvyz8u96w3p8)"
server_id = 1
pool_signature = "Stratum V2 SRI Pool"
shares_per_minute = 1.0
share_batch_size = 10
`;

describe('pool config', () => {
  it("reads an SRI pool config with the current [template_provider_type.Sv2Tp] table", () => {
    const cfg = loadPoolConfig(tomlFile(`${KEYS}\nmonitoring_address = "127.0.0.1:9090"\n[template_provider_type.Sv2Tp]\naddress = "127.0.0.1:8442"\n`), {});
    expect(cfg.template_provider_type).toEqual({ Sv2Tp: { address: '127.0.0.1:8442' } });
    expect(cfg.shares_per_minute).toBe(1);
    expect(Buffer.from(rewardScriptOf(cfg)).toString('hex')).toBe('0014ebe1b7dcc293ccaa0ee743a86f89df8258c208fc');
  });

  it('reads the legacy tp_address and test_only_listen_adress_plain keys', () => {
    const cfg = loadPoolConfig(tomlFile(`${KEYS}\ntest_only_listen_adress_plain = "0.0.0.0:34250"\ntp_address = "127.0.0.1:8442"\n`), {});
    expect(cfg.template_provider_type).toEqual({ Sv2Tp: { address: '127.0.0.1:8442', public_key: undefined } });
    expect(cfg.test_only_listen_adress_plain).toBe('0.0.0.0:34250');
  });

  it('defaults to the embedded chain and takes POOL__ overrides', () => {
    const cfg = loadPoolConfig(tomlFile(KEYS), { POOL__SHARES_PER_MINUTE: '12', POOL__LISTEN_ADDRESS: '127.0.0.1:0' });
    expect(cfg.template_provider_type).toEqual({ Embedded: { tx_per_second: 2 } });
    expect(cfg.shares_per_minute).toBe(12);
    expect(cfg.listen_address).toBe('127.0.0.1:0');
  });

  it('names the bad key', () => {
    expect(configError(() => loadPoolConfig(tomlFile(KEYS.replace('addr(tb1q', 'addr(xx1q')), {})).key).toBe('coinbase_reward_script');
    expect(configError(() => loadPoolConfig(tomlFile(KEYS.replace('listen_address = "0.0.0.0:34254"', 'listen_address = "nowhere"')), {})).message).toBe(
      'listen_address: must be host:port',
    );
    expect(configError(() => loadPoolConfig(tomlFile(KEYS.replace(/authority_secret_key.*\n/, '')), {})).message).toBe('authority_secret_key: is missing');
  });
});

describe('shipped pool config examples', () => {
  for (const name of ['pool-config-embedded.toml', 'pool-config-sv2-tp.toml', 'pool-config-bitcoin-core-rpc.toml']) {
    it(`${name} loads`, () => {
      const cfg = loadPoolConfig(path.resolve('config-examples', name), {});
      expect(Object.keys(cfg.template_provider_type)).toHaveLength(1);
      expect(rewardScriptOf(cfg).length).toBeGreaterThan(0);
    });
  }
});
