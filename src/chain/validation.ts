/**
 * Consensus checks, split as Bitcoin Core splits them, with Core's reject reasons:
 * checkTransaction (context-free), checkBlock (context-free), contextualCheckBlock (needs the
 * parent) and connectTransactions (needs the UTXO set).
 */
import { MAX_BLOCK_SIGOPS_COST, MAX_BLOCK_WEIGHT, WITNESS_SCALE_FACTOR, type ParsedBlock } from '../bitcoin/block.js';
import { equalBytes } from '../bitcoin/bytes.js';
import { computeMerkleRoot } from '../bitcoin/merkle.js';
import { bip34HeightPrefix } from '../bitcoin/script.js';
import { decodeBits, hashMeetsTarget, targetFromBigInt } from '../bitcoin/target.js';
import { isCoinbase, type ParsedTransaction } from '../bitcoin/tx.js';
import { findWitnessCommitment, witnessCommitment } from '../bitcoin/witness.js';
import { MAX_MONEY, type ChainParams } from './params.js';
import { sigopCost, TxScriptContext, verifyInput } from './script-check.js';
import { outpointKey, type Coin, type CoinView } from './utxo.js';

const LOCKTIME_THRESHOLD = 500_000_000;
const SEQUENCE_FINAL = 0xffffffff;
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
const SEQUENCE_LOCKTIME_TYPE_FLAG = 0x00400000;
const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;

/** Bitcoin Core's CheckTransaction: null when fine, else the reject reason. */
export function checkTransaction(tx: ParsedTransaction): string | null {
  if (tx.inputs.length === 0) return 'bad-txns-vin-empty';
  if (tx.outputs.length === 0) return 'bad-txns-vout-empty';
  if (tx.baseSize * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) return 'bad-txns-oversize';
  let total = 0n;
  for (const o of tx.outputs) {
    if (o.value > MAX_MONEY) return 'bad-txns-vout-toolarge';
    total += o.value;
    if (total > MAX_MONEY) return 'bad-txns-txouttotal-toolarge';
  }
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = outpointKey(i.prevTxid, i.prevVout);
    if (seen.has(k)) return 'bad-txns-inputs-duplicate';
    seen.add(k);
  }
  if (isCoinbase(tx)) {
    const n = tx.inputs[0]!.scriptSig.length;
    if (n < 2 || n > 100) return 'bad-cb-length';
  } else {
    for (const i of tx.inputs) if (i.prevVout === 0xffffffff && i.prevTxid.every((b) => b === 0)) return 'bad-txns-prevout-null';
  }
  return null;
}

/** Bitcoin Core's CheckProofOfWork: the hash meets the target nBits encodes, within the pow limit. */
export function checkProofOfWork(hash: Uint8Array, bits: number, params: ChainParams): string | null {
  const { target, negative, overflow } = decodeBits(bits);
  const powLimit = decodeBits(params.powLimitBits).target;
  if (negative || overflow || target === 0n || target > powLimit || !hashMeetsTarget(hash, targetFromBigInt(target))) return 'high-hash';
  return null;
}

/** Bitcoin Core's CheckBlock, without the proof of work (checked first, on the header). */
export function checkBlock(block: ParsedBlock): string | null {
  const txs = block.transactions;
  const { root, mutated } = computeMerkleRoot(txs.map((t) => t.txid));
  if (!equalBytes(root, block.header.merkleRoot)) return 'bad-txnmrklroot';
  if (mutated) return 'bad-txns-duplicate';
  if (txs.length === 0 || txs.length * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT || block.strippedSize * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) return 'bad-blk-length';
  if (!isCoinbase(txs[0]!)) return 'bad-cb-missing';
  for (let i = 1; i < txs.length; i++) if (isCoinbase(txs[i]!)) return 'bad-cb-multiple';
  let legacySigops = 0;
  for (const tx of txs) {
    const r = checkTransaction(tx);
    if (r) return r;
    legacySigops += sigopCost(tx, null);
  }
  if (legacySigops > MAX_BLOCK_SIGOPS_COST) return 'bad-blk-sigops';
  return null;
}

/** Bitcoin Core's IsFinalTx. */
export function isFinalTx(tx: ParsedTransaction, height: number, lockTimeCutoff: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : lockTimeCutoff)) return true;
  return tx.inputs.every((i) => i.sequence === SEQUENCE_FINAL);
}

export interface BlockContext {
  height: number;
  /** nBits the block must carry. */
  expectedBits: number;
  /** Median time past of the parent. */
  medianTimePast: number;
  /** The node's clock, unix seconds; undefined skips the future-time check (replaying stored blocks). */
  now?: number;
}

