/**
 * Block templates: what a pool or template provider needs to build a coinbase and jobs
 * (everything in TDP NewTemplate + SetNewPrevHash), built the same way from the embedded
 * chain's mempool or from a node's getblocktemplate.
 */
import { bip34HeightPrefix } from '../bitcoin/script.js';
import { MAX_BLOCK_SIGOPS_COST, MAX_BLOCK_WEIGHT } from '../bitcoin/block.js';
import { buildCoinbase, type CoinbaseParts } from '../bitcoin/coinbase.js';
import { coinbaseMerklePath } from '../bitcoin/merkle.js';
import { bitsToTarget, type Target } from '../bitcoin/target.js';
import { serializeOutputs, type TxOut } from '../bitcoin/tx.js';
import { equalBytes } from '../bitcoin/bytes.js';
import { findWitnessCommitment, witnessCommitmentOutput, ZERO_WITNESS_RESERVED_VALUE } from '../bitcoin/witness.js';

/** TDP CoinbaseOutputConstraints: room the client needs for its own coinbase outputs. */
export interface CoinbaseConstraints {
  /** Serialized bytes of the outputs the client will add (coinbase_output_max_additional_size). */
  maxAdditionalSize: number;
  /** Sigop cost of those outputs (coinbase_output_max_additional_sigops). */
  maxAdditionalSigops: number;
}

export const DEFAULT_CONSTRAINTS: CoinbaseConstraints = { maxAdditionalSize: 0, maxAdditionalSigops: 400 };

/** Weight a template leaves free for the coinbase (spec §TDP: 1168 + 4·size for segwit, at least 2000). */
export function reservedWeight(c: CoinbaseConstraints): number {
  return Math.max(2000, 1168 + 4 * c.maxAdditionalSize);
}

export interface TemplateTransaction {
  /** Witness serialization. */
  data: Uint8Array;
  txid: Uint8Array;
  wtxid: Uint8Array;
  fee: bigint;
  weight: number;
  sigops: number;
  /** Indexes (0-based, into the template's transaction list) of in-template parents. */
  depends: number[];
}

/** A node's proposal before coinbase constraints are applied: candidates in preferred order. */
export interface TemplateCandidate {
  height: number;
  version: number;
  prevHash: Uint8Array;
  bits: number;
  /** Defaults to the target nBits encodes. */
  target?: Target;
  /** The header time to start from (usually now, at least minTime). */
  curtime: number;
  /** Median time past + 1: the lowest valid header time. */
  minTime: number;
  /** Block subsidy, without fees. */
  subsidy: bigint;
  /** Transactions in selection order; a transaction's parents come before it. */
  candidates: readonly TemplateTransaction[];
  /** Node limits (getblocktemplate's weightlimit/sigoplimit); consensus maximums by default. */
  weightLimit?: number;
  sigopLimit?: number;
  /** Segwit is active for this block (getblocktemplate `rules` has segwit); default true. */
  segwit?: boolean;
}

export interface BlockTemplate {
  /** Strictly increasing per source. */
  id: bigint;
  height: number;
  version: number;
  /** Previous block hash, internal order (as in the header and SetNewPrevHash). */
  prevHash: Uint8Array;
  bits: number;
  /** Network target, 32 bytes little-endian. */
  target: Target;
  /** SetNewPrevHash.header_timestamp. */
  time: number;
  minTime: number;
  coinbaseTxVersion: number;
  /** NewTemplate.coinbase_prefix: the BIP34 height push. */
  coinbasePrefix: Uint8Array;
  coinbaseSequence: number;
  /** Subsidy + fees: what the client's outputs may claim (NewTemplate.coinbase_tx_value_remaining). */
  coinbaseValue: bigint;
  fees: bigint;
  /** Outputs the template requires in the coinbase, last (the witness commitment). */
  coinbaseOutputs: TxOut[];
  coinbaseLocktime: number;
  /** Coinbase merkle path, deepest first. */
  merklePath: Uint8Array[];
  transactions: TemplateTransaction[];
  /** Weight and sigop cost of the non-coinbase transactions. */
  txWeight: number;
  txSigops: number;
  constraints: CoinbaseConstraints;
}

