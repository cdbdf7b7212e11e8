/**
 * The embedded chain: an in-process regtest node. It keeps a block index, the UTXO set and a
 * mempool; validates submitted blocks and transactions with Bitcoin Core's rules and reasons;
 * builds templates; and persists blocks to a BlockStore (replayed on open).
 *
 * Synchronous and deterministic given its clock: no timers here. Whoever runs it (a role, the
 * RPC server, a test) drives time and feeds transactions.
 */
import { bytesToHex } from '../codec/hex.js';
import { parseBlock, type ParsedBlock } from '../bitcoin/block.js';
import { BitcoinDecodeError, hashToDisplay } from '../bitcoin/bytes.js';
import type { BlockHeader } from '../bitcoin/header.js';
import { bitsToTargetBigInt, workFromTarget } from '../bitcoin/target.js';
import { parseTransaction, type ParsedTransaction } from '../bitcoin/tx.js';
import { MemoryBlockStore, type BlockRef, type BlockStore } from './block-store.js';
import { nextBits, validateDifficulty, type DifficultyConfig } from './difficulty.js';
import { Emitter, type Unsubscribe } from './events.js';
import { Mempool, type MempoolEntry } from './mempool.js';
import { solveTemplate } from './template-solver.js';
import { blockSubsidy, REGTEST_PARAMS, type ChainParams } from './params.js';
import { DEFAULT_CONSTRAINTS, finishTemplate, type BlockTemplate, type CoinbaseConstraints, type TemplateCandidate, type TemplateTransaction } from './template.js';
import { CoinOverlay, outpointKey, UtxoSet, type Coin } from './utxo.js';
import { checkBlock, checkInputs, checkProofOfWork, checkScripts, checkTransaction, contextualCheckBlock, isFinalTx } from './validation.js';
import { MAX_BLOCK_SIGOPS_COST } from '../bitcoin/block.js';

export interface BlockIndexEntry {
  hash: Uint8Array;
  /** Internal-order hash as hex. */
  key: string;
  height: number;
  header: BlockHeader;
  chainWork: bigint;
  /** Median time past including this block (what the next block must exceed). */
  medianTimePast: number;
  ref: BlockRef;
  txids: Uint8Array[];
  size: number;
  strippedSize: number;
  weight: number;
  fees: bigint;
}

export interface SubmitResult {
  accepted: boolean;
  /** Bitcoin Core's reject reason (submitblock's answer) when not accepted. */
  reason?: string;
  /** Block hash (internal order), when the block could be decoded. */
  hash?: Uint8Array;
  height?: number;
}

export interface TxAcceptResult {
  accepted: boolean;
  reason?: string;
  txid?: Uint8Array;
  fee?: bigint;
}

export interface ChainEvents extends Record<string, unknown> {
  /** A block was connected and is the new tip. */
  tip: { entry: BlockIndexEntry; block: ParsedBlock };
  /** The mempool changed (transactions accepted, confirmed, evicted). */
  mempool: { size: number; weight: number };
}

export interface ChainOptions {
  params?: ChainParams;
  /** Unix seconds. Tests inject a fake clock; defaults to the wall clock. */
  clock?: () => number;
  difficulty?: DifficultyConfig;
  store?: BlockStore;
  /** Mempool bound in weight units (default 10 blocks' worth, tens of thousands of transactions). */
  maxMempoolWeight?: number;
  /** Minimum relay fee rate, sat/vB (default 1). */
  minRelayFeeRate?: number;
  /** Header version of templates (default 0x20000000: BIP9 top bits, no signals). */
  blockVersion?: number;
}

export interface LoadReport {
  blocksReplayed: number;
  /** Set when the store held a block that no longer validates: it and everything after were dropped. */
  droppedFrom?: { height: number; reason: string };
}

const MTP_SPAN = 11;
const MAX_STANDARD_TX_WEIGHT = 400_000;

