/** A real proxy for tests: devices on 127.0.0.1 port 0, upstream to test pools, in this process. */
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import type { BackoffOptions } from '../../src/roles/common/upstream-manager.js';
import { loadProxyConfig } from '../../src/roles/proxy/config.js';
import { Proxy } from '../../src/roles/proxy/proxy.js';

export interface ProxyUpstream {
  port: number;
  authority: AuthorityKeyPair;
}

/** The PROXY__ environment of a test proxy with these upstreams in order; `env` adds or overrides keys. */
export function testProxyEnv(authority: AuthorityKeyPair, upstreams: ProxyUpstream[], env: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {
    PROXY__LISTEN_ADDRESS: '127.0.0.1:0',
    // every test peer is 127.0.0.1: a cut peer must not lock the next test out (the penalty has its own test)
    PROXY__ABUSE_PENALTY_MAX_SECS: '0',
    PROXY__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    PROXY__AUTHORITY_SECRET_KEY: authority.secretToString(),
    PROXY__USER_IDENTITY: 'farm',
    PROXY__SHARE_BATCH_SIZE: '1',
  };
  upstreams.forEach((u, i) => {
    out[`PROXY__UPSTREAMS__${i}__ADDRESS`] = '"127.0.0.1"';
    out[`PROXY__UPSTREAMS__${i}__PORT`] = String(u.port);
    out[`PROXY__UPSTREAMS__${i}__AUTHORITY_PUBKEY`] = u.authority.publicKey.toString();
  });
  return { ...out, ...env };
}

/** Fast reconnects, so a failover test waits milliseconds, not seconds. */
export const FAST_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 200, whileMinersWaitMs: 100 };

export interface TestProxy {
  proxy: Proxy;
  authority: AuthorityKeyPair;
  close(): Promise<void>;
}

export async function startTestProxy(upstreams: ProxyUpstream[], env: Record<string, string> = {}): Promise<TestProxy> {
  const authority = AuthorityKeyPair.generate();
  const settings = loadProxyConfig(undefined, testProxyEnv(authority, upstreams, env));
  const proxy = await Proxy.start({ settings, backoff: FAST_BACKOFF, tickMs: 200 });
  return { proxy, authority, close: () => proxy.close() };
}

/** Resolves once the proxy's upstream channel is open and its work has reached the device side. */
export function upstreamReady(proxy: Proxy): Promise<void> {
  if (proxy.devices.tip !== null && proxy.upstream.open) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (): void => {
      proxy.events.off('switched', on);
      resolve();
    };
    proxy.events.on('switched', on);
  });
}
