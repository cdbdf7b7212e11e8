/**
 * bitcoind's chain and mining RPC methods, answered by the embedded chain in Bitcoin Core's shapes:
 * getblocktemplate (with long polling), submitblock, getblockchaininfo, getbestblockhash,
 * getblockcount, getblockhash, getblock, getblockheader, getrawmempool, getmempoolentry,
 * getrawtransaction, sendrawtransaction, generatetoaddress, getdifficulty; the informational ones
 * are in node-info-methods.ts, the block and transaction shapes in node-views.ts.
 */
import { AddressError, outputScriptFrom } from '../../bitcoin/address.js';
import { fromHex, hashFromDisplay, hashToDisplay } from '../../bitcoin/bytes.js';
import { bytesToHex } from '../../codec/hex.js';
import { serializeHeader } from '../../bitcoin/header.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { difficultyFromBits } from '../../bitcoin/target.js';
import type { BlockIndexEntry, EmbeddedChain } from '../../chain/chain.js';
import { gbtFromTemplate } from '../../chain/gbt.js';
import type { MempoolEntry } from '../../chain/mempool.js';
import { RPC, RpcMethodError } from './jsonrpc.js';
import { infoMethods, intParam, param, type Handler, type Params } from './node-info-methods.js';
import { btc, NodeViews, targetHex } from './node-views.js';

/** getblocktemplate reserves what Bitcoin Core reserves by default (-blockreservedweight=8000, 400 sigops). */
const GBT_CONSTRAINTS = { maxAdditionalSize: (8000 - 1168) / 4, maxAdditionalSigops: 400 };

export interface NodeMethodsOptions {
  network?: NetworkName;
  /** A longpoll also returns when the mempool changed and this long has passed (Bitcoin Core: 60 s). */
  longpollMempoolSeconds?: number;
  /** Version reported by getnetworkinfo. */
  userAgent?: string;
}