export class EmbeddedChain {
  readonly params: ChainParams;
  readonly clock: () => number;
  readonly difficulty: DifficultyConfig;
  readonly utxo = new UtxoSet();
  readonly mempool: Mempool;
  readonly minRelayFeeRate: number;
  readonly blockVersion: number;
  readonly loadReport: LoadReport;
  private readonly store: BlockStore;
  private readonly chain: BlockIndexEntry[] = [];
  private readonly byKey = new Map<string, BlockIndexEntry>();
  /** Confirmed txid (hex) → height: a transaction index, as bitcoind's -txindex. */
  private readonly txIndex = new Map<string, number>();
  /** wtxids whose scripts were verified at mempool acceptance: block validation skips them (Core's script cache). */
  private readonly scriptVerified = new Set<string>();
  private readonly events = new Emitter<ChainEvents>();
  private templateCounter = 0n;

  constructor(opts: ChainOptions = {}) {
    this.params = opts.params ?? REGTEST_PARAMS;
    this.clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
    this.difficulty = opts.difficulty ?? { mode: 'regtest' };
    validateDifficulty(this.difficulty, this.params.powLimitBits);
    this.store = opts.store ?? new MemoryBlockStore();
    this.mempool = new Mempool(opts.maxMempoolWeight ?? 40_000_000);
    this.minRelayFeeRate = opts.minRelayFeeRate ?? 1;
    this.blockVersion = opts.blockVersion ?? 0x20000000;
    this.connectGenesis();
    this.loadReport = this.replayStore();
  }

  // ---- queries ----

  get tip(): BlockIndexEntry {
    return this.chain[this.chain.length - 1]!;
  }

  get height(): number {
    return this.chain.length - 1;
  }

  entryAt(height: number): BlockIndexEntry | undefined {
    return this.chain[height];
  }

  entryByHash(hash: Uint8Array): BlockIndexEntry | undefined {
    return this.byKey.get(bytesToHex(hash));
  }

  readBlock(entry: BlockIndexEntry): Uint8Array {
    return entry.height === 0 ? this.params.genesis : this.store.read(entry.ref);
  }

  /** A confirmed transaction (via the transaction index) or a mempool one. */
  findTransaction(txid: Uint8Array): { tx: ParsedTransaction; entry?: BlockIndexEntry } | undefined {
    const key = bytesToHex(txid);
    const m = this.mempool.get(key);
    if (m) return { tx: m.tx };
    const height = this.txIndex.get(key);
    if (height === undefined) return undefined;
    const entry = this.chain[height]!;
    const tx = parseBlock(this.readBlock(entry)).transactions.find((t) => bytesToHex(t.txid) === key);
    return tx ? { tx, entry } : undefined;
  }

  coin(txid: Uint8Array, vout: number): Coin | undefined {
    return this.utxo.get(outpointKey(txid, vout));
  }

  /** nBits the next block must carry. */
  nextBits(): number {
    return nextBits(this.difficulty, this.params.powLimitBits, this.height + 1, (h) => this.chain[h]!.header);
  }

  onTip(listener: (e: ChainEvents['tip']) => void): Unsubscribe {
    return this.events.on('tip', listener);
  }

  onMempool(listener: (e: ChainEvents['mempool']) => void): Unsubscribe {
    return this.events.on('mempool', listener);
  }

  close(): void {
    this.store.close();
  }

  // ---- blocks ----

  /** Validates and connects a block on the tip; the chain is unchanged when it is rejected. */
  submitBlock(bytes: Uint8Array): SubmitResult {
    let block: ParsedBlock;
    try {
      block = parseBlock(bytes);
    } catch (e) {
      if (e instanceof BitcoinDecodeError) return { accepted: false, reason: 'block-decode-failed' };
      throw e;
    }
    const r = this.acceptBlock(block, bytes, { now: this.clock(), checkScripts: true });
    if (typeof r === 'string') return { accepted: false, reason: r, hash: block.hash };
    return { accepted: true, hash: block.hash, height: r!.height };
  }

