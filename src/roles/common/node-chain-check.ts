/**
 * A payout address must belong to the chain of the node the role mines on. The node says which
 * chain it is on (`getblockchaininfo`); one that answers at start and is on another chain refuses
 * the config (exit 2, naming the key); one that is down is asked when it first answers, and a
 * mismatch then is an error line.
 */
import type { Logger } from 'pino';
import { networkOfChain, type NetworkName } from '../../bitcoin/network.js';
import { RpcClient } from '../../net/bitcoind/rpc-client.js';
import type { RpcTemplateSource } from '../../net/bitcoind/rpc-template-source.js';
import { ConfigError } from './config.js';
import type { NodeLinkConfig } from './node-link.js';

/** The payout to check: its config key, and why it cannot be paid on a network (null: it can). */
export interface PayoutCheck {
  key: string;
  mismatch: (network: NetworkName) => string | null;
}

const CHAIN_CHECK_TIMEOUT_MS = 3_000;

export async function checkNodeChain(r: NodeLinkConfig, source: RpcTemplateSource, log: Logger, payout: PayoutCheck): Promise<void> {
  const client = new RpcClient({ url: r.url, auth: r.cookie_file !== undefined ? { cookieFile: r.cookie_file } : { user: r.user!, password: r.password! } });
  const ask = async (): Promise<string | null> => {
    const info = await client.call<{ chain?: string }>('getblockchaininfo', [], { timeoutMs: CHAIN_CHECK_TIMEOUT_MS });
    const network = networkOfChain(String(info.chain));
    return network === undefined ? null : payout.mismatch(network);
  };
  try {
    const mismatch = await ask();
    if (mismatch !== null) throw new ConfigError(payout.key, mismatch);
    return;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
  }
  const off = source.onConnection((ev) => {
    if (!ev.connected) return;
    off();
    ask().then(
      (mismatch) => {
        if (mismatch !== null) log.error({ key: payout.key }, `${payout.key} ${mismatch}`);
      },
      () => undefined,
    );
  });
}
