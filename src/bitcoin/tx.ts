/** Transactions: consensus (de)serialization with and without witness, txid, wtxid, weight. */
import { BitcoinDecodeError, ByteReader, ByteWriter } from './bytes.js';
import { sha256d } from './hash.js';

export interface TxIn {
  /** Previous output's txid, internal byte order. */
  prevTxid: Uint8Array;
  prevVout: number;
  scriptSig: Uint8Array;
  sequence: number;
  /** Witness stack items; empty when the input has no witness. */
  witness: Uint8Array[];
}

export interface TxOut {
  /** Satoshis. */
  value: bigint;
  script: Uint8Array;
}

export interface Transaction {
  version: number;
  inputs: TxIn[];
  outputs: TxOut[];
  locktime: number;
}

/** A parsed transaction with the identifiers and sizes the chain and the template code need. */
export interface ParsedTransaction extends Transaction {
  /** The bytes as parsed (witness serialization when the tx has witnesses). */
  raw: Uint8Array;
  txid: Uint8Array;
  wtxid: Uint8Array;
  /** Size without witness data. */
  baseSize: number;
  /** Size with witness data (= raw.length). */
  totalSize: number;
  /** BIP141 weight: baseSize * 3 + totalSize. */
  weight: number;
}

export const MAX_TX_INPUTS_OUTPUTS = 100_000;

export function hasWitness(tx: Transaction): boolean {
  return tx.inputs.some((i) => i.witness.length > 0);
}

export function isCoinbase(tx: Transaction): boolean {
  const inp = tx.inputs[0];
  return tx.inputs.length === 1 && inp!.prevVout === 0xffffffff && inp!.prevTxid.every((b) => b === 0);
}

export function writeTransaction(w: ByteWriter, tx: Transaction, withWitness: boolean): void {
  const segwit = withWitness && hasWitness(tx);
  w.u32(tx.version);
  if (segwit) w.u8(0).u8(1);
  w.compactSize(tx.inputs.length);
  for (const i of tx.inputs) w.bytes(i.prevTxid).u32(i.prevVout).varBytes(i.scriptSig).u32(i.sequence);
  w.compactSize(tx.outputs.length);
  for (const o of tx.outputs) w.u64(o.value).varBytes(o.script);
  if (segwit) {
    for (const i of tx.inputs) {
      w.compactSize(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32(tx.locktime);
}

export function serializeTransaction(tx: Transaction, withWitness = true): Uint8Array {
  const w = new ByteWriter(256);
  writeTransaction(w, tx, withWitness);
  return w.finish();
}

export function serializeOutputs(outputs: readonly TxOut[]): Uint8Array {
  const w = new ByteWriter(64 * outputs.length + 8);
  for (const o of outputs) w.u64(o.value).varBytes(o.script);
  return w.finish();
}

/** Parses concatenated TxOuts without a count prefix (the form of NewTemplate.coinbase_tx_outputs). */
export function parseOutputs(bytes: Uint8Array, count?: number): TxOut[] {
  const r = new ByteReader(bytes);
  const outs: TxOut[] = [];
  while (count === undefined ? r.remaining > 0 : outs.length < count) {
    const value = r.u64('output value');
    outs.push({ value, script: r.varBytes('output script').slice() });
  }
  if (r.remaining !== 0) throw new BitcoinDecodeError(`${r.remaining} trailing bytes after ${outs.length} outputs`);
  return outs;
}

/** Reads one transaction at the reader's position (as inside a block). Script/witness bytes are copies. */
export function readTransaction(r: ByteReader): ParsedTransaction {
  const start = r.pos;
  const version = r.u32('tx version');
  let segwit = false;
  // A zero input count followed by flag 0x01 is the BIP144 marker; a real tx never has zero inputs.
  if (r.remaining >= 2 && r.buf[r.pos] === 0 && r.buf[r.pos + 1] !== 0) {
    if (r.buf[r.pos + 1] !== 1) throw new BitcoinDecodeError(`unknown segwit flag ${r.buf[r.pos + 1]}`);
    segwit = true;
    r.pos += 2;
  }
  const bodyStart = r.pos;
  const nIn = r.compactSize('input count', MAX_TX_INPUTS_OUTPUTS);
  const inputs: TxIn[] = [];
  for (let k = 0; k < nIn; k++) {
    const prevTxid = r.bytes(32, 'prevout txid').slice();
    const prevVout = r.u32('prevout index');
    const scriptSig = r.varBytes('scriptSig').slice();
    const sequence = r.u32('sequence');
    inputs.push({ prevTxid, prevVout, scriptSig, sequence, witness: [] });
  }
  const nOut = r.compactSize('output count', MAX_TX_INPUTS_OUTPUTS);
  const outputs: TxOut[] = [];
  for (let k = 0; k < nOut; k++) {
    const value = r.u64('output value');
    outputs.push({ value, script: r.varBytes('output script').slice() });
  }
  const bodyEnd = r.pos;
  if (segwit) {
    let any = false;
    for (const inp of inputs) {
      const n = r.compactSize('witness item count', MAX_TX_INPUTS_OUTPUTS);
      for (let k = 0; k < n; k++) inp.witness.push(r.varBytes('witness item').slice());
      if (n > 0) any = true;
    }
    // BIP144: a witness serialization whose witnesses are all empty is invalid.
    if (!any) throw new BitcoinDecodeError('superfluous witness record');
  }
  const locktime = r.u32('locktime');
  const end = r.pos;
  const raw = r.buf.slice(start, end);
  let txid: Uint8Array;
  let baseSize: number;
  if (segwit) {
    // txid covers version ‖ inputs ‖ outputs ‖ locktime, i.e. the raw bytes minus marker, flag and witnesses.
    const body = r.buf.subarray(bodyStart, bodyEnd);
    baseSize = 4 + body.length + 4;
    const stripped = new Uint8Array(baseSize);
    stripped.set(raw.subarray(0, 4), 0);
    stripped.set(body, 4);
    stripped.set(raw.subarray(raw.length - 4), 4 + body.length);
    txid = sha256d(stripped);
  } else {
    baseSize = raw.length;
    txid = sha256d(raw);
  }
  const wtxid = segwit ? sha256d(raw) : txid;
  return { version, inputs, outputs, locktime, raw, txid, wtxid, baseSize, totalSize: raw.length, weight: baseSize * 3 + raw.length };
}

/** Parses exactly one transaction; trailing bytes are an error. */
export function parseTransaction(bytes: Uint8Array): ParsedTransaction {
  const r = new ByteReader(bytes);
  const tx = readTransaction(r);
  if (r.remaining !== 0) throw new BitcoinDecodeError(`${r.remaining} trailing bytes after the transaction`);
  return tx;
}

/** Serializes and parses a transaction built in memory, to get its ids and sizes. */
export function finalizeTransaction(tx: Transaction): ParsedTransaction {
  return parseTransaction(serializeTransaction(tx, true));
}

export function txid(tx: Transaction): Uint8Array {
  return sha256d(serializeTransaction(tx, false));
}
