/** A real JD client for tests: devices on 127.0.0.1 port 0, templates from an embedded chain in this process, upstreams given. */
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { startNode, type RunningNode } from '../../src/roles/common/embedded-node.js';
import { SourceTemplateFeed } from '../../src/roles/common/template-feed.js';
import type { BackoffOptions } from '../../src/roles/common/upstream-manager.js';
import { createLogger } from '../../src/roles/common/logger.js';
import { loadJdcConfig } from '../../src/roles/jd-client/config.js';
import { JdClient, type JdClientEvents } from '../../src/roles/jd-client/jd-client.js';

/** The JD client's solo payout: a P2WPKH script no pool uses. */
export const SOLO_SCRIPT = `raw(0014${'11'.repeat(20)})`;

export interface JdcUpstreamRef {
  poolPort: number;
  jdsPort: number;
  authority: AuthorityKeyPair;
}

export function testJdcEnv(authority: AuthorityKeyPair, upstreams: JdcUpstreamRef[], env: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {
    JDC__LISTENING_ADDRESS: '127.0.0.1:0',
    JDC__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    JDC__AUTHORITY_SECRET_KEY: authority.secretToString(),
    JDC__COINBASE_REWARD_SCRIPT: SOLO_SCRIPT,
    JDC__USER_IDENTITY: 'miner',
    JDC__SHARE_BATCH_SIZE: '1',
    JDC__JDC_SIGNATURE: 'test-jdc',
    JDC__TP_ADDRESS: '127.0.0.1:1', // replaced by the in-process feed
  };
  upstreams.forEach((u, i) => {
    out[`JDC__UPSTREAMS__${i}__POOL_ADDRESS`] = '"127.0.0.1"';
    out[`JDC__UPSTREAMS__${i}__POOL_PORT`] = String(u.poolPort);
    out[`JDC__UPSTREAMS__${i}__JDS_ADDRESS`] = '"127.0.0.1"';
    out[`JDC__UPSTREAMS__${i}__JDS_PORT`] = String(u.jdsPort);
    out[`JDC__UPSTREAMS__${i}__AUTHORITY_PUBKEY`] = u.authority.publicKey.toString();
  });
  return { ...out, ...env };
}

export const FAST_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 200, whileMinersWaitMs: 100 };

export interface TestJdc {
  jdc: JdClient;
  authority: AuthorityKeyPair;
  /** the miner's own node */
  node: RunningNode;
  close(): Promise<void>;
}

/**
 * A JD client on its own embedded chain (`node`, or a new one without transactions), read
 * in-process; with `viaRpc` it reads `node` over its bitcoind RPC server instead, as from a real node.
 */
export async function startTestJdc(upstreams: JdcUpstreamRef[], env: Record<string, string> = {}, node?: RunningNode, viaRpc?: { user: string; password: string }): Promise<TestJdc> {
  const authority = AuthorityKeyPair.generate();
  const rpc = 'JDC__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC';
  const rpcEnv: Record<string, string> = viaRpc === undefined || node?.rpc === undefined ? {} : { [`${rpc}__URL`]: node.rpc.url, [`${rpc}__USER`]: viaRpc.user, [`${rpc}__PASSWORD`]: viaRpc.password };
  const base = testJdcEnv(authority, upstreams, { ...rpcEnv, ...env });
  if (viaRpc !== undefined) delete base.JDC__TP_ADDRESS;
  const settings = loadJdcConfig(undefined, base);
  const own = node ?? (await startNode({ txPerSecond: 0 }));
  const feed = viaRpc === undefined ? new SourceTemplateFeed(own.source) : undefined;
  // JDC_TEST_LOG=debug shows the JD client's log while a test runs.
  const logger = process.env.JDC_TEST_LOG === undefined ? undefined : createLogger('jd-client', { level: process.env.JDC_TEST_LOG, format: 'human' });
  const jdc = await JdClient.start({ settings, ...(feed !== undefined && { feed }), backoff: FAST_BACKOFF, tickMs: 100, ...(logger !== undefined && { logger }) });
  return {
    jdc,
    authority,
    node: own,
    async close() {
      await jdc.close();
      if (node === undefined) await own.close();
    },
  };
}

/** The next event of this kind that passes `accept`. */
export function nextEvent<K extends keyof JdClientEvents>(jdc: JdClient, name: K, accept: (...args: JdClientEvents[K]) => boolean = () => true): Promise<JdClientEvents[K]> {
  return new Promise((resolve) => {
    const on = (...args: JdClientEvents[K]): void => {
      if (!accept(...args)) return;
      jdc.events.off(name, on as never);
      resolve(args);
    };
    jdc.events.on(name, on as never);
  });
}
