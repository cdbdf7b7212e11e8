/**
 * Coinbase construction for Stratum: the coinbase is built as prefix ‖ extranonce ‖ suffix, with the
 * extranonce at a fixed spot at the end of the scriptSig (SRI's layout):
 *
 *   prefix = version ‖ [00 01] ‖ 01 ‖ 32×00 ‖ ffffffff ‖ scriptSig length
 *            ‖ scriptSigPrefix (BIP34 height) ‖ PUSH(tag) ‖ OP_PUSHBYTES_N
 *   suffix = sequence ‖ output count ‖ outputs ‖ [01 20 reserved value] ‖ locktime
 *
 * The bracketed BIP141 fields appear only in a segwit coinbase; `strippedPrefix`/`strippedSuffix`
 * leave them out (the form miners hash, NewExtendedMiningJob).
 */
import { ByteWriter, concatBytes } from './bytes.js';
import { sha256d } from './hash.js';
import { merkleRootFromPath } from './merkle.js';
import { shortSha256d } from './short-sha256d.js';
import { pushData } from './script.js';
import type { TxOut } from './tx.js';

export const MAX_EXTRANONCE_SIZE = 32;
export const MIN_COINBASE_SCRIPTSIG = 2;
export const MAX_COINBASE_SCRIPTSIG = 100;

export interface CoinbaseSpec {
  /** Coinbase transaction version (NewTemplate.coinbase_tx_version). */
  txVersion: number;
  /** Start of the scriptSig: NewTemplate.coinbase_prefix (the BIP34 height push). */
  scriptSigPrefix: Uint8Array;
  /** Bytes pushed after the prefix, e.g. the pool tag "/sv2/pool/"; omitted when empty. */
  tag?: Uint8Array;
  /** Full extranonce length N (0..32), pushed with OP_PUSHBYTES_N as the scriptSig's last item. */
  extranonceSize: number;
  /** NewTemplate.coinbase_tx_input_sequence. */
  sequence: number;
  /** All outputs in order: the pool's (or JD client's) first, the template's last. */
  outputs: readonly TxOut[];
  locktime: number;
  /**
   * The 32-byte witness reserved value. Given: a segwit coinbase (BIP141 fields present), needed
   * whenever the outputs carry a witness commitment. Omitted or null: a legacy coinbase.
   */
  witnessReservedValue?: Uint8Array | null;
}

export interface CoinbaseParts {
  /** With the BIP141 marker+flag when segwit (DeclareMiningJob form). */
  prefix: Uint8Array;
  /** With the coinbase witness when segwit (DeclareMiningJob form). */
  suffix: Uint8Array;
  /** Without BIP141 fields (NewExtendedMiningJob form; the txid preimage around the extranonce). */
  strippedPrefix: Uint8Array;
  strippedSuffix: Uint8Array;
  extranonceSize: number;
  segwit: boolean;
}

export function buildCoinbase(spec: CoinbaseSpec): CoinbaseParts {
  const n = spec.extranonceSize;
  if (!Number.isInteger(n) || n < 0 || n > MAX_EXTRANONCE_SIZE) throw new RangeError(`extranonce size must be 0..${MAX_EXTRANONCE_SIZE}, got ${n}`);
  const tagPush = spec.tag && spec.tag.length > 0 ? pushData(spec.tag) : new Uint8Array(0);
  const scriptHead = concatBytes(spec.scriptSigPrefix, tagPush, n > 0 ? Uint8Array.of(n) : new Uint8Array(0));
  const scriptLen = scriptHead.length + n;
  if (scriptLen < MIN_COINBASE_SCRIPTSIG || scriptLen > MAX_COINBASE_SCRIPTSIG) {
    throw new RangeError(`coinbase scriptSig must be ${MIN_COINBASE_SCRIPTSIG}..${MAX_COINBASE_SCRIPTSIG} bytes, got ${scriptLen}`);
  }
  const segwit = spec.witnessReservedValue != null;
  if (segwit && spec.witnessReservedValue!.length !== 32) throw new RangeError('the witness reserved value is 32 bytes');

  const head = new ByteWriter(64 + scriptHead.length);
  head.u32(spec.txVersion).u8(1).bytes(new Uint8Array(32)).u32(0xffffffff).u8(scriptLen).bytes(scriptHead);
  const strippedPrefix = head.finish();

  const outs = new ByteWriter(16 + 40 * spec.outputs.length);
  outs.u32(spec.sequence).compactSize(spec.outputs.length);
  for (const o of spec.outputs) outs.u64(o.value).varBytes(o.script);
  const body = outs.finish();
  const lock = new ByteWriter(4).u32(spec.locktime).finish();
  const strippedSuffix = concatBytes(body, lock);

  if (!segwit) return { prefix: strippedPrefix, suffix: strippedSuffix, strippedPrefix, strippedSuffix, extranonceSize: n, segwit };
  return {
    prefix: concatBytes(strippedPrefix.subarray(0, 4), Uint8Array.of(0x00, 0x01), strippedPrefix.subarray(4)),
    suffix: concatBytes(body, Uint8Array.of(0x01, 0x20), spec.witnessReservedValue!, lock),
    strippedPrefix,
    strippedSuffix,
    extranonceSize: n,
    segwit,
  };
}

/** prefix ‖ extranonce parts ‖ suffix as one buffer (the coinbase transaction). */
export function joinCoinbase(prefix: Uint8Array, extranonce: Uint8Array | readonly Uint8Array[], suffix: Uint8Array): Uint8Array {
  const parts = extranonce instanceof Uint8Array ? [extranonce] : extranonce;
  let len = prefix.length + suffix.length;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  out.set(prefix, 0);
  let off = prefix.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  out.set(suffix, off);
  return out;
}

/**
 * The coinbase txid from the stripped prefix/suffix and the extranonce (e.g. [channel
 * extranonce_prefix, submitted extranonce]): the share-validation hot path, one allocation.
 */
export function coinbaseTxid(strippedPrefix: Uint8Array, extranonce: Uint8Array | readonly Uint8Array[], strippedSuffix: Uint8Array): Uint8Array {
  return shortSha256d(strippedPrefix, extranonce, strippedSuffix) ?? sha256d(joinCoinbase(strippedPrefix, extranonce, strippedSuffix));
}

/**
 * The merkle root a job yields for an extranonce: coinbase txid (stripped prefix ‖ extranonce ‖
 * stripped suffix) folded with the merkle path. Standard jobs pass the channel's extranonce_prefix.
 */
export function jobMerkleRoot(
  strippedPrefix: Uint8Array,
  extranonce: Uint8Array | readonly Uint8Array[],
  strippedSuffix: Uint8Array,
  merklePath: readonly Uint8Array[],
): Uint8Array {
  const txid = coinbaseTxid(strippedPrefix, extranonce, strippedSuffix);
  // The txid is a fresh array: with no path it is the root itself.
  return merklePath.length === 0 ? txid : merkleRootFromPath(txid, merklePath);
}
