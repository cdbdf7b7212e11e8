/**
 * A job a JD client declared (DeclareMiningJob, Full-Template mode) and what the Job Declarator
 * makes of it: the proposal its node checks (no proof of work, BIP 23) and, once solved, the block.
 */
import { assembleBlock, type AssembledBlock } from '../bitcoin/block.js';
import { concatBytes } from '../bitcoin/bytes.js';
import { coinbaseMerklePath } from '../bitcoin/merkle.js';
import type { ParsedTransaction } from '../bitcoin/tx.js';

export interface DeclaredJob {
  readonly userIdentifier: string;
  readonly version: number;
  /** The declared coinbase around the extranonce, BIP141 fields kept. */
  readonly coinbasePrefix: Uint8Array;
  readonly coinbaseSuffix: Uint8Array;
  readonly extranonceSize: number;
  /** Block height (BIP34), prev hash and nBits of the tip it was validated on. */
  readonly height: number;
  readonly prevHash: Uint8Array;
  readonly nbits: number;
  /** Non-coinbase transactions in block order (witness serialization). */
  readonly transactions: readonly Uint8Array[];
  readonly merklePath: readonly Uint8Array[];
}

export function declaredJob(fields: Omit<DeclaredJob, 'transactions' | 'merklePath'>, txs: readonly ParsedTransaction[]): DeclaredJob {
  return { ...fields, transactions: txs.map((t) => t.raw), merklePath: coinbaseMerklePath(txs.map((t) => t.txid)) };
}

export interface HeaderSolution {
  /** The full extranonce that goes between the coinbase prefix and suffix. */
  extranonce: Uint8Array;
  version: number;
  ntime: number;
  nonce: number;
}

/** The block a solution of the declared job completes. */
export function declaredBlock(job: DeclaredJob, s: HeaderSolution): AssembledBlock {
  return assembleBlock({
    version: s.version,
    prevHash: job.prevHash,
    time: s.ntime,
    bits: job.nbits,
    nonce: s.nonce,
    coinbase: concatBytes(job.coinbasePrefix, s.extranonce, job.coinbaseSuffix),
    transactions: job.transactions,
    merklePath: job.merklePath,
  });
}

/** The block proposal a node validates for the declared job: zero extranonce and nonce, `time` in the header. */
export function proposalBlock(job: DeclaredJob, time: number): Uint8Array {
  return declaredBlock(job, { extranonce: new Uint8Array(job.extranonceSize), version: job.version, ntime: time, nonce: 0 }).block;
}