/** NewTemplate.coinbase_tx_outputs (no count prefix) and its count. */
export function templateOutputs(t: BlockTemplate): { count: number; bytes: Uint8Array } {
  return { count: t.coinbaseOutputs.length, bytes: serializeOutputs(t.coinbaseOutputs) };
}

/**
 * Applies coinbase constraints to a candidate: keeps transactions in order while they fit the
 * weight and sigop budget (a transaction whose parent was left out is left out too), then
 * computes fees, the witness commitment and the coinbase merkle path. Where segwit is not active
 * there is no commitment and no transaction with a witness (else "unexpected-witness").
 */
export function finishTemplate(c: TemplateCandidate, constraints: CoinbaseConstraints, id: bigint): BlockTemplate {
  const weightBudget = Math.min(c.weightLimit ?? MAX_BLOCK_WEIGHT, MAX_BLOCK_WEIGHT) - reservedWeight(constraints);
  const sigopBudget = Math.min(c.sigopLimit ?? MAX_BLOCK_SIGOPS_COST, MAX_BLOCK_SIGOPS_COST) - constraints.maxAdditionalSigops;
  const kept: TemplateTransaction[] = [];
  const newIndex = new Map<number, number>();
  let weight = 0;
  let sigops = 0;
  let fees = 0n;
  const segwit = c.segwit ?? true;
  c.candidates.forEach((tx, i) => {
    if (!segwit && !equalBytes(tx.txid, tx.wtxid)) return;
    if (weight + tx.weight > weightBudget || sigops + tx.sigops > sigopBudget) return;
    const deps: number[] = [];
    for (const d of tx.depends) {
      const nd = newIndex.get(d);
      if (nd === undefined) return;
      deps.push(nd);
    }
    newIndex.set(i, kept.length);
    kept.push({ ...tx, depends: deps });
    weight += tx.weight;
    sigops += tx.sigops;
    fees += tx.fee;
  });
  return {
    id,
    height: c.height,
    version: c.version,
    prevHash: c.prevHash,
    bits: c.bits,
    target: c.target ?? bitsToTarget(c.bits),
    time: Math.max(c.curtime, c.minTime),
    minTime: c.minTime,
    coinbaseTxVersion: 2,
    coinbasePrefix: bip34HeightPrefix(c.height),
    // As Bitcoin Core's template provider: a non-final sequence and locktime height−1 (always final).
    coinbaseSequence: 0xfffffffe,
    coinbaseValue: c.subsidy + fees,
    fees,
    coinbaseOutputs: segwit ? [witnessCommitmentOutput(kept.map((t) => t.wtxid))] : [],
    coinbaseLocktime: Math.max(0, c.height - 1),
    merklePath: coinbaseMerklePath(kept.map((t) => t.txid)),
    transactions: kept,
    txWeight: weight,
    txSigops: sigops,
    constraints,
  };
}

export interface CoinbaseFor {
  /** The client's outputs, placed before the template's. Their values must sum to ≤ coinbaseValue. */
  outputs: readonly TxOut[];
  tag?: Uint8Array;
  extranonceSize: number;
}

/** The coinbase parts for a template (segwit form, reserved value zero, when the template commits to witnesses). */
export function templateCoinbase(t: BlockTemplate, f: CoinbaseFor): CoinbaseParts {
  return buildCoinbase({
    txVersion: t.coinbaseTxVersion,
    scriptSigPrefix: t.coinbasePrefix,
    tag: f.tag,
    extranonceSize: f.extranonceSize,
    sequence: t.coinbaseSequence,
    outputs: [...f.outputs, ...t.coinbaseOutputs],
    locktime: t.coinbaseLocktime,
    witnessReservedValue: findWitnessCommitment(t.coinbaseOutputs) >= 0 ? ZERO_WITNESS_RESERVED_VALUE : null,
  });
}
