/** SRI's own example files load as they are, or are refused with a sentence that says what to use. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPoolConfig } from '../../../src/roles/pool/config.js';
import { LEGACY_USER_IDENTITY, loadTranslatorConfig } from '../../../src/roles/translator/config.js';
import { LEGACY_JDC_USER_IDENTITY, loadJdcConfig } from '../../../src/roles/jd-client/config.js';
import { configError, tomlFile } from '../../support/config.js';

const ROOT = path.resolve('test/fixtures/sri-configs');
const files = (prefix: string): string[] =>
  ['sv2-apps-2025-08', 'sv2-apps-2026'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.startsWith(prefix))
      .map((f) => path.join(dir, f)),
  );

describe("SRI's translator examples", () => {
  const tproxy = files('tproxy-');
  it('are all here (both layouts)', () => expect(tproxy.length).toBeGreaterThanOrEqual(4));
  for (const f of tproxy) {
    it(`${f} loads`, () => {
      const s = loadTranslatorConfig(path.join(ROOT, f), {});
      expect(s.upstreams.length).toBeGreaterThan(0);
      for (const u of s.upstreams) expect(u.userIdentity.length).toBeGreaterThan(0);
    });
  }

  it('the older layout, with no user_identity, opens channels under a named default and says so', () => {
    const s = loadTranslatorConfig(path.join(ROOT, 'sv2-apps-2025-08/tproxy-config-local-pool-example.toml'), {});
    expect(s.upstreams).toEqual([{ host: '127.0.0.1', port: 34254, authorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72', userIdentity: LEGACY_USER_IDENTITY }]);
    expect(s.warnings).toEqual([expect.stringMatching(/^user_identity is not set: .*set user_identity to your pool account$/)]);
    expect(s.ignored).toContain('upstream_difficulty_config');
  });
});

describe("SRI's pool examples", () => {
  for (const f of files('pool-').filter((n) => !n.includes('bitcoin-core-ipc'))) {
    it(`${f} loads`, () => {
      const cfg = loadPoolConfig(path.join(ROOT, f), {});
      expect(Object.keys(cfg.template_provider_type)).toEqual(['Sv2Tp']);
    });
  }

  it('BitcoinCoreIpc is refused with what to use instead', () => {
    const e = configError(() => loadPoolConfig(path.join(ROOT, 'sv2-apps-2026/pool-jds-config-bitcoin-core-ipc-example.toml'), {}));
    expect(e.key).toBe('template_provider_type.BitcoinCoreIpc');
    expect(e.message).toMatch(/not supported; run a Template Provider .* \[template_provider_type.Sv2Tp\], or .* \[template_provider_type.BitcoinCoreRpc\]$/);
  });

  const withSource = (table: string): string =>
    readFileSync(path.join(ROOT, 'sv2-apps-2026/pool-jds-config-bitcoin-core-ipc-example.toml'), 'utf8').replace(/\[template_provider_type\.BitcoinCoreIpc\][^[]*/, `${table}\n\n`);

  it('[jds] is served: read with no warning about it when the pool has a node to validate against', () => {
    const cfg = loadPoolConfig(tomlFile(withSource('[template_provider_type.BitcoinCoreRpc]\nurl = "http://127.0.0.1:18443"\ncookie_file = "/tmp/.cookie"')), {});
    expect(cfg.jds).toMatchObject({ listen_address: '0.0.0.0:3334', full_template_mode_required: true });
    expect(cfg.warnings).toEqual([expect.stringMatching(/^monitoring_cache_refresh_secs is not acted on/)]);
  });

  it('[jds] over a Template Provider is refused: it cannot check transactions', () => {
    const e = configError(() => loadPoolConfig(tomlFile(withSource('[template_provider_type.Sv2Tp]\naddress = "127.0.0.1:8442"')), {}));
    expect(e.key).toBe('jds');
    expect(e.message).toMatch(/BitcoinCoreRpc.*Embedded/);
  });
});

