import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPoolConfig, poolNetwork, rewardScriptOf } from '../../../src/roles/pool/config.js';
import { listenLimits } from '../../../src/roles/common/limits.js';
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
const TP = 'tp_address = "127.0.0.1:8442"\n';

describe('pool config', () => {
  it('payout keys: defaults keep every coinbase paying the pool; the network of user_identity addresses follows the reward', () => {
    const cfg = loadPoolConfig(tomlFile(`${KEYS}\n${TP}`), {});
    expect(cfg).toMatchObject({
      solo_mining: false, solo_fee_percent: 0, payout_scheme: 'pplns', pool_fee_percent: 0, pplns_window_factor: 2,
      pplns_max_shares: 1 << 20, maturity_confirmations: 100, coinbase_dust_sats: 546, coinbase_max_outputs: 100, metrics_max_users: 20,
    });
    expect(poolNetwork(cfg)).toBe('testnet');
    const solo = loadPoolConfig(tomlFile(`${KEYS}\n${TP}`), { POOL__SOLO_MINING: 'true', POOL__PAYOUT_SCHEME: 'coinbase', POOL__NETWORK: 'signet' });
    expect(solo).toMatchObject({ solo_mining: true, payout_scheme: 'coinbase' });
    expect(poolNetwork(solo)).toBe('signet');
    expect(configError(() => loadPoolConfig(tomlFile(`${KEYS}\n${TP}`), { POOL__PAYOUT_SCHEME: 'pps' })).key).toBe('payout_scheme');
    const example = loadPoolConfig(path.resolve('config-examples/pool-config-embedded.toml'), {});
    expect(example.solo_mining).toBe(true);
    expect(poolNetwork(example)).toBe('regtest');
  });

  it('limits: a refused connection is held 2 s by default, and the keys reach the listener', () => {
    const cfg = loadPoolConfig(tomlFile(`${KEYS}\n${TP}`), {});
    expect(listenLimits(cfg)).toMatchObject({ refusedHoldMs: 2000, maxRefusedHeld: 1024 });
    const off = loadPoolConfig(tomlFile(`${KEYS}\n${TP}refused_hold_secs = 0\nmax_refused_held = 10\n`), {});
    expect(listenLimits(off)).toMatchObject({ refusedHoldMs: 0, maxRefusedHeld: 10 });
    expect(configError(() => loadPoolConfig(tomlFile(`${KEYS}\n${TP}refused_hold_secs = -1\n`), {})).key).toBe('refused_hold_secs');
  });

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

  it('takes POOL__ overrides, a template source included', () => {
    const cfg = loadPoolConfig(tomlFile(KEYS), { POOL__SHARES_PER_MINUTE: '12', POOL__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__ADDRESS: '10.0.0.9:8442' });
    expect(cfg.template_provider_type).toEqual({ Sv2Tp: { address: '10.0.0.9:8442' } });
    expect(cfg.shares_per_minute).toBe(12);
    expect(cfg.listen_address).toBe('127.0.0.1:0');
  });

  it('refuses a config with no template source rather than mine a private chain', () => {
    const e = configError(() => loadPoolConfig(tomlFile(KEYS), {}));
    expect(e.key).toBe('template_provider_type');
    expect(e.message).toMatch(/Sv2Tp.*BitcoinCoreRpc.*Embedded/);
  });

  it('refuses a payout address of another network on the embedded regtest chain', () => {
    const e = configError(() => loadPoolConfig(tomlFile(`${KEYS}[template_provider_type.Embedded]\n`), {}));
    expect(e.message).toMatch(/^coinbase_reward_script: is a testnet address, but \[template_provider_type.Embedded\] is a regtest chain/);
    const regtest = KEYS.replace('addr(tb1qa0sm0hxzj0x25rh8gw5xlzwlsfvvyz8u96w3p8)', 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)');
    expect(loadPoolConfig(tomlFile(`${regtest}[template_provider_type.Embedded]\n`), {}).template_provider_type).toEqual({ Embedded: { tx_per_second: 2 } });
  });

  it('names the key inside a template source table, and the tables when none fits', () => {
    expect(configError(() => loadPoolConfig(tomlFile(`${KEYS}[template_provider_type.BitcoinCoreRpc]\nurl = "not a url"\n`), {})).key).toBe('template_provider_type.BitcoinCoreRpc.url');
    expect(configError(() => loadPoolConfig(tomlFile(`${KEYS}[template_provider_type.Sv2Tp]\n`), {})).message).toBe('template_provider_type.Sv2Tp.address: is missing');
    expect(configError(() => loadPoolConfig(tomlFile(`${KEYS}[template_provider_type.Bogus]\nx = 1\n`), {})).message).toMatch(
      /^template_provider_type: must be one table of \[template_provider_type.Sv2Tp\], \[template_provider_type.Embedded\]/,
    );
  });

  it('names the bad key', () => {
    expect(configError(() => loadPoolConfig(tomlFile(TP + KEYS.replace('addr(tb1q', 'addr(xx1q')), {})).key).toBe('coinbase_reward_script');
    expect(configError(() => loadPoolConfig(tomlFile(TP + KEYS.replace('listen_address = "0.0.0.0:34254"', 'listen_address = "nowhere"')), {})).message).toBe(
      'listen_address: must be host:port',
    );
    expect(configError(() => loadPoolConfig(tomlFile(TP + KEYS.replace(/authority_secret_key.*\n/, '')), {})).message).toBe('authority_secret_key: is missing');
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
