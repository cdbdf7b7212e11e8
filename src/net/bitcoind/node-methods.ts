/**
 * bitcoind's mining-related RPC methods, answered by the embedded chain in Bitcoin Core's shapes:
 * getblocktemplate (with long polling), submitblock, getblockchaininfo, getbestblockhash,
 * getblockcount, getblockhash, getblock, getblockheader, getrawmempool, getmempoolentry,
 * getmempoolinfo, getrawtransaction, sendrawtransaction, generatetoaddress, getmininginfo,
 * getnetworkinfo, getdifficulty, validateaddress.
 */
import { AddressError, outputScriptFrom, scriptToAddress } from '../../bitcoin/address.js';
import { fromHex, hashFromDisplay, hashToDisplay } from '../../bitcoin/bytes.js';
import { bytesToHex } from '../../codec/hex.js';
import { serializeHeader } from '../../bitcoin/header.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { classifyOutput } from '../../bitcoin/script.js';
import { bitsToTargetBigInt, difficultyFromBits } from '../../bitcoin/target.js';
import { isCoinbase, type ParsedTransaction } from '../../bitcoin/tx.js';
import { parseBlock } from '../../bitcoin/block.js';
import type { BlockIndexEntry, EmbeddedChain } from '../../chain/chain.js';
import { gbtFromTemplate } from '../../chain/gbt.js';
import type { MempoolEntry } from '../../chain/mempool.js';
import { RPC, RpcMethodError } from './jsonrpc.js';

/** getblocktemplate reserves what Bitcoin Core reserves by default (-blockreservedweight=8000, 400 sigops). */
const GBT_CONSTRAINTS = { maxAdditionalSize: (8000 - 1168) / 4, maxAdditionalSigops: 400 };

export interface NodeMethodsOptions {
  network?: NetworkName;
  /** A longpoll also returns when the mempool changed and this long has passed (Bitcoin Core: 60 s). */
  longpollMempoolSeconds?: number;
  /** Version reported by getnetworkinfo. */
  userAgent?: string;
}

type Params = unknown[] | Record<string, unknown>;

function param<T>(params: Params, index: number, name: string): T | undefined {
  const v = Array.isArray(params) ? params[index] : params[name];
  return v === null ? undefined : (v as T | undefined);
}