/** Header and block checks that need the parent: difficulty, time, version, finality, BIP34, witness commitment, weight. */
export function contextualCheckBlock(block: ParsedBlock, ctx: BlockContext, params: ChainParams): string | null {
  const h = block.header;
  if (h.bits !== ctx.expectedBits) return 'bad-diffbits';
  if (h.time <= ctx.medianTimePast) return 'time-too-old';
  if (ctx.now !== undefined && h.time > ctx.now + params.maxFutureBlockTime) return 'time-too-new';
  // BIP34/65/66 are active from height 1 on regtest, so version 4 is the floor (top-bits versions are ≥ 4).
  if ((h.version | 0) < 4 && ctx.height >= params.bip34Height) return `bad-version(0x${h.version.toString(16).padStart(8, '0')})`;
  for (const tx of block.transactions) if (!isFinalTx(tx, ctx.height, ctx.medianTimePast)) return 'bad-txns-nonfinal';
  const coinbase = block.transactions[0]!;
  if (ctx.height >= params.bip34Height) {
    const expect = bip34HeightPrefix(ctx.height);
    const sig = coinbase.inputs[0]!.scriptSig;
    if (sig.length < expect.length || !equalBytes(sig.subarray(0, expect.length), expect)) return 'bad-cb-height';
  }
  let haveWitnessCommitment = false;
  if (ctx.height >= params.segwitHeight) {
    const idx = findWitnessCommitment(coinbase.outputs);
    if (idx >= 0) {
      const w = coinbase.inputs[0]!.witness;
      if (w.length !== 1 || w[0]!.length !== 32) return 'bad-witness-nonce-size';
      const expected = witnessCommitment(block.transactions.slice(1).map((t) => t.wtxid), w[0]);
      if (!equalBytes(coinbase.outputs[idx]!.script.subarray(6, 38), expected)) return 'bad-witness-merkle-match';
      haveWitnessCommitment = true;
    }
  }
  if (!haveWitnessCommitment) {
    for (const tx of block.transactions) if (tx.inputs.some((i) => i.witness.length > 0)) return 'unexpected-witness';
  }
  if (block.weight > MAX_BLOCK_WEIGHT) return 'bad-blk-weight';
  return null;
}

export interface SpendContext {
  /** Height of the block (or of the next block, for the mempool) the transaction goes in. */
  height: number;
  coinbaseMaturity: number;
  /** For BIP68 time locks: the median time past of the block before `height`, and of any height. */
  medianTimePast: number;
  medianTimePastAt: (height: number) => number;
}

export interface SpendResult {
  fee: bigint;
  coins: Coin[];
  sigops: number;
}

/**
 * Checks a non-coinbase transaction's inputs against `view`: existence, maturity, values, BIP68
 * relative locks. Scripts are checked separately ({@link checkScripts}) so that callers can skip
 * transactions whose scripts were already verified.
 */
export function checkInputs(tx: ParsedTransaction, view: CoinView, ctx: SpendContext): SpendResult | string {
  const coins: Coin[] = [];
  let valueIn = 0n;
  for (const i of tx.inputs) {
    const coin = view.get(outpointKey(i.prevTxid, i.prevVout));
    if (!coin) return 'bad-txns-inputs-missingorspent';
    if (coin.coinbase && ctx.height - coin.height < ctx.coinbaseMaturity) return 'bad-txns-premature-spend-of-coinbase';
    valueIn += coin.value;
    if (coin.value > MAX_MONEY || valueIn > MAX_MONEY) return 'bad-txns-inputvalues-outofrange';
    coins.push(coin);
  }
  const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0n);
  if (valueIn < valueOut) return 'bad-txns-in-belowout';
  if (!sequenceLocksSatisfied(tx, coins, ctx)) return 'bad-txns-nonfinal';
  return { fee: valueIn - valueOut, coins, sigops: sigopCost(tx, coins) };
}

/** BIP68 relative lock-times of version ≥ 2 transactions. */
function sequenceLocksSatisfied(tx: ParsedTransaction, coins: readonly Coin[], ctx: SpendContext): boolean {
  if (tx.version < 2) return true;
  for (let k = 0; k < tx.inputs.length; k++) {
    const seq = tx.inputs[k]!.sequence;
    if (seq & SEQUENCE_LOCKTIME_DISABLE_FLAG) continue;
    // A coin from an unconfirmed parent counts as confirmed in the block being built (as in Core).
    const coinHeight = Math.min(coins[k]!.height, ctx.height);
    const value = seq & SEQUENCE_LOCKTIME_MASK;
    if (seq & SEQUENCE_LOCKTIME_TYPE_FLAG) {
      const minTime = ctx.medianTimePastAt(Math.max(coinHeight - 1, 0)) + value * 512 - 1;
      if (minTime >= ctx.medianTimePast) return false;
    } else if (coinHeight + value - 1 >= ctx.height) {
      return false;
    }
  }
  return true;
}

/** Verifies every input's script: null when all pass, else the first failure's reason. */
export function checkScripts(tx: ParsedTransaction, coins: readonly Coin[]): string | null {
  const ctx = new TxScriptContext(tx, coins);
  for (let k = 0; k < tx.inputs.length; k++) {
    const r = verifyInput(ctx, k);
    if (r) return r;
  }
  return null;
}