function hashParam(params: Params, index: number, name: string): Uint8Array {
  const v = param<unknown>(params, index, name);
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new RpcMethodError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${typeof v === 'string' ? v.length : 0}, for '${String(v)}')`);
  return hashFromDisplay(v);
}

export class NodeMethods {
  readonly network: NetworkName;
  private mempoolUpdates = 0;
  private readonly waiters = new Set<() => void>();
  private readonly longpollMempoolMs: number;
  private readonly startedAt: number;
  private readonly views: NodeViews;
  private readonly info: Record<string, Handler>;

  constructor(
    readonly chain: EmbeddedChain,
    private readonly opts: NodeMethodsOptions = {},
  ) {
    this.network = opts.network ?? 'regtest';
    this.longpollMempoolMs = (opts.longpollMempoolSeconds ?? 60) * 1000;
    this.startedAt = chain.clock();
    this.views = new NodeViews(chain, this.network);
    this.info = infoMethods(chain, this.network, { userAgent: opts.userAgent, startedAt: this.startedAt });
    this.unsubscribe = [
      chain.onMempool(() => {
        this.mempoolUpdates++;
        this.wake();
      }),
      chain.onTip(() => this.wake()),
    ];
  }

  private readonly unsubscribe: (() => void)[];

  /** Stops following the chain and releases pending long polls. */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.closed = true;
    this.wake();
  }

  private closed = false;

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  longpollId(): string {
    return `${hashToDisplay(this.chain.tip.hash)}${this.mempoolUpdates}`;
  }

  has(method: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.handlers, method) || Object.prototype.hasOwnProperty.call(this.info, method);
  }

  async call(method: string, params: Params, signal?: AbortSignal): Promise<unknown> {
    const h = Object.prototype.hasOwnProperty.call(this.handlers, method) ? this.handlers[method] : Object.prototype.hasOwnProperty.call(this.info, method) ? this.info[method] : undefined;
    if (!h) throw new RpcMethodError(RPC.METHOD_NOT_FOUND, 'Method not found');
    return h(params, signal);
  }

  private readonly handlers: Record<string, Handler> = {
    getbestblockhash: () => hashToDisplay(this.chain.tip.hash),
    getblockcount: () => this.chain.height,
    getdifficulty: () => difficultyFromBits(this.chain.tip.header.bits),
    getblockhash: (p) => {
      const h = intParam(p, 0, 'height');
      const e = this.chain.entryAt(h);
      if (!e || h < 0) throw new RpcMethodError(RPC.INVALID_PARAMETER, 'Block height out of range');
      return hashToDisplay(e.hash);
    },
    getblockchaininfo: () => {
      const tip = this.chain.tip;
      return {
        chain: this.network === 'mainnet' ? 'main' : this.network === 'testnet' ? 'test' : this.network,
        blocks: tip.height,
        headers: tip.height,
        bestblockhash: hashToDisplay(tip.hash),
        bits: tip.header.bits.toString(16).padStart(8, '0'),
        target: targetHex(tip.header.bits),
        difficulty: difficultyFromBits(tip.header.bits),
        time: tip.header.time,
        mediantime: tip.medianTimePast,
        verificationprogress: 1,
        initialblockdownload: false,
        chainwork: tip.chainWork.toString(16).padStart(64, '0'),
        size_on_disk: 0,
        pruned: false,
        warnings: [],
      };
    },
    getblock: (p) => this.views.block(this.entry(hashParam(p, 0, 'blockhash')), Number(param<number | boolean>(p, 1, 'verbosity') ?? 1)),
    getblockheader: (p) => {
      const entry = this.entry(hashParam(p, 0, 'blockhash'));
      if (param<boolean>(p, 1, 'verbose') === false) return bytesToHex(serializeHeader(entry.header));
      return this.views.headerInfo(entry);
    },
    getrawmempool: (p) => {
      const entries = [...this.chain.mempool.values()];
      if (param<boolean>(p, 0, 'verbose') === true) return Object.fromEntries(entries.map((e) => [hashToDisplay(e.tx.txid), this.mempoolEntry(e)]));
      return entries.map((e) => hashToDisplay(e.tx.txid));
    },
    getmempoolentry: (p) => {
      const txid = hashParam(p, 0, 'txid');
      const e = this.chain.mempool.get(Buffer.from(txid).toString('hex'));
      if (!e) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return this.mempoolEntry(e);
    },
    getrawtransaction: (p) => {
      const txid = hashParam(p, 0, 'txid');
      const verbosity = Number(param<number | boolean>(p, 1, 'verbose') ?? 0);
      const found = this.chain.findTransaction(txid);
      if (!found) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
      if (verbosity === 0) return bytesToHex(found.tx.raw);
      const out: Record<string, unknown> = this.views.decodeTx(found.tx);
      if (found.entry) {
        out.blockhash = hashToDisplay(found.entry.hash);
        out.confirmations = this.chain.height - found.entry.height + 1;
        out.time = found.entry.header.time;
        out.blocktime = found.entry.header.time;
      }
      return out;
    },
    sendrawtransaction: (p) => {
      const hex = param<string>(p, 0, 'hexstring');
      if (typeof hex !== 'string') throw new RpcMethodError(RPC.TYPE_ERROR, 'hexstring: expected a string');
      let raw: Uint8Array;
      try {
        raw = fromHex(hex);
      } catch {
        throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
      }
      const r = this.chain.acceptTransaction(raw);
      if (r.accepted) return hashToDisplay(r.txid!);
      if (r.reason === 'TX decode failed') throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
      if (r.reason === 'txn-already-known') throw new RpcMethodError(RPC.VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
      if (r.reason === 'txn-already-in-mempool') return hashToDisplay(r.txid!);
      throw new RpcMethodError(RPC.VERIFY_REJECTED, r.reason!);
    },
    getblocktemplate: (p, signal) => this.getBlockTemplate(p, signal),
    submitblock: (p) => {
      const hex = param<string>(p, 0, 'hexdata');
      let raw: Uint8Array;
      try {
        raw = fromHex(typeof hex === 'string' ? hex : '');
      } catch {
        throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
      }
      const r = this.chain.submitBlock(raw);
      if (r.reason === 'block-decode-failed') throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
      return r.accepted ? null : r.reason;
    },
    generatetoaddress: (p) => {
      const n = intParam(p, 0, 'nblocks');
      const address = param<string>(p, 1, 'address');
      const maxTries = intParam(p, 2, 'maxtries', 1_000_000);
      if (n < 0 || n > 10_000) throw new RpcMethodError(RPC.INVALID_PARAMETER, 'nblocks out of range');
      let script: Uint8Array;
      try {
        script = outputScriptFrom(String(address), this.network);
      } catch (e) {
        if (e instanceof AddressError) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
        throw e;
      }
      return this.chain.generate(n, script, maxTries).map(hashToDisplay);
    },
  };

  private entry(hash: Uint8Array): BlockIndexEntry {
    const e = this.chain.entryByHash(hash);
    if (!e) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return e;
  }

  private mempoolEntry(e: MempoolEntry): Record<string, unknown> {
    const walk = (start: MempoolEntry, next: (x: MempoolEntry) => Set<string>) => {
      const seen = new Map<string, MempoolEntry>([[start.key, start]]);
      const stack = [start];
      while (stack.length) {
        for (const k of next(stack.pop()!)) {
          const x = this.chain.mempool.get(k);
          if (x && !seen.has(k)) {
            seen.set(k, x);
            stack.push(x);
          }
        }
      }
      return [...seen.values()];
    };
    const anc = walk(e, (x) => x.parents);
    const desc = walk(e, (x) => x.children);
    const vsizes = (xs: MempoolEntry[]) => xs.reduce((s, x) => s + x.vsize, 0);
    const fees = (xs: MempoolEntry[]) => xs.reduce((s, x) => s + x.fee, 0n);
    return {
      vsize: e.vsize,
      weight: e.weight,
      time: e.time,
      height: e.height,
      descendantcount: desc.length,
      descendantsize: vsizes(desc),
      ancestorcount: anc.length,
      ancestorsize: vsizes(anc),
      wtxid: hashToDisplay(e.tx.wtxid),
      fees: { base: btc(e.fee), modified: btc(e.fee), ancestor: btc(fees(anc)), descendant: btc(fees(desc)) },
      depends: [...e.parents].map((k) => hashToDisplay(Buffer.from(k, 'hex'))),
      spentby: [...e.children].map((k) => hashToDisplay(Buffer.from(k, 'hex'))),
      'bip125-replaceable': e.tx.inputs.some((i) => i.sequence < 0xfffffffe),
      unbroadcast: false,
    };
  }

  private async getBlockTemplate(p: Params, signal?: AbortSignal): Promise<unknown> {
    const request = (param<Record<string, unknown>>(p, 0, 'template_request') ?? {}) as { rules?: unknown; longpollid?: unknown; mode?: unknown; data?: unknown };
    if (request.mode === 'proposal') {
      // BIP23 proposal: validate without proof of work; null when it would be accepted.
      if (typeof request.data !== 'string') throw new RpcMethodError(RPC.TYPE_ERROR, 'Missing data String key for proposal');
      let raw: Uint8Array;
      try {
        raw = fromHex(request.data);
      } catch {
        throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
      }
      const reason = this.chain.checkBlockProposal(raw);
      if (reason === 'block-decode-failed') throw new RpcMethodError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
      return reason;
    }
    if (request.mode !== undefined && request.mode !== 'template') throw new RpcMethodError(RPC.INVALID_PARAMETER, 'Invalid mode');
    if (!Array.isArray(request.rules) || !request.rules.includes('segwit')) {
      throw new RpcMethodError(RPC.INVALID_PARAMETER, 'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})');
    }
    if (typeof request.longpollid === 'string') await this.waitForChange(request.longpollid, signal);
    return gbtFromTemplate(this.chain.getTemplate(GBT_CONSTRAINTS), this.longpollId());
  }

  /** Waits until the tip changes, or the mempool changed and longpollMempoolSeconds passed (Bitcoin Core's rule). */
  private waitForChange(longpollid: string, signal?: AbortSignal): Promise<void> {
    const tipPart = longpollid.slice(0, 64);
    const updatesAtStart = Number(longpollid.slice(64)) || 0;
    if (tipPart !== hashToDisplay(this.chain.tip.hash)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.waiters.delete(check);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const started = Date.now();
      const check = () => {
        if (this.closed || tipPart !== hashToDisplay(this.chain.tip.hash) || signal?.aborted) return done();
        if (this.mempoolUpdates !== updatesAtStart) {
          const left = this.longpollMempoolMs - (Date.now() - started);
          if (left <= 0) return done();
          timer ??= setTimeout(check, left);
        }
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', done);
      check();
    });
  }
}
