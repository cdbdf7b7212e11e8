/**
 * The coinbase rules of Job Declaration (spec §8.2), as plain functions: reading the coinbase a
 * JD client declares (prefix and suffix around the extranonce, BIP141 fields kept), and checking
 * that the outputs the pool requires (its payout, and the payees of payouts in the coinbase) are
 * there, its payout funded and each payee paid its due.
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
 * What a JDS requires of a miner-built coinbase: told in AllocateMiningJobToken.Success and kept
 * with the token, so the declaration and the custom job that name it are judged by it.
 */
export interface RequiredOutputs {
  /** The pool's payout output first (value 0: the JD client funds it), then the payees' outputs with their values. */
  readonly outputs: readonly TxOut[];
  /** The coinbase value the payees' values were computed on (the pool's template then). */
  readonly reward: bigint;
}

/** Only the pool's payout output (no payouts in the coinbase). */
export const poolOutputOnly = (poolScript: Uint8Array): RequiredOutputs => ({ outputs: [{ value: 0n, script: poolScript }], reward: 0n });

/**
 * The required outputs for a coinbase worth `reward`, from the pool's own coinbase outputs for it
 * (`payout`, payees first and the pool's remainder last, as its jobs carry them): the pool's
 * payout output moved first at value zero (§8.2), the payees after it in the pool's order.
 */
export function jdRequiredOutputs(poolScript: Uint8Array, reward: bigint, payout: readonly TxOut[]): RequiredOutputs {
  const payees = payout.filter((o) => o.value > 0n && !equalBytes(o.script, poolScript));
  return { outputs: [{ value: 0n, script: poolScript }, ...payees], reward };
}

/**
 * The §8.2 check, with payouts in the coinbase: the pool's payout output is there and carries
 * sats, and every payee output is there (by script; the JD client may reorder them and add its
 * own) with at least its due. The due of a payee is its required value, scaled down in proportion
 * when this coinbase pays less in all than the reward it was computed on (a template with fewer
 * fees): a JD client that pays the values it was told always qualifies, one whose template is
 * worth less may let the payees share the shortfall with the pool instead of leaving it all to
 * the pool output, and no template makes payees due more than they were told. null when the
 * outputs qualify, else why not.
 */
export function checkPoolOutputs(required: RequiredOutputs, outputs: readonly TxOut[]): string | null {
  const have = new Map<string, bigint>();
  let total = 0n;
  for (const o of outputs) {
    const k = bytesToHex(o.script);
    have.set(k, (have.get(k) ?? 0n) + o.value);
    total += o.value;
  }
  const [pool, ...payees] = required.outputs;
  if (pool === undefined) return null;
  const poolKey = bytesToHex(pool.script);
  const toPool = have.get(poolKey);
  if (toPool === undefined) return `the pool payout output (script ${poolKey}) is missing`;
  if (toPool <= 0n) return 'the pool payout output carries no sats';
  const reward = required.reward;
  const scale = total < reward ? total : reward;
  // Dues by script (two payees of one script add up).
  const due = new Map<string, { k: number; value: bigint }>();
  payees.forEach((o, i) => {
    const k = bytesToHex(o.script);
    const value = reward > 0n ? (o.value * scale) / reward : o.value;
    const d = due.get(k);
    if (d === undefined) due.set(k, { k: i + 1, value });
    else d.value += value;
  });
  for (const [script, d] of due) {
    const got = have.get(script);
    if (got === undefined) return `required output ${d.k} (script ${script}) is missing`;
    if (got < d.value) return `required output ${d.k} (script ${script}) pays ${got} sat, ${d.value} is due (${required.outputs[d.k]!.value} sat of a ${reward} sat reward, for this coinbase's ${total} sat)`;
  }
  return null;
}