  /**
   * Checks a block proposal without connecting it (Bitcoin Core's TestBlockValidity, getblocktemplate
   * proposal mode): every rule except proof of work. null when valid, else the reason.
   * `useScriptCache: false` re-verifies every signature (as for a block never seen in the mempool).
   */
  checkBlockProposal(bytes: Uint8Array, opts: { useScriptCache?: boolean } = {}): string | null {
    let block: ParsedBlock;
    try {
      block = parseBlock(bytes);
    } catch (e) {
      if (e instanceof BitcoinDecodeError) return 'block-decode-failed';
      throw e;
    }
    const r = this.acceptBlock(block, bytes, { now: this.clock(), checkScripts: true, checkPow: false, dryRun: true, useScriptCache: opts.useScriptCache ?? true });
    return typeof r === 'string' ? r : null;
  }

  private acceptBlock(
    block: ParsedBlock,
    bytes: Uint8Array,
    opts: { now?: number; checkScripts: boolean; ref?: BlockRef; checkPow?: boolean; dryRun?: boolean; useScriptCache?: boolean },
  ): BlockIndexEntry | string | null {
    const key = bytesToHex(block.hash);
    if (this.byKey.has(key)) return 'duplicate';
    if (opts.checkPow ?? true) {
      const pow = checkProofOfWork(block.hash, block.header.bits, this.params);
      if (pow) return pow;
    }
    const parent = this.byKey.get(bytesToHex(block.header.prevHash));
    if (!parent) return 'prev-blk-not-found';
    // Only the tip is extended: the embedded chain has a single miner set and keeps no side branches.
    if (parent !== this.tip) return 'inconclusive-not-best-prevblk';
    const height = parent.height + 1;
    const structural = checkBlock(block);
    if (structural) return structural;
    const contextual = contextualCheckBlock(block, { height, expectedBits: this.nextBits(), medianTimePast: parent.medianTimePast, now: opts.now }, this.params);
    if (contextual) return contextual;
    const connected = this.connectTransactions(block, height, opts.checkScripts, opts.useScriptCache ?? true);
    if (typeof connected === 'string') return connected;
    if (opts.dryRun) return null;

    const ref = opts.ref ?? this.store.append(bytes);
    for (const k of connected.overlay.spent) this.utxo.spend(k);
    for (const [k, coin] of connected.overlay.added) this.utxo.add(k, coin);
    const entry = this.indexBlock(block, height, ref, connected.fees);
    this.afterConnect(block, entry);
    return entry;
  }

  private connectTransactions(block: ParsedBlock, height: number, verifyScripts: boolean, useScriptCache: boolean): { fees: bigint; overlay: CoinOverlay } | string {
    const overlay = new CoinOverlay(this.utxo);
    const txs = block.transactions;
    const coinbase = txs[0]!;
    let fees = 0n;
    let sigops = 0;
    const addOutputs = (tx: ParsedTransaction, isCoinbase: boolean) => {
      tx.outputs.forEach((o, vout) => {
        // Provably unspendable outputs never enter the UTXO set.
        if (o.script[0] === 0x6a || o.script.length > 10_000) return;
        overlay.added.set(outpointKey(tx.txid, vout), { ...o, height, coinbase: isCoinbase });
      });
    };
    addOutputs(coinbase, true);
    const spendCtx = { height, coinbaseMaturity: this.params.coinbaseMaturity, medianTimePast: this.tip.medianTimePast, medianTimePastAt: (h: number) => this.chain[h]!.medianTimePast };
    for (let i = 1; i < txs.length; i++) {
      const tx = txs[i]!;
      const r = checkInputs(tx, overlay, spendCtx);
      if (typeof r === 'string') return r;
      sigops += r.sigops;
      if (sigops > MAX_BLOCK_SIGOPS_COST) return 'bad-blk-sigops';
      if (verifyScripts && !(useScriptCache && this.scriptVerified.has(bytesToHex(tx.wtxid)))) {
        const s = checkScripts(tx, r.coins);
        if (s) return s;
      }
      fees += r.fee;
      for (const inp of tx.inputs) {
        const k = outpointKey(inp.prevTxid, inp.prevVout);
        if (!overlay.added.delete(k)) overlay.spent.add(k);
      }
      addOutputs(tx, false);
    }
    const claimed = coinbase.outputs.reduce((s, o) => s + o.value, 0n);
    if (claimed > blockSubsidy(height, this.params.subsidyHalvingInterval) + fees) return 'bad-cb-amount';
    return { fees, overlay };
  }

