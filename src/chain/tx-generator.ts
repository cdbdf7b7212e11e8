/**
 * A wallet that fills the embedded chain's mempool with real transactions: it spends its matured
 * coinbase outputs and its confirmed change with segwit v0 (P2WPKH) signatures, at random fee
 * rates, splitting coins until it holds enough of them. Deterministic for a given seed and RNG.
 * It has no timer: the runner decides the pace by calling generate().
 */
import { hexToBytes } from '../codec/hex.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concatBytes, equalBytes } from '../bitcoin/bytes.js';
import { hash160, sha256 } from '../bitcoin/hash.js';
import { bip143Cache, bip143Sighash, p2pkhScript, SIGHASH_ALL } from '../bitcoin/sighash.js';
import { finalizeTransaction, type Transaction } from '../bitcoin/tx.js';
import type { EmbeddedChain } from './chain.js';
import { randInt, seededRng, type Rng } from './random.js';
import { outpointKey } from './utxo.js';

export interface TxGeneratorOptions {
  /** Seeds the wallet key and the default RNG. */
  seed?: string;
  rng?: Rng;
  /** Fee rate range in sat/vB (default 1..50). */
  minFeeRate?: number;
  maxFeeRate?: number;
  /** Keep splitting coins until the wallet holds this many (default 500). */
  targetCoins?: number;
  /** Most outputs per split transaction (default 25). */
  maxOutputs?: number;
}

interface WalletCoin {
  txid: Uint8Array;
  vout: number;
  value: bigint;
  height: number;
  coinbase: boolean;
}

const DUST = 1_000n;

export class TxGenerator {
  readonly script: Uint8Array;
  private readonly priv: Uint8Array;
  private readonly pub: Uint8Array;
  private readonly keyHash: Uint8Array;
  private readonly rng: Rng;
  private readonly coins = new Map<string, WalletCoin>();
  private readonly unsubscribe: () => void;
  private readonly minFeeRate: number;
  private readonly maxFeeRate: number;
  private readonly targetCoins: number;
  private readonly maxOutputs: number;

  constructor(
    private readonly chain: EmbeddedChain,
    opts: TxGeneratorOptions = {},
  ) {
    const seed = opts.seed ?? 'stratum-v2 embedded chain wallet';
    this.priv = sha256(new TextEncoder().encode(seed));
    this.pub = secp256k1.getPublicKey(this.priv, true);
    this.keyHash = hash160(this.pub);
    this.script = concatBytes(Uint8Array.of(0x00, 0x14), this.keyHash);
    this.rng = opts.rng ?? seededRng(this.priv[0]! | (this.priv[1]! << 8));
    this.minFeeRate = opts.minFeeRate ?? 1;
    this.maxFeeRate = opts.maxFeeRate ?? 50;
    this.targetCoins = opts.targetCoins ?? 500;
    this.maxOutputs = opts.maxOutputs ?? 25;
    for (const [key, coin] of chain.utxo.entries()) {
      if (equalBytes(coin.script, this.script)) {
        const [txid, vout] = key.split(':') as [string, string];
        this.coins.set(key, { txid: hexToBytes(txid), vout: Number(vout), value: coin.value, height: coin.height, coinbase: coin.coinbase });
      }
    }
    this.unsubscribe = chain.onTip(({ entry, block }) => {
      for (const tx of block.transactions) {
        for (const i of tx.inputs) this.coins.delete(outpointKey(i.prevTxid, i.prevVout));
        tx.outputs.forEach((o, vout) => {
          if (equalBytes(o.script, this.script)) {
            this.coins.set(outpointKey(tx.txid, vout), { txid: tx.txid, vout, value: o.value, height: entry.height, coinbase: tx === block.transactions[0] });
          }
        });
      }
    });
  }

  /** Confirmed coins that are mature and not already spent by a mempool transaction. */
  spendable(): WalletCoin[] {
    const next = this.chain.height + 1;
    const out: WalletCoin[] = [];
    for (const [key, c] of this.coins) {
      if (c.coinbase && next - c.height < this.chain.params.coinbaseMaturity) continue;
      if (this.chain.mempool.spenderOf(key)) continue;
      out.push(c);
    }
    // Largest first: splitting big coins grows the wallet fastest.
    return out.sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1));
  }

  get balance(): bigint {
    let s = 0n;
    for (const c of this.coins.values()) s += c.value;
    return s;
  }

  /** Creates and submits up to `count` transactions; returns how many the chain accepted. */
  generate(count: number): number {
    const coins = this.spendable();
    let accepted = 0;
    let held = this.coins.size;
    for (const coin of coins.slice(0, count)) {
      const feeRate = randInt(this.rng, this.minFeeRate, this.maxFeeRate);
      let outputs = held < this.targetCoins ? Math.min(this.maxOutputs, this.targetCoins - held + 1) : randInt(this.rng, 1, 2);
      // P2WPKH sizes: ~11 vB overhead, 68 vB per input, 31 vB per output.
      const fee = (vsize: number) => BigInt(Math.ceil(feeRate * vsize));
      while (outputs > 1 && coin.value - fee(11 + 68 + 31 * outputs) < DUST * BigInt(outputs)) outputs--;
      const available = coin.value - fee(11 + 68 + 31 * outputs);
      if (available < DUST) continue;
      const each = available / BigInt(outputs);
      const tx = this.sign({
        version: 2,
        inputs: [{ prevTxid: coin.txid, prevVout: coin.vout, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
        outputs: Array.from({ length: outputs }, (_, k) => ({ value: k === 0 ? available - each * BigInt(outputs - 1) : each, script: this.script })),
        locktime: 0,
      }, [coin.value]);
      const r = this.chain.acceptTransaction(tx);
      if (r.accepted) {
        accepted++;
        held += outputs - 1;
      }
    }
    return accepted;
  }

  /** Signs every input (all spend this wallet's P2WPKH coins) and returns the serialized transaction. */
  sign(tx: Transaction, amounts: readonly bigint[]): Uint8Array {
    const cache = bip143Cache(tx);
    const code = p2pkhScript(this.keyHash);
    tx.inputs.forEach((input, i) => {
      const h = bip143Sighash(tx, i, code, amounts[i]!, SIGHASH_ALL, cache);
      const sig = secp256k1.sign(h, this.priv, { prehash: false, format: 'der', lowS: true });
      input.witness = [concatBytes(sig, Uint8Array.of(SIGHASH_ALL)), this.pub];
    });
    return finalizeTransaction(tx).raw;
  }

  close(): void {
    this.unsubscribe();
  }
}
