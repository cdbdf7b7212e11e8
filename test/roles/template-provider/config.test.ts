import { describe, expect, it } from 'vitest';
import { embeddedDifficulty } from '../../../src/roles/common/embedded-node.js';
import { isLoopback, loadTpConfig } from '../../../src/roles/template-provider/config.js';
import { runCli } from '../../support/cli.js';
import { configError, tomlFile } from '../../support/config.js';

// The SRI examples' test-only authority key pair.
const KEYS = `
authority_public_key = "9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72"
authority_secret_key = "mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n"
`;

describe('template provider config', () => {
  it("defaults: the SRI examples' address, sv2-tp's fee delta and interval, the embedded chain", () => {
    const cfg = loadTpConfig(tomlFile(KEYS), {});
    expect(cfg).toMatchObject({
      listen_address: '127.0.0.1:8442',
      cert_validity_sec: 3600,
      fee_delta_sats: 1000,
      template_interval_secs: 5,
      plaintext: false,
      backend: { Embedded: { tx_per_second: 2 } },
    });
  });

  it('reads both backends and TP__ overrides', () => {
    const cfg = loadTpConfig(tomlFile(`${KEYS}\nfee_delta_sats = 5000\n[backend.Embedded]\nnbits = "1f00ffff"\ntx_per_second = 0.5\n`), { TP__TEMPLATE_INTERVAL_SECS: '2', TP__BACKEND__EMBEDDED__DATA_DIR: '/var/lib/tp' });
    expect(cfg).toMatchObject({ fee_delta_sats: 5000, template_interval_secs: 2, backend: { Embedded: { nbits: '1f00ffff', tx_per_second: 0.5, data_dir: '/var/lib/tp' } } });
    expect(embeddedDifficulty((cfg.backend as { Embedded: Parameters<typeof embeddedDifficulty>[0] }).Embedded, 'backend.Embedded')).toEqual({ mode: 'fixed', bits: 0x1f00ffff });
    const rpc = loadTpConfig(tomlFile(`${KEYS}\n[backend.BitcoinCoreRpc]\nurl = "http://127.0.0.1:8332"\ncookie_file = "/home/btc/.bitcoin/.cookie"\n`), {});
    expect(rpc.backend).toEqual({ BitcoinCoreRpc: { url: 'http://127.0.0.1:8332', cookie_file: '/home/btc/.bitcoin/.cookie', long_poll: true, poll_interval_secs: 1, liveness_interval_secs: 2, liveness_timeout_secs: 2, long_poll_timeout_secs: 60, request_timeout_secs: 10, reconnect_max_secs: 2, max_queued_blocks: 16 } });
  });

  it('plaintext needs no keys, and only listens on loopback', () => {
    expect(loadTpConfig(undefined, { TP__PLAINTEXT: 'true', TP__LISTEN_ADDRESS: '127.0.0.1:8442' }).plaintext).toBe(true);
    expect(loadTpConfig(undefined, { TP__PLAINTEXT: 'true', TP__LISTEN_ADDRESS: '[::1]:8442' }).plaintext).toBe(true);
    const e = configError(() => loadTpConfig(undefined, { TP__PLAINTEXT: 'true', TP__LISTEN_ADDRESS: '0.0.0.0:8442' }));
    expect(e.key).toBe('plaintext');
    expect(e.message).toMatch(/0\.0\.0\.0 is not a loopback address/);
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1'].some(isLoopback)).toBe(false);
  });

  it('names the bad or missing key', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['', {}, 'authority_secret_key: is missing (required unless plaintext = true)'],
      [KEYS.replace('9auq', '9auQ'), {}, 'authority_public_key'],
      [KEYS, { TP__FEE_DELTA_SATS: '-1' }, 'fee_delta_sats'],
      [KEYS, { TP__LISTEN_ADDRESS: 'nowhere' }, 'listen_address: must be host:port'],
      [`${KEYS}\n[backend.BitcoinCoreRpc]\nurl = "http://127.0.0.1:8332"\n`, {}, 'backend.BitcoinCoreRpc: needs cookie_file, or user and password'],
      [`${KEYS}\n[backend.BitcoinCoreRpc]\nurl = "https://node:8332"\ncookie_file = "c"\n`, {}, 'backend.BitcoinCoreRpc.url: must be an http:// URL'],
      [`${KEYS}\n[backend.Embedded]\n[backend.BitcoinCoreRpc]\nurl = "http://a:1"\ncookie_file = "c"\n`, {}, 'backend: give one of'],
      [`${KEYS}\n[backend.Embedded]\nnbits = "1f00ffff"\ntarget_block_interval_secs = 60\n`, {}, 'backend.Embedded.nbits: give nbits or target_block_interval_secs'],
      [`${KEYS}\n[backend.Embedded]\ntx_per_scond = 3\n`, {}, 'backend.Embedded: unknown key(s) tx_per_scond'],
      [`${KEYS}\nlisten_adress = "127.0.0.1:1"\n`, {}, '(root): unknown key(s) listen_adress'],
    ];
    for (const [text, env, message] of cases) expect(configError(() => loadTpConfig(tomlFile(text), env)).message).toContain(message);
  });
});

describe('config examples', () => {
  it('both load as they are', () => {
    expect(loadTpConfig('config-examples/tp-config-embedded.toml', {}).backend).toEqual({ Embedded: { tx_per_second: 2 } });
    expect(loadTpConfig('config-examples/tp-config-bitcoin-core.toml', {}).backend).toMatchObject({ BitcoinCoreRpc: { url: 'http://127.0.0.1:8332', cookie_file: '/home/bitcoin/.bitcoin/.cookie' } });
  });
});

describe('sv2 template-provider', () => {
  it('a config problem is one line on stderr naming the key, exit code 2', () => {
    const r = runCli(['template-provider', '-c', tomlFile(`${KEYS}\ntemplate_interval_secs = "soon"\n`)]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sv2 template-provider: config: template_interval_secs: /)]);
  });
});