  private indexBlock(block: ParsedBlock, height: number, ref: BlockRef, fees: bigint): BlockIndexEntry {
    const prev = this.chain[height - 1];
    const times = [block.header.time];
    for (let h = height - 1; h >= 0 && times.length < MTP_SPAN; h--) times.push(this.chain[h]!.header.time);
    times.sort((a, b) => a - b);
    const entry: BlockIndexEntry = {
      hash: block.hash,
      key: bytesToHex(block.hash),
      height,
      header: block.header,
      chainWork: (prev?.chainWork ?? 0n) + workFromTarget(bitsToTargetBigInt(block.header.bits)),
      medianTimePast: times[Math.floor(times.length / 2)]!,
      ref,
      txids: block.transactions.map((t) => t.txid),
      size: block.size,
      strippedSize: block.strippedSize,
      weight: block.weight,
      fees,
    };
    this.chain.push(entry);
    this.byKey.set(entry.key, entry);
    for (const t of entry.txids) this.txIndex.set(bytesToHex(t), height);
    return entry;
  }

  private afterConnect(block: ParsedBlock, entry: BlockIndexEntry): void {
    let changed = false;
    for (const tx of block.transactions.slice(1)) {
      const key = bytesToHex(tx.txid);
      if (this.mempool.removeConfirmed(key)) changed = true;
      this.scriptVerified.delete(bytesToHex(tx.wtxid));
      // Mempool transactions double-spending what this block spent are now invalid.
      for (const inp of tx.inputs) {
        const spender = this.mempool.spenderOf(outpointKey(inp.prevTxid, inp.prevVout));
        if (spender) {
          for (const e of this.mempool.removeWithDescendants(spender)) this.forget(e);
          changed = true;
        }
      }
    }
    this.events.emit('tip', { entry, block });
    if (changed) this.emitMempool();
  }

  private connectGenesis(): void {
    const block = parseBlock(this.params.genesis);
    // The genesis coinbase is not spendable (as in Bitcoin Core): no coins are added.
    this.indexBlock(block, 0, { offset: -1, length: this.params.genesis.length }, 0n);
  }

  private replayStore(): LoadReport {
    let n = 0;
    for (const { block: bytes, ref } of this.store.replay()) {
      let reason: string;
      try {
        const block = parseBlock(bytes);
        // Stored blocks were fully validated when accepted: replay skips scripts and the clock.
        const r = this.acceptBlock(block, bytes, { checkScripts: false, ref });
        if (typeof r !== 'string') {
          n++;
          continue;
        }
        reason = r;
      } catch (e) {
        if (!(e instanceof BitcoinDecodeError)) throw e;
        reason = 'block-decode-failed';
      }
      this.store.truncate(ref);
      return { blocksReplayed: n, droppedFrom: { height: this.height + 1, reason } };
    }
    return { blocksReplayed: n };
  }

  // ---- transactions ----

