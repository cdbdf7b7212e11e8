/**
 * bitcoind's informational RPC methods in Bitcoin Core's shapes, answered by the embedded chain:
 * getmininginfo, getnetworkhashps, getnetworkinfo, getconnectioncount, getpeerinfo,
 * estimatesmartfee, getmempoolinfo, validateaddress, uptime. The embedded node has no peers and no
 * fee history, so peers are none and fee estimates come from the mempool as it is.
 */
import { AddressError, outputScriptFrom } from '../../bitcoin/address.js';
import { bytesToHex } from '../../codec/hex.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { classifyOutput } from '../../bitcoin/script.js';
import { difficultyFromBits } from '../../bitcoin/target.js';
import { MAX_BLOCK_WEIGHT } from '../../bitcoin/block.js';
import type { EmbeddedChain } from '../../chain/chain.js';
import { RPC, RpcMethodError } from './jsonrpc.js';
import { btc } from './node-views.js';

export type Params = unknown[] | Record<string, unknown>;
export type Handler = (p: Params, signal?: AbortSignal) => unknown;

export function param<T>(params: Params, index: number, name: string): T | undefined {
  const v = Array.isArray(params) ? params[index] : params[name];
  return v === null ? undefined : (v as T | undefined);
}

export function intParam(params: Params, index: number, name: string, fallback?: number): number {
  const v = param<unknown>(params, index, name);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RpcMethodError(RPC.TYPE_ERROR, `${name}: expected an integer`);
  return v;
}

/** Core's GetNetworkHashPS: work done over the last `lookup` blocks divided by the time they spanned. */
export function networkHashPs(chain: EmbeddedChain, lookup: number, height: number): number {
  const tipHeight = height < 0 || height > chain.height ? chain.height : height;
  const end = chain.entryAt(tipHeight)!;
  if (lookup <= 0 || lookup > tipHeight) lookup = tipHeight; // Core: since the last retarget; the embedded chain has none, so all
  if (lookup === 0) return 0;
  let minTime = end.header.time;
  let maxTime = minTime;
  for (let h = tipHeight - lookup; h < tipHeight; h++) {
    const t = chain.entryAt(h)!.header.time;
    minTime = Math.min(minTime, t);
    maxTime = Math.max(maxTime, t);
  }
  if (minTime === maxTime) return 0;
  const work = end.chainWork - chain.entryAt(tipHeight - lookup)!.chainWork;
  return Number(work) / (maxTime - minTime);
}

export function infoMethods(chain: EmbeddedChain, network: NetworkName, opts: { userAgent?: string; startedAt: number }): Record<string, Handler> {
  return {
    getmininginfo: () => ({
      blocks: chain.height,
      currentblockweight: chain.tip.weight,
      currentblocktx: chain.tip.txids.length - 1,
      difficulty: difficultyFromBits(chain.tip.header.bits),
      networkhashps: networkHashPs(chain, 120, -1),
      pooledtx: chain.mempool.size,
      chain: network,
      warnings: [],
    }),
    getnetworkhashps: (p) => networkHashPs(chain, intParam(p, 0, 'nblocks', 120), intParam(p, 1, 'height', -1)),
    getnetworkinfo: () => ({
      version: 290000,
      subversion: `/${opts.userAgent ?? 'stratum-v2-embedded:0.1.0'}/`,
      protocolversion: 70016,
      localservices: '0000000000000000',
      localservicesnames: [],
      localrelay: true,
      timeoffset: 0,
      networkactive: true,
      connections: 0,
      connections_in: 0,
      connections_out: 0,
      networks: [],
      relayfee: chain.minRelayFeeRate / 1e5,
      incrementalfee: 0.00001,
      localaddresses: [],
      warnings: [],
    }),
    getconnectioncount: () => 0,
    getpeerinfo: () => [],
    estimatesmartfee: (p) => {
      const target = intParam(p, 0, 'conf_target');
      if (target < 1 || target > 1008) throw new RpcMethodError(RPC.INVALID_PARAMETER, 'Invalid conf_target, must be between 1 and 1008');
      const mode = param<string>(p, 1, 'estimate_mode') ?? 'conservative';
      if (!['unset', 'economical', 'conservative'].includes(String(mode).toLowerCase())) throw new RpcMethodError(RPC.INVALID_PARAMETER, 'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"');
      const blocks = Math.max(2, target);
      const rate = mempoolFeeRate(chain, blocks);
      if (rate === undefined) return { errors: ['Insufficient data or no feerate found'], blocks };
      return { feerate: Math.max(rate, chain.minRelayFeeRate) / 1e5, blocks };
    },
    getmempoolinfo: () => {
      const entries = [...chain.mempool.values()];
      return {
        loaded: true,
        size: chain.mempool.size,
        bytes: entries.reduce((s, e) => s + e.vsize, 0),
        // Bytes, as Core: the serialized transactions (Core counts its allocations, somewhat more).
        usage: entries.reduce((s, e) => s + e.tx.totalSize, 0),
        total_fee: btc(entries.reduce((s, e) => s + e.fee, 0n)),
        // The mempool is bounded in weight; as bytes that is a quarter of it (virtual bytes).
        maxmempool: Math.floor(chain.mempool.maxWeight / 4),
        mempoolminfee: chain.minRelayFeeRate / 1e5,
        minrelaytxfee: chain.minRelayFeeRate / 1e5,
        incrementalrelayfee: 0.00001,
        unbroadcastcount: 0,
        fullrbf: true,
      };
    },
    validateaddress: (p) => {
      const address = String(param<string>(p, 0, 'address') ?? '');
      try {
        const script = outputScriptFrom(address, network);
        const type = classifyOutput(script);
        const witness = type.startsWith('p2w') || type === 'p2tr' || type === 'witness-unknown';
        return {
          isvalid: true,
          address,
          scriptPubKey: bytesToHex(script),
          isscript: type === 'p2sh' || type === 'p2wsh',
          iswitness: witness,
          ...(witness ? { witness_version: script[0] === 0 ? 0 : script[0]! - 0x50, witness_program: bytesToHex(script.subarray(2)) } : {}),
        };
      } catch (e) {
        if (!(e instanceof AddressError)) throw e;
        return { isvalid: false, error: 'Invalid address' };
      }
    },
    uptime: () => chain.clock() - opts.startedAt,
  };
}

/**
 * The fee rate (sat/vB) a transaction needs to be within the next `blocks` blocks of the mempool
 * as it is: the rate at the point where that much weight is filled, or undefined while the mempool
 * would not fill them (no estimate, as Core without data).
 */
function mempoolFeeRate(chain: EmbeddedChain, blocks: number): number | undefined {
  let weight = 0;
  for (const e of chain.mempool.ordered()) {
    weight += e.weight;
    if (weight >= blocks * MAX_BLOCK_WEIGHT) return Number(e.fee) / e.vsize;
  }
  return undefined;
}