function hashParam(params: Params, index: number, name: string): Uint8Array {
  const v = param<unknown>(params, index, name);
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new RpcMethodError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${typeof v === 'string' ? v.length : 0}, for '${String(v)}')`);
  return hashFromDisplay(v);
}

function intParam(params: Params, index: number, name: string, fallback?: number): number {
  const v = param<unknown>(params, index, name);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RpcMethodError(RPC.TYPE_ERROR, `${name}: expected an integer`);
  return v;
}

const btc = (sats: bigint): number => Number(sats) / 1e8;

const SCRIPT_TYPE_NAMES: Record<string, string> = {
  p2pkh: 'pubkeyhash',
  p2sh: 'scripthash',
  p2wpkh: 'witness_v0_keyhash',
  p2wsh: 'witness_v0_scripthash',
  p2tr: 'witness_v1_taproot',
  'witness-unknown': 'witness_unknown',
  'op-return': 'nulldata',
  nonstandard: 'nonstandard',
};

export class NodeMethods {
  readonly network: NetworkName;
  private mempoolUpdates = 0;
  private readonly waiters = new Set<() => void>();
  private readonly longpollMempoolMs: number;
  private readonly startedAt: number;

  constructor(
    readonly chain: EmbeddedChain,
    private readonly opts: NodeMethodsOptions = {},
  ) {
    this.network = opts.network ?? 'regtest';
    this.longpollMempoolMs = (opts.longpollMempoolSeconds ?? 60) * 1000;
    this.startedAt = chain.clock();
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
    return Object.prototype.hasOwnProperty.call(this.handlers, method);
  }

  async call(method: string, params: Params, signal?: AbortSignal): Promise<unknown> {
    const h = this.handlers[method];
    if (!h) throw new RpcMethodError(RPC.METHOD_NOT_FOUND, 'Method not found');
    return h(params, signal);
  }

  private readonly handlers: Record<string, (p: Params, signal?: AbortSignal) => unknown> = {
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
    getmininginfo: () => ({
      blocks: this.chain.height,
      currentblockweight: this.chain.tip.weight,
      currentblocktx: this.chain.tip.txids.length - 1,
      difficulty: difficultyFromBits(this.chain.tip.header.bits),
      networkhashps: 0,
      pooledtx: this.chain.mempool.size,
      chain: this.network,
      warnings: [],
    }),
    getnetworkinfo: () => ({
      version: 290000,
      subversion: `/${this.opts.userAgent ?? 'stratum-v2-embedded:0.1.0'}/`,
      protocolversion: 70016,
      localservices: '0000000000000000',
      localrelay: true,
      timeoffset: 0,
      networkactive: true,
      connections: 0,
      connections_in: 0,
      connections_out: 0,
      networks: [],
      relayfee: this.chain.minRelayFeeRate / 1e5,
      incrementalfee: 0.00001,
      localaddresses: [],
      warnings: [],
    }),
    uptime: () => this.chain.clock() - this.startedAt,
    getblock: (p) => {
      const entry = this.entry(hashParam(p, 0, 'blockhash'));
      const verbosity = Number(param<number | boolean>(p, 1, 'verbosity') ?? 1);
      const raw = this.chain.readBlock(entry);
      if (verbosity === 0) return bytesToHex(raw);
      const info = this.headerInfo(entry);
      const base = { ...info, strippedsize: entry.strippedSize, size: entry.size, weight: entry.weight };
      if (verbosity === 1) return { ...base, tx: entry.txids.map(hashToDisplay) };
      const block = parseBlock(raw);
      return { ...base, tx: block.transactions.map((t) => this.decodeTx(t)) };
    },
    getblockheader: (p) => {
      const entry = this.entry(hashParam(p, 0, 'blockhash'));
      if (param<boolean>(p, 1, 'verbose') === false) return bytesToHex(serializeHeader(entry.header));
      return this.headerInfo(entry);
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
    getmempoolinfo: () => ({
      loaded: true,
      size: this.chain.mempool.size,
      bytes: [...this.chain.mempool.values()].reduce((s, e) => s + e.vsize, 0),
      usage: this.chain.mempool.totalWeight,
      total_fee: btc([...this.chain.mempool.values()].reduce((s, e) => s + e.fee, 0n)),
      maxmempool: this.chain.mempool.maxWeight,
      mempoolminfee: this.chain.minRelayFeeRate / 1e5,
      minrelaytxfee: this.chain.minRelayFeeRate / 1e5,
      unbroadcastcount: 0,
    }),
    getrawtransaction: (p) => {
      const txid = hashParam(p, 0, 'txid');
      const verbosity = Number(param<number | boolean>(p, 1, 'verbose') ?? 0);
      const found = this.chain.findTransaction(txid);
      if (!found) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
      if (verbosity === 0) return bytesToHex(found.tx.raw);
      const out: Record<string, unknown> = this.decodeTx(found.tx);
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
    validateaddress: (p) => {
      const address = String(param<string>(p, 0, 'address') ?? '');
      try {
        const script = outputScriptFrom(address, this.network);
        const type = classifyOutput(script);
        return { isvalid: true, address, scriptPubKey: bytesToHex(script), isscript: type === 'p2sh' || type === 'p2wsh', iswitness: type.startsWith('p2w') || type === 'p2tr' };
      } catch (e) {
        if (!(e instanceof AddressError)) throw e;
        return { isvalid: false, error: 'Invalid address' };
      }
    },
  };

  private entry(hash: Uint8Array): BlockIndexEntry {
    const e = this.chain.entryByHash(hash);
    if (!e) throw new RpcMethodError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return e;
  }

  private headerInfo(e: BlockIndexEntry): Record<string, unknown> {
    const next = this.chain.entryAt(e.height + 1);
    return {
      hash: hashToDisplay(e.hash),
      confirmations: this.chain.height - e.height + 1,
      height: e.height,
      version: e.header.version | 0,
      versionHex: e.header.version.toString(16).padStart(8, '0'),
      merkleroot: hashToDisplay(e.header.merkleRoot),
      time: e.header.time,
      mediantime: e.medianTimePast,
      nonce: e.header.nonce,
      bits: e.header.bits.toString(16).padStart(8, '0'),
      target: targetHex(e.header.bits),
      difficulty: difficultyFromBits(e.header.bits),
      chainwork: e.chainWork.toString(16).padStart(64, '0'),
      nTx: e.txids.length,
      ...(e.height > 0 ? { previousblockhash: hashToDisplay(e.header.prevHash) } : {}),
      ...(next ? { nextblockhash: hashToDisplay(next.hash) } : {}),
    };
  }

  private decodeTx(t: ParsedTransaction): Record<string, unknown> {
    const cb = isCoinbase(t);
    return {
      txid: hashToDisplay(t.txid),
      hash: hashToDisplay(t.wtxid),
      version: t.version,
      size: t.totalSize,
      vsize: Math.ceil(t.weight / 4),
      weight: t.weight,
      locktime: t.locktime,
      vin: t.inputs.map((i) =>
        cb
          ? { coinbase: bytesToHex(i.scriptSig), ...(i.witness.length ? { txinwitness: i.witness.map(bytesToHex) } : {}), sequence: i.sequence }
          : {
              txid: hashToDisplay(i.prevTxid),
              vout: i.prevVout,
              scriptSig: { asm: '', hex: bytesToHex(i.scriptSig) },
              ...(i.witness.length ? { txinwitness: i.witness.map(bytesToHex) } : {}),
              sequence: i.sequence,
            },
      ),
      vout: t.outputs.map((o, n) => {
        const address = scriptToAddress(o.script, this.network);
        return { value: btc(o.value), n, scriptPubKey: { asm: '', hex: bytesToHex(o.script), ...(address ? { address } : {}), type: SCRIPT_TYPE_NAMES[classifyOutput(o.script)] } };
      }),
      hex: bytesToHex(t.raw),
    };
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

function targetHex(bits: number): string {
  return bitsToTargetBigInt(bits).toString(16).padStart(64, '0');
}
