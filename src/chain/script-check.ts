/**
 * Input script verification for the spend types the embedded chain supports: P2WPKH,
 * P2SH-P2WPKH, P2PKH and P2TR key path. Anything else is rejected with a clear reason rather than
 * accepted unchecked. Failures use Bitcoin Core's reason strings.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { Transaction as ScureTransaction } from '@scure/btc-signer';
import { equalBytes } from '../bitcoin/bytes.js';
import { hash160 } from '../bitcoin/hash.js';
import { classifyOutput, decodeScript, legacySigOpCount } from '../bitcoin/script.js';
import { bip143Cache, bip143Sighash, legacySighash, p2pkhScript, type Bip143Cache } from '../bitcoin/sighash.js';
import type { ParsedTransaction } from '../bitcoin/tx.js';
import type { Coin } from './utxo.js';

const EVAL_FALSE = 'Script evaluated without error but finished with a false/empty top stack element';

function fail(message: string): string {
  return `mandatory-script-verify-flag-failed (${message})`;
}

/** Per-transaction state reused across its inputs. */
export class TxScriptContext {
  private b143?: Bip143Cache;
  private scure?: ScureTransaction;

  constructor(
    readonly tx: ParsedTransaction,
    /** The coins the inputs spend, in input order. */
    readonly coins: readonly Coin[],
  ) {}

  bip143(): Bip143Cache {
    return (this.b143 ??= bip143Cache(this.tx));
  }

  taprootSighash(index: number, hashType: number): Uint8Array {
    this.scure ??= ScureTransaction.fromRaw(this.tx.raw, { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true });
    return this.scure.preimageWitnessV1(index, this.coins.map((c) => c.script), hashType, this.coins.map((c) => c.value));
  }
}

function verifyEcdsa(sigWithType: Uint8Array, pubkey: Uint8Array, sighashOf: (hashType: number) => Uint8Array): string | null {
  if (sigWithType.length === 0) return fail(EVAL_FALSE);
  const hashType = sigWithType[sigWithType.length - 1]!;
  const der = sigWithType.subarray(0, -1);
  let ok: boolean;
  try {
    ok = secp256k1.verify(der, sighashOf(hashType), pubkey, { prehash: false, format: 'der', lowS: false });
  } catch {
    return fail('Non-canonical DER signature');
  }
  return ok ? null : fail(EVAL_FALSE);
}

function verifyWitnessV0KeyHash(ctx: TxScriptContext, index: number, program: Uint8Array, witness: Uint8Array[], amount: bigint): string | null {
  if (witness.length !== 2) return fail(witness.length === 0 ? 'Witness program was passed an empty witness' : 'Witness program hash mismatch');
  const [sig, pubkey] = witness as [Uint8Array, Uint8Array];
  if (!equalBytes(hash160(pubkey), program)) return fail('Script failed an OP_EQUALVERIFY operation');
  const code = p2pkhScript(program);
  return verifyEcdsa(sig, pubkey, (t) => bip143Sighash(ctx.tx, index, code, amount, t, ctx.bip143()));
}

/** null when input `index` correctly spends its coin, else Core's reason string. */
export function verifyInput(ctx: TxScriptContext, index: number): string | null {
  const input = ctx.tx.inputs[index]!;
  const coin = ctx.coins[index]!;
  const script = coin.script;
  const type = classifyOutput(script);
  switch (type) {
    case 'p2wpkh': {
      if (input.scriptSig.length !== 0) return fail('Witness requires empty scriptSig');
      return verifyWitnessV0KeyHash(ctx, index, script.subarray(2, 22), input.witness, coin.value);
    }
    case 'p2sh': {
      const ops = decodeScript(input.scriptSig);
      const redeem = ops?.length === 1 ? ops[0]!.data : undefined;
      if (!redeem) return fail(EVAL_FALSE);
      if (!equalBytes(hash160(redeem), script.subarray(2, 22))) return fail(EVAL_FALSE);
      if (classifyOutput(redeem) !== 'p2wpkh') return unsupported('p2sh with a redeem script other than p2wpkh');
      return verifyWitnessV0KeyHash(ctx, index, redeem.subarray(2, 22), input.witness, coin.value);
    }
    case 'p2pkh': {
      if (input.witness.length > 0) return fail('Witness provided for non-witness script');
      const ops = decodeScript(input.scriptSig);
      if (!ops || ops.length !== 2 || !ops[0]!.data || !ops[1]!.data) return fail(EVAL_FALSE);
      const [sig, pubkey] = [ops[0]!.data, ops[1]!.data];
      if (!equalBytes(hash160(pubkey), script.subarray(3, 23))) return fail('Script failed an OP_EQUALVERIFY operation');
      return verifyEcdsa(sig, pubkey, (t) => legacySighash(ctx.tx, index, script, t));
    }
    case 'p2tr': {
      if (input.scriptSig.length !== 0) return fail('Witness requires empty scriptSig');
      const w = input.witness;
      if (w.length === 0) return fail('Witness program was passed an empty witness');
      if (w.length !== 1) return unsupported('p2tr script path or annex');
      const sig = w[0]!;
      if (sig.length !== 64 && sig.length !== 65) return fail('Invalid Schnorr signature size');
      const hashType = sig.length === 65 ? sig[64]! : 0;
      if (sig.length === 65 && hashType === 0) return fail('Invalid Schnorr signature hash type');
      let msg: Uint8Array;
      try {
        msg = ctx.taprootSighash(index, hashType);
      } catch {
        return fail('Invalid Schnorr signature hash type');
      }
      return schnorr.verify(sig.subarray(0, 64), msg, script.subarray(2, 34)) ? null : fail('Invalid Schnorr signature');
    }
    default:
      return unsupported(type);
  }
}

function unsupported(what: string): string {
  return `unsupported-script (the embedded chain verifies p2wpkh, p2sh-p2wpkh, p2pkh and p2tr key-path spends, not ${what})`;
}

/** Sigop cost (BIP141): legacy sigops ×4 plus witness sigops, for the spend types above. */
export function sigopCost(tx: ParsedTransaction, coins: readonly Coin[] | null): number {
  let legacy = 0;
  for (const i of tx.inputs) legacy += legacySigOpCount(i.scriptSig);
  for (const o of tx.outputs) legacy += legacySigOpCount(o.script);
  let cost = legacy * 4;
  if (coins) {
    tx.inputs.forEach((_, k) => {
      const type = classifyOutput(coins[k]!.script);
      if (type === 'p2wpkh' || type === 'p2sh') cost += 1;
    });
  }
  return cost;
}
