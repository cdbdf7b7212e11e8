/** Signature hashes: legacy (pre-segwit) and BIP143 (segwit v0). BIP341 comes from @scure/btc-signer. */
import { ByteWriter, concatBytes } from './bytes.js';
import { sha256d } from './hash.js';
import { OP_CHECKSIG, OP_DUP, OP_EQUALVERIFY, OP_HASH160 } from './script.js';
import type { Transaction, TxOut } from './tx.js';

export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

/** The P2PKH script for a 20-byte key hash: also the BIP143 scriptCode of a P2WPKH input. */
export function p2pkhScript(keyHash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_DUP, OP_HASH160, 20), keyHash, Uint8Array.of(OP_EQUALVERIFY, OP_CHECKSIG));
}

/** The per-transaction hashes BIP143 reuses across inputs (computed once per transaction). */
export interface Bip143Cache {
  hashPrevouts: Uint8Array;
  hashSequence: Uint8Array;
  hashOutputs: Uint8Array;
}

export function bip143Cache(tx: Transaction): Bip143Cache {
  const prev = new ByteWriter(36 * tx.inputs.length);
  const seq = new ByteWriter(4 * tx.inputs.length);
  for (const i of tx.inputs) {
    prev.bytes(i.prevTxid).u32(i.prevVout);
    seq.u32(i.sequence);
  }
  const outs = new ByteWriter(40 * tx.outputs.length);
  for (const o of tx.outputs) outs.u64(o.value).varBytes(o.script);
  return { hashPrevouts: sha256d(prev.finish()), hashSequence: sha256d(seq.finish()), hashOutputs: sha256d(outs.finish()) };
}

/** BIP143 signature hash of input `index` spending `amount` with `scriptCode`. */
export function bip143Sighash(tx: Transaction, index: number, scriptCode: Uint8Array, amount: bigint, hashType: number, cache: Bip143Cache = bip143Cache(tx)): Uint8Array {
  const input = tx.inputs[index];
  if (!input) throw new RangeError(`no input ${index}`);
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const zero: Uint8Array = new Uint8Array(32);
  const hashPrevouts = anyoneCanPay ? zero : cache.hashPrevouts;
  const hashSequence = anyoneCanPay || base === SIGHASH_SINGLE || base === SIGHASH_NONE ? zero : cache.hashSequence;
  let hashOutputs: Uint8Array = zero;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) hashOutputs = cache.hashOutputs;
  else if (base === SIGHASH_SINGLE && index < tx.outputs.length) {
    const o = tx.outputs[index]!;
    hashOutputs = sha256d(new ByteWriter(40).u64(o.value).varBytes(o.script).finish());
  }
  const w = new ByteWriter(160 + scriptCode.length);
  w.u32(tx.version).bytes(hashPrevouts).bytes(hashSequence);
  w.bytes(input.prevTxid).u32(input.prevVout).varBytes(scriptCode).u64(amount).u32(input.sequence);
  w.bytes(hashOutputs).u32(tx.locktime).u32(hashType >>> 0);
  return sha256d(w.finish());
}

/** Legacy signature hash (Bitcoin Core's SignatureHash for SigVersion::BASE), for a scriptCode without OP_CODESEPARATOR. */
export function legacySighash(tx: Transaction, index: number, scriptCode: Uint8Array, hashType: number): Uint8Array {
  const base = hashType & 0x1f;
  const one = new Uint8Array(32);
  one[0] = 1;
  if (index >= tx.inputs.length) return one;
  // The historical SIGHASH_SINGLE bug: signing "1" when there is no matching output.
  if (base === SIGHASH_SINGLE && index >= tx.outputs.length) return one;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const inputs = (anyoneCanPay ? [tx.inputs[index]!] : tx.inputs).map((inp) => {
    const self = inp === tx.inputs[index];
    return {
      ...inp,
      scriptSig: self ? scriptCode : new Uint8Array(0),
      sequence: !self && (base === SIGHASH_NONE || base === SIGHASH_SINGLE) ? 0 : inp.sequence,
      witness: [],
    };
  });
  let outputs: TxOut[] = tx.outputs;
  if (base === SIGHASH_NONE) outputs = [];
  else if (base === SIGHASH_SINGLE) {
    outputs = tx.outputs.slice(0, index + 1).map((o, k) => (k === index ? o : { value: 0xffffffffffffffffn, script: new Uint8Array(0) }));
  }
  const w = new ByteWriter(256);
  w.u32(tx.version).compactSize(inputs.length);
  for (const i of inputs) w.bytes(i.prevTxid).u32(i.prevVout).varBytes(i.scriptSig).u32(i.sequence);
  w.compactSize(outputs.length);
  for (const o of outputs) w.u64(o.value).varBytes(o.script);
  w.u32(tx.locktime).u32(hashType >>> 0);
  return sha256d(w.finish());
}
