/** Test helpers: build and mine blocks by hand from the primitives, so tests can also build invalid ones. */
import {
  bip34HeightPrefix,
  bitsToTarget,
  buildCoinbase,
  hashHeaderFields,
  hashMeetsTarget,
  joinCoinbase,
  merkleRoot,
  parseTransaction,
  serializeBlock,
  serializeHeader,
  witnessCommitmentOutput,
  type BlockHeader,
  type ParsedTransaction,
  type TxOut,
} from '../../src/bitcoin/index.js';
import type { BlockTemplate } from '../../src/chain/template.js';

export const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]);

export interface BlockRecipe {
  template: BlockTemplate;
  /** Replaces the template's transactions. */
  transactions?: ParsedTransaction[];
  /** Coinbase outputs before the commitment (default: the whole value to PAYOUT). */
  outputs?: TxOut[];
  scriptSigPrefix?: Uint8Array;
  /** Replaces the witness commitment output; null drops it. */
  commitment?: TxOut | null;
  time?: number;
  bits?: number;
  version?: number;
  prevHash?: Uint8Array;
  /** Applied to the header before mining (e.g. a wrong merkle root). */
  tweakHeader?: (h: BlockHeader) => void;
  /** Find a nonce whose hash does NOT meet the target. */
  wantHighHash?: boolean;
}

/** Builds a block from a template and mines it (regtest targets: a couple of hashes). */
export function buildBlock(r: BlockRecipe): Uint8Array {
  const t = r.template;
  const txs = r.transactions ?? t.transactions.map((x) => parseTransaction(x.data));
  const commitment = r.commitment === undefined ? witnessCommitmentOutput(txs.map((x) => x.wtxid)) : r.commitment;
  const parts = buildCoinbase({
    txVersion: 2,
    scriptSigPrefix: r.scriptSigPrefix ?? bip34HeightPrefix(t.height),
    tag: new TextEncoder().encode('/test/'),
    extranonceSize: 4,
    sequence: 0xffffffff,
    outputs: [...(r.outputs ?? [{ value: t.coinbaseValue, script: PAYOUT }]), ...(commitment ? [commitment] : [])],
    locktime: 0,
    witnessReservedValue: commitment ? new Uint8Array(32) : null,
  });
  const coinbase = parseTransaction(joinCoinbase(parts.prefix, Uint8Array.of(1, 2, 3, 4), parts.suffix));
  const header: BlockHeader = {
    version: r.version ?? t.version,
    prevHash: r.prevHash ?? t.prevHash,
    merkleRoot: merkleRoot([coinbase.txid, ...txs.map((x) => x.txid)]),
    time: r.time ?? t.time,
    bits: r.bits ?? t.bits,
    nonce: 0,
  };
  r.tweakHeader?.(header);
  const target = r.bits !== undefined ? bitsToTarget(r.bits) : t.target;
  const scratch = new Uint8Array(80);
  for (;;) {
    const hash = hashHeaderFields(header.version, header.prevHash, header.merkleRoot, header.time, header.bits, header.nonce, scratch);
    const meets = hashMeetsTarget(hash, target);
    if (meets !== (r.wantHighHash ?? false)) break;
    header.nonce++;
  }
  return serializeBlock(serializeHeader(header), [coinbase.raw, ...txs.map((x) => x.raw)]);
}

/** A settable clock for deterministic chains. */
export function fakeClock(start = 1_700_000_000): { now: () => number; advance: (s: number) => void; set: (t: number) => void } {
  let t = start;
  return { now: () => t, advance: (s) => (t += s), set: (v) => (t = v) };
}