  /** Mempool acceptance with Bitcoin Core's reasons (consensus checks plus a few policies). */
  acceptTransaction(raw: Uint8Array | ParsedTransaction): TxAcceptResult {
    let tx: ParsedTransaction;
    try {
      tx = raw instanceof Uint8Array ? parseTransaction(raw) : raw;
    } catch (e) {
      if (e instanceof BitcoinDecodeError) return { accepted: false, reason: 'TX decode failed' };
      throw e;
    }
    const key = bytesToHex(tx.txid);
    const reject = (reason: string): TxAcceptResult => ({ accepted: false, reason, txid: tx.txid });
    const bad = checkTransaction(tx);
    if (bad) return reject(bad);
    if (tx.inputs.length === 1 && tx.inputs[0]!.prevVout === 0xffffffff && tx.inputs[0]!.prevTxid.every((b) => b === 0)) return reject('coinbase');
    if (tx.weight > MAX_STANDARD_TX_WEIGHT) return reject('tx-size');
    if (this.mempool.has(key)) return reject('txn-already-in-mempool');
    if (this.txIndex.has(key)) return reject('txn-already-known');
    const nextHeight = this.height + 1;
    if (!isFinalTx(tx, nextHeight, this.tip.medianTimePast)) return reject('non-final');
    for (const i of tx.inputs) if (this.mempool.spenderOf(outpointKey(i.prevTxid, i.prevVout))) return reject('txn-mempool-conflict');
    const spend = checkInputs(tx, this.mempool.view(this.utxo), {
      height: nextHeight,
      coinbaseMaturity: this.params.coinbaseMaturity,
      medianTimePast: this.tip.medianTimePast,
      medianTimePastAt: (h) => this.chain[Math.min(h, this.height)]!.medianTimePast,
    });
    if (typeof spend === 'string') return reject(spend === 'bad-txns-nonfinal' ? 'non-BIP68-final' : spend);
    const vsize = Math.ceil(tx.weight / 4);
    if (spend.fee < BigInt(Math.ceil(this.minRelayFeeRate * vsize))) return reject('min relay fee not met');
    const scripts = checkScripts(tx, spend.coins);
    if (scripts) return reject(scripts);
    const entry: MempoolEntry = { tx, key, fee: spend.fee, weight: tx.weight, vsize, sigops: spend.sigops, time: this.clock(), height: this.height, parents: new Set(), children: new Set() };
    this.mempool.add(entry);
    this.scriptVerified.add(bytesToHex(tx.wtxid));
    const evicted = this.mempool.trim();
    for (const e of evicted) this.forget(e);
    if (evicted.some((e) => e.key === key)) {
      this.emitMempool();
      return reject('mempool full');
    }
    this.emitMempool();
    return { accepted: true, txid: tx.txid, fee: spend.fee };
  }

  private forget(e: MempoolEntry): void {
    this.scriptVerified.delete(bytesToHex(e.tx.wtxid));
  }

  private emitMempool(): void {
    this.events.emit('mempool', { size: this.mempool.size, weight: this.mempool.totalWeight });
  }

  // ---- templates and mining ----

  /** The next block's proposal: mempool transactions in fee-rate order (parents first). */
  candidate(): TemplateCandidate {
    const ordered = this.mempool.ordered();
    const index = new Map<string, number>();
    const candidates: TemplateTransaction[] = ordered.map((e, i) => {
      index.set(e.key, i);
      return { data: e.tx.raw, txid: e.tx.txid, wtxid: e.tx.wtxid, fee: e.fee, weight: e.weight, sigops: e.sigops, depends: [...e.parents].map((p) => index.get(p)!) };
    });
    const minTime = this.tip.medianTimePast + 1;
    return {
      height: this.height + 1,
      version: this.blockVersion,
      prevHash: this.tip.hash,
      bits: this.nextBits(),
      curtime: Math.max(this.clock(), minTime),
      minTime,
      subsidy: blockSubsidy(this.height + 1, this.params.subsidyHalvingInterval),
      candidates,
      segwit: this.height + 1 >= this.params.segwitHeight,
    };
  }

  /** A template for the next block under the client's coinbase constraints. */
  getTemplate(constraints: CoinbaseConstraints = DEFAULT_CONSTRAINTS): BlockTemplate {
    return finishTemplate(this.candidate(), constraints, this.nextTemplateId());
  }

  nextTemplateId(): bigint {
    return ++this.templateCounter;
  }

  /**
   * Mines `count` blocks paying `payoutScript` (bitcoind's generatetoaddress). Returns the hashes
   * of the blocks found; fewer than `count` when maxTries runs out on a hard target.
   */
  generate(count: number, payoutScript: Uint8Array, maxTries = 1_000_000): Uint8Array[] {
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const template = this.getTemplate();
      const extranonce = new Uint8Array(8);
      new DataView(extranonce.buffer).setUint32(0, this.height + 1, true);
      const block = solveTemplate(template, { payoutScript, maxTries, extranonce });
      if (!block) break;
      const r = this.submitBlock(block);
      if (!r.accepted) throw new Error(`the chain rejected its own block at height ${template.height}: ${r.reason}`);
      hashes.push(r.hash!);
    }
    return hashes;
  }

  /** Human-readable tip, for logs. */
  describeTip(): string {
    return `height ${this.height} ${hashToDisplay(this.tip.hash)}`;
  }
}
