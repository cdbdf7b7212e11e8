import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/roles/common/config.js';
import { loadTranslatorConfig } from '../../../src/roles/translator/config.js';

const KEY = '9bB7KhXfKs8N7WMwekmEEn1Zt3TFKxjWxdZjBmoTDAMnPGSpqQb';
const EXAMPLES = path.resolve('config-examples');

function file(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sv2-tproxy-config-'));
  const f = path.join(dir, 'tproxy.toml');
  writeFileSync(f, text);
  return f;
}

const MINIMAL = `
downstream_address = "0.0.0.0"
downstream_port = 34255
user_identity = "alice"
[downstream_difficulty_config]
min_individual_miner_hashrate = 1e12
shares_per_minute = 6.0
[[upstreams]]
address = "127.0.0.1"
port = 34254
authority_pubkey = "${KEY}"
`;

function problem(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).not.toContain('\n');
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('translator config', () => {
  it('loads the shipped examples with SRI key names', () => {
    const local = loadTranslatorConfig(path.join(EXAMPLES, 'tproxy-config-local-pool-example.toml'), {});
    expect(local).toMatchObject({
      downstreamAddress: '0.0.0.0',
      downstreamPort: 34255,
      extranonce2Size: 4,
      aggregateChannels: true,
      // a CPU miner's rate: vardiff moves real devices up from there
      minIndividualMinerHashrate: 1e6,
      sharesPerMinute: 6,
      enableVardiff: true,
      jobKeepaliveIntervalSecs: 60,
      maxPastJobs: 16,
      monitoringAddress: { host: '127.0.0.1', port: 9092 },
      // the key of the pool examples, so the two connect
      upstreams: [{ host: '127.0.0.1', port: 34254, authorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72', userIdentity: 'your_username_here' }],
    });
    const hosted = loadTranslatorConfig(path.join(EXAMPLES, 'tproxy-config-hosted-pool-example.toml'), {});
    expect(hosted.upstreams).toEqual([
      { host: 'pool.example.com', port: 3333, authorityPubkey: KEY, userIdentity: 'your_primary_username_here' },
      { host: 'backup-pool.example.net', port: 3333, authorityPubkey: '9bZjsc56vzGVXCRFHUhkwZDXVBvtaGBqHE26D1xJ3gnReF4JU3v', userIdentity: 'your_backup_username_here' },
    ]);
  });

  it('fills SRI defaults and folds the top-level user_identity into each upstream', () => {
    const c = loadTranslatorConfig(file(MINIMAL), {});
    expect(c).toMatchObject({ minVersion: 2, maxVersion: 2, extranonce2Size: 4, aggregateChannels: true, enableVardiff: true, jobKeepaliveIntervalSecs: 60, monitoringAddress: null, refusedHoldMs: 2000, maxRefusedHeld: 1024, ignored: [] });
    expect(c.upstreams[0]!.userIdentity).toBe('alice');
  });

  it('accepts the legacy single-upstream keys of SRI ≤ v1.2', () => {
    const c = loadTranslatorConfig(
      file(`
downstream_address = "0.0.0.0"
downstream_port = 34255
upstream_address = "10.0.0.2"
upstream_port = 3336
upstream_authority_pubkey = "${KEY}"
user_identity = "bob"
min_extranonce2_size = 8
[downstream_difficulty_config]
min_individual_miner_hashrate = 1e12
shares_per_minute = 6.0
[upstream_difficulty_config]
channel_diff_update_interval = 60
channel_nominal_hashrate = 1e12
`),
      {},
    );
    expect(c.upstreams).toEqual([{ host: '10.0.0.2', port: 3336, authorityPubkey: KEY, userIdentity: 'bob' }]);
    expect(c.extranonce2Size).toBe(8);
    expect(c.ignored).toContain('upstream_difficulty_config');
  });

  it('TPROXY__ environment variables override anything, array-of-tables entries included, and suffice alone', () => {
    const c = loadTranslatorConfig(file(MINIMAL), {
      TPROXY__DOWNSTREAM_PORT: '3333',
      TPROXY__AGGREGATE_CHANNELS: 'false',
      TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__SHARES_PER_MINUTE: '12.5',
      TPROXY__UPSTREAMS__0__ADDRESS: 'pool.internal',
      TPROXY__UPSTREAMS__1__ADDRESS: `stratum2+tcp://[::1]:4444/${KEY}`,
      TPROXY__UPSTREAMS__1__USER_IDENTITY: 'carol',
    });
    expect(c).toMatchObject({ downstreamPort: 3333, aggregateChannels: false, sharesPerMinute: 12.5 });
    expect(c.upstreams).toEqual([
      { host: 'pool.internal', port: 34254, authorityPubkey: KEY, userIdentity: 'alice' },
      { host: '::1', port: 4444, authorityPubkey: KEY, userIdentity: 'carol' },
    ]);
    const envOnly = loadTranslatorConfig(undefined, {
      TPROXY__DOWNSTREAM_ADDRESS: '127.0.0.1',
      TPROXY__DOWNSTREAM_PORT: '0',
      TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__MIN_INDIVIDUAL_MINER_HASHRATE: '1e9',
      TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__SHARES_PER_MINUTE: '6',
      TPROXY__UPSTREAMS__0__ADDRESS: `stratum2+tcp://127.0.0.1:34254/${KEY}`,
      TPROXY__UPSTREAMS__0__USER_IDENTITY: 'dave',
    });
    expect(envOnly.upstreams).toEqual([{ host: '127.0.0.1', port: 34254, authorityPubkey: KEY, userIdentity: 'dave' }]);
  });

  it('names the bad or missing key in one line', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['downstream_port', { TPROXY__DOWNSTREAM_PORT: '"x"' }, 'downstream_port'],
      ['extranonce2 too small', { TPROXY__DOWNSTREAM_EXTRANONCE2_SIZE: '1' }, 'downstream_extranonce2_size'],
      ['shares_per_minute', { TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__SHARES_PER_MINUTE: '0' }, 'downstream_difficulty_config.shares_per_minute'],
      ['authority key', { TPROXY__UPSTREAMS__0__AUTHORITY_PUBKEY: 'not-a-key' }, 'upstreams.0.authority_pubkey'],
      ['port in a URL and key', { TPROXY__UPSTREAMS__0__ADDRESS: 'stratum2+tcp://h:1/x0x' }, 'upstreams.0.address'],
      ['verify_payout', { TPROXY__VERIFY_PAYOUT: 'true' }, 'verify_payout'],
      ['required_extensions', { TPROXY__REQUIRED_EXTENSIONS: '[2]' }, 'required_extensions'],
      ['unknown key', { TPROXY__DOWNSTREAM_PORTT: '1' }, '(root)'],
      ['version range', { TPROXY__MAX_SUPPORTED_VERSION: '3' }, 'max_supported_version'],
    ];
    for (const [what, env, key] of cases) expect(problem(() => loadTranslatorConfig(file(MINIMAL), env)).key, what).toBe(key);
    expect(problem(() => loadTranslatorConfig(file(MINIMAL.replace('downstream_port = 34255\n', '')), {})).message).toBe('downstream_port: is missing');
    expect(problem(() => loadTranslatorConfig(file(MINIMAL.replace(/\[\[upstreams\]\][\s\S]*$/, '')), {})).key).toBe('upstreams');
    expect(problem(() => loadTranslatorConfig(file(MINIMAL.replace('user_identity = "alice"\n', '')), {})).message).toMatch(/^upstreams\.0\.user_identity: is missing/);
    expect(problem(() => loadTranslatorConfig('/nonexistent/tproxy.toml', {})).message).toMatch(/^config: cannot read/);
  });
});