describe("SRI's JD client examples", () => {
  const jdc = files('jdc-');
  it('are all here (both layouts)', () => expect(jdc.length).toBeGreaterThanOrEqual(3));
  for (const f of jdc) {
    it(`${f} loads`, () => {
      const s = loadJdcConfig(path.join(ROOT, f), {});
      expect(s.upstreams.length).toBeGreaterThan(0);
      for (const u of s.upstreams) expect(u.jds.port).toBeGreaterThan(0);
      expect('Sv2Tp' in s.templateProvider).toBe(true);
    });
  }

  it('the current layout: pool and JDS host and port per upstream, with its user identity', () => {
    const s = loadJdcConfig(path.join(ROOT, 'sv2-apps-2026/jdc-config-local-infra-example.toml'), {});
    expect(s.upstreams[0]).toEqual({ host: '127.0.0.1', port: 3333, authorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72', userIdentity: 'your_primary_username_here', jds: { host: '127.0.0.1', port: 3334 } });
    expect(s.upstreams[1]!.userIdentity).toBe('your_backup_username_here');
    expect(s).toMatchObject({ mode: 'FULLTEMPLATE', signature: 'Sv2MinerSignature', sharesPerMinute: 6, shareBatchSize: 10, templateProvider: { Sv2Tp: { address: '127.0.0.1:8442' } } });
    expect(s.warnings).toEqual([expect.stringMatching(/not acted on: monitoring_cache_refresh_secs, miner_telemetry$/)]);
  });

  it('the older layout: host:port addresses, tp_address, no user_identity (a named default, and a warning)', () => {
    const s = loadJdcConfig(path.join(ROOT, 'sv2-apps-2025-08/jdc-config-local-example.toml'), {});
    expect(s.upstreams).toEqual([{ host: '127.0.0.1', port: 34254, authorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72', userIdentity: LEGACY_JDC_USER_IDENTITY, jds: { host: '127.0.0.1', port: 34264 } }]);
    expect(s.templateProvider).toEqual({ Sv2Tp: { address: '127.0.0.1:8442', public_key: undefined } });
    expect(s.warnings[0]).toMatch(/^user_identity is not set/);
    expect(s.warnings[1]).toMatch(/withhold, timeout$/);
  });

  it('JDC__ overrides a key, and a bad one is named', () => {
    const s = loadJdcConfig(path.join(ROOT, 'sv2-apps-2026/jdc-config-local-infra-example.toml'), { JDC__MODE: 'COINBASEONLY', JDC__UPSTREAMS__0__JDS_PORT: '4444' });
    expect(s.mode).toBe('COINBASEONLY');
    expect(s.upstreams[0]!.jds.port).toBe(4444);
    expect(configError(() => loadJdcConfig(path.join(ROOT, 'sv2-apps-2026/jdc-config-local-infra-example.toml'), { JDC__MODE: 'HALFTEMPLATE' })).key).toBe('mode');
  });

  it('our example loads', () => {
    const s = loadJdcConfig(path.resolve('config-examples/jdc-config-example.toml'), {});
    expect(s.upstreams[0]!.jds).toEqual({ host: '127.0.0.1', port: 34265 });
    expect(s.warnings).toEqual([]);
  });
});

describe('our examples run side by side on one host', () => {
  it('no two of them listen on the same port', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = path.resolve('config-examples');
    const seen = new Map<string, string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.toml') && !n.startsWith('stack') && !n.includes('hosted'))) {
      for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/^(?:(?:listen_address|listening_address|monitoring_address|test_only_listen_adress_plain)\s*=\s*"[^"]*:(\d+)"|downstream_port\s*=\s*(\d+))/gm)) {
        const port = (m[1] ?? m[2])!;
        // The pool examples are alternatives to each other, as are the TP examples.
        const family = f.replace(/-(embedded|sv2-tp|bitcoin-core-rpc|bitcoin-core)\.toml$/, '');
        const other = seen.get(port);
        if (other !== undefined && other !== family) expect.fail(`${f} and ${other} both use port ${port}`);
        seen.set(port, family);
      }
    }
    expect(seen.size).toBeGreaterThan(4);
  });
});
