/**
 * The coinbase rules of Job Declaration (spec §8.2), as plain functions: reading the coinbase a
 * JD client declares (prefix and suffix around the extranonce, BIP141 fields kept), and checking
 * that the outputs the pool requires are there and that its payout output is funded.
 */
import { BitcoinDecodeError, ByteReader, concatBytes, encodeCompactSize, equalBytes } from '../bitcoin/bytes.js';
import { MAX_EXTRANONCE_SIZE } from '../bitcoin/coinbase.js';
import { decodeScript, scriptNumDecode } from '../bitcoin/script.js';
import type { ParsedTransaction, TxOut } from '../bitcoin/tx.js';
import { parseTransaction, serializeOutputs } from '../bitcoin/tx.js';
import { bytesToHex } from '../codec/hex.js';
import { JobDeclarationErrorCode } from '../messages/job-declaration.js';
import { ChannelError } from './errors.js';

export interface DeclaredCoinbase {
  /** The coinbase with a zero extranonce (what the block would hold but for the extranonce). */
  tx: ParsedTransaction;
  /** Bytes between prefix and suffix: the full extranonce the JD client's channel has. */
  extranonceSize: number;
  /** The BIP34 height pushed first in the scriptSig, or null when there is none. */
  height: number | null;
}

/** The outputs a JDS requires, as AllocateMiningJobToken.Success carries them (CompactSize-prefixed). */
export function encodeOutputVector(outputs: readonly TxOut[]): Uint8Array {
  return concatBytes(encodeCompactSize(outputs.length), serializeOutputs(outputs));
}

/** Reads DeclareMiningJob's coinbase_tx_prefix / _suffix; throws ChannelError with a DeclareMiningJob.Error code. */
export function parseDeclaredCoinbase(prefix: Uint8Array, suffix: Uint8Array): DeclaredCoinbase {
  const bad = (code: string, why: string): ChannelError => new ChannelError(code, `declared coinbase: ${why}`);
  let scriptLen: number;
  let scriptStart: number;
  try {
    const r = new ByteReader(prefix);
    r.u32('coinbase version');
    if (prefix[4] === 0x00 && prefix[5] !== 0x00) r.bytes(2, 'segwit marker');
    if (r.compactSize('input count') !== 1) throw bad(JobDeclarationErrorCode.InvalidCoinbaseTxInput, 'a coinbase has exactly one input');
    const prevout = r.bytes(36, 'prevout');
    if (!prevout.subarray(0, 32).every((b) => b === 0) || new DataView(prevout.buffer, prevout.byteOffset + 32, 4).getUint32(0, true) !== 0xffffffff) {
      throw bad(JobDeclarationErrorCode.InvalidCoinbaseTxInput, 'the input is not the null prevout');
    }
    scriptLen = r.compactSize('scriptSig length', 100);
    scriptStart = r.pos;
  } catch (e) {
    if (e instanceof BitcoinDecodeError) throw bad(JobDeclarationErrorCode.InvalidCoinbaseTx, `prefix: ${e.message}`);
    throw e;
  }
  const extranonceSize = scriptLen - (prefix.length - scriptStart);
  if (extranonceSize < 0 || extranonceSize > MAX_EXTRANONCE_SIZE) {
    throw bad(JobDeclarationErrorCode.InvalidCoinbaseTx, `the scriptSig leaves ${extranonceSize} bytes for the extranonce (0..${MAX_EXTRANONCE_SIZE})`);
  }
  let tx: ParsedTransaction;
  try {
    tx = parseTransaction(concatBytes(prefix, new Uint8Array(extranonceSize), suffix));
  } catch (e) {
    if (e instanceof BitcoinDecodeError) throw bad(JobDeclarationErrorCode.InvalidCoinbaseTx, e.message);
    throw e;
  }
  return { tx, extranonceSize, height: bip34Height(tx.inputs[0]!.scriptSig) };
}

function bip34Height(scriptSig: Uint8Array): number | null {
  const ops = decodeScript(scriptSig);
  const first = ops?.[0];
  if (first === undefined) return null;
  if (first.opcode === 0x00) return 0;
  if (first.opcode >= 0x51 && first.opcode <= 0x60) return first.opcode - 0x50;
  if (first.data === undefined || first.data.length > 5) return null;
  return Number(scriptNumDecode(first.data, 5));
}

/**
 * The §8.2 check: every output the pool requires is there (by script; the JD client may reorder
 * them and add its own), and the first, the pool's payout, carries sats. null when the outputs
 * qualify, else why not.
 */
export function checkPoolOutputs(required: readonly TxOut[], outputs: readonly TxOut[]): string | null {
  const taken = new Set<number>();
  for (let k = 0; k < required.length; k++) {
    const want = required[k]!;
    const i = outputs.findIndex((o, j) => !taken.has(j) && equalBytes(o.script, want.script));
    if (i < 0) return `${k === 0 ? 'the pool payout output' : `required output ${k}`} (script ${bytesToHex(want.script)}) is missing`;
    taken.add(i);
    if (k === 0 && outputs[i]!.value <= 0n) return 'the pool payout output carries no sats';
  }
  return null;
}
