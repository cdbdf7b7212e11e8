/**
 * The Sv2 mining proxy in the local stack: the Sv2 miner is a farm's device behind it, and the
 * proxy speaks upstream as one unit, to the JD client when job declaration is on, else to the pool.
 */
import { ConfigError, loadConfig } from '../../roles/common/config.js';
import { proxyConfigSchema, resolveProxyConfig, type ProxySettings } from '../../roles/proxy/config.js';
import type { StackConfig } from './config.js';

/** `user`: the account the proxy's one upstream channel mines for. */
export function proxySettings(cfg: StackConfig, keys: { public_key: string; secret_key: string }, upstreamPort: number, user: string): ProxySettings {
  try {
    return resolveProxyConfig(
      loadConfig({
        envPrefix: 'PROXY',
        env: {},
        schema: proxyConfigSchema,
        base: {
          listen_address: `${cfg.host}:${cfg.proxy_port}`,
          authority_public_key: keys.public_key,
          authority_secret_key: keys.secret_key,
          user_identity: user,
          downstream_shares_per_minute: 30,
          // what the JD client gives a downstream channel to roll (its default, 6 bytes)
          downstream_extranonce_size: 6,
          upstreams: [{ address: cfg.host, port: upstreamPort, authority_pubkey: keys.public_key }],
          ...cfg.proxy,
        },
      }),
    );
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`proxy.${e.key}`, e.problem);
    throw e;
  }
}
