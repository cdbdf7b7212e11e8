/**
 * The one reading of a payout (`coinbase_reward_script`: an address, `addr(…)`, a descriptor or
 * raw script hex) shared by every role that builds a coinbase, with the network it belongs to.
 */
import { AddressError, outputScriptFrom } from '../../bitcoin/address.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { ConfigError } from './config.js';

export interface PayoutScript {
  script: Uint8Array;
  /** undefined for a script every network accepts (raw, or a key): it belongs to none */
  network: NetworkName | undefined;
}

/** The script, read on the configured network, or on the first whose address format fits; a ConfigError on `key` otherwise. */
export function payoutScriptOf(text: string, network: NetworkName | undefined, key = 'coinbase_reward_script'): PayoutScript {
  const networks: NetworkName[] = network !== undefined ? [network] : ['mainnet', 'testnet', 'regtest'];
  let last: unknown;
  const found: { script: Uint8Array; network: NetworkName }[] = [];
  for (const n of networks) {
    try {
      found.push({ script: outputScriptFrom(text, n), network: n });
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
      last = e;
    }
  }
  if (found.length === 0) throw new ConfigError(key, (last as Error).message);
  return { script: found[0]!.script, network: found.length === 1 || network !== undefined ? found[0]!.network : undefined };
}

/** Why the payout cannot be paid on the node's chain (an address of another network), or null when it can. */
export function payoutMismatch(text: string, nodeNetwork: NetworkName): string | null {
  try {
    outputScriptFrom(text, nodeNetwork);
    return null;
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    return `is not an address of the node's chain (${nodeNetwork}): ${e.message}; use a ${nodeNetwork} address`;
  }
}
