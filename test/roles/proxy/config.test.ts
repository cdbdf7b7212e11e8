import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProxyConfig } from '../../../src/roles/proxy/config.js';
import { configError, tomlFile } from '../../support/config.js';

const POOL_KEY = '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72';
const OWN_PUB = '9asG9WptakyR3tdfS33YHWBTafPnXUHkdW3jE2dnxkyxdEz2nQY';
const OWN_SECRET = '2ACje4eCPLrzB5wNNqvSxQUnwWrPK3TpM3Tu5ywzkPHHfBbg1g';
const KEYS = `authority_public_key = "${OWN_PUB}"\nauthority_secret_key = "${OWN_SECRET}"\n`;

describe('proxy config', () => {
  it('loads the example, upstreams in order of preference (a URL form too)', () => {
    const s = loadProxyConfig(path.resolve('config-examples/proxy-config-example.toml'), {});
    expect(s.listenAddress).toBe('0.0.0.0:34256');
    expect(s.upstreams).toEqual([
      { host: '127.0.0.1', port: 34254, authorityPubkey: POOL_KEY, userIdentity: 'your_username_here' },
      { host: '127.0.0.1', port: 34264, authorityPubkey: POOL_KEY, userIdentity: 'your_username_here' },
    ]);
    expect(s).toMatchObject({ sharesPerMinute: 6, shareBatchSize: 10, downstreamExtranonceSize: 8, certValiditySecs: 3600, monitoringAddress: { host: '127.0.0.1', port: 9094 }, ignored: [] });
  });

  it("takes SRI's old mining-proxy keys where they mean the same", () => {
    const f = tomlFile(`${KEYS}
listen_address = "0.0.0.0"
listen_mining_port = 34255
max_supported_version = 2
min_supported_version = 2
downstream_share_per_minute = 12
expected_total_downstream_hr = 1e15
reconnect = true
upstreams = [{ channel_kind = "Group", address = "10.0.0.2", port = 34254, pub_key = "${POOL_KEY}" }]
user_identity = "farm"
`);
    const s = loadProxyConfig(f, {});
    expect(s).toMatchObject({ listenAddress: '0.0.0.0:34255', sharesPerMinute: 12, expectedHashrate: 1e15 });
    expect(s.upstreams).toEqual([{ host: '10.0.0.2', port: 34254, authorityPubkey: POOL_KEY, userIdentity: 'farm' }]);
  });

  it('PROXY__ environment overrides, array entries included', () => {
    const s = loadProxyConfig(path.resolve('config-examples/proxy-config-example.toml'), {
      PROXY__DOWNSTREAM_SHARES_PER_MINUTE: '30',
      PROXY__UPSTREAMS__0__ADDRESS: '"10.1.2.3"',
      PROXY__LISTEN_ADDRESS: '127.0.0.1:0',
    });
    expect(s.sharesPerMinute).toBe(30);
    expect(s.upstreams[0]!.host).toBe('10.1.2.3');
    expect(s.listenAddress).toBe('127.0.0.1:0');
  });

  it('names the key at fault', () => {
    const base = `${KEYS}listen_address = "0.0.0.0:34255"\nuser_identity = "farm"\n`;
    const up = `[[upstreams]]\naddress = "10.0.0.2"\nport = 34254\nauthority_pubkey = "${POOL_KEY}"\n`;
    expect(configError(() => loadProxyConfig(tomlFile(base), {})).key).toBe('upstreams');
    expect(loadProxyConfig(tomlFile(`${base}aggregate_channels = false\n${up}`), {}).aggregateChannels).toBe(false);
    expect(configError(() => loadProxyConfig(tomlFile(`${base}${up.replace(POOL_KEY, 'nope')}`), {})).key).toBe('upstreams.0.authority_pubkey');
    expect(configError(() => loadProxyConfig(tomlFile(`${base}listen_mining_port = 1\n${up}`), {})).key).toBe('listen_mining_port');
    expect(configError(() => loadProxyConfig(tomlFile(`${base}downstream_extranonce_size = 2\n${up}`), {})).key).toBe('downstream_extranonce_size');
    expect(configError(() => loadProxyConfig(tomlFile(`${base}bogus = 1\n${up}`), {})).message).toMatch(/bogus/);
    expect(configError(() => loadProxyConfig(tomlFile(`${base}${up}channel_kind = "ExtendedWithDeclarator"\n`), {})).key).toBe('upstreams.0.channel_kind');
  });
});
