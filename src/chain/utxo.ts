/** The unspent transaction output set, keyed by outpoint. */
import { bytesToHex } from '../codec/hex.js';
import type { TxOut } from '../bitcoin/tx.js';

export interface Coin extends TxOut {
  /** Height of the block that created it. */
  height: number;
  coinbase: boolean;
}

/** A compact string key for an outpoint: txid (internal order, hex) ':' vout. */
export function outpointKey(txid: Uint8Array, vout: number): string {
  return `${bytesToHex(txid.length === 32 ? txid : txid.subarray(0, 32))}:${vout}`;
}

/** A read view of coins: the confirmed set, or the set plus a block's own outputs during validation. */
export interface CoinView {
  get(key: string): Coin | undefined;
}

export class UtxoSet implements CoinView {
  private readonly coins = new Map<string, Coin>();
  /** Sum of all unspent values, for gettxoutsetinfo-like reporting. */
  private total = 0n;

  get size(): number {
    return this.coins.size;
  }

  get totalValue(): bigint {
    return this.total;
  }

  get(key: string): Coin | undefined {
    return this.coins.get(key);
  }

  add(key: string, coin: Coin): void {
    const prev = this.coins.get(key);
    if (prev) this.total -= prev.value;
    this.coins.set(key, coin);
    this.total += coin.value;
  }

  /** Removes and returns the coin (undefined if it was not there). */
  spend(key: string): Coin | undefined {
    const coin = this.coins.get(key);
    if (coin) {
      this.coins.delete(key);
      this.total -= coin.value;
    }
    return coin;
  }

  entries(): IterableIterator<[string, Coin]> {
    return this.coins.entries();
  }
}

/** Coins of the base set overlaid with additions and spends not yet committed (a block being connected). */
export class CoinOverlay implements CoinView {
  readonly added = new Map<string, Coin>();
  readonly spent = new Set<string>();

  constructor(private readonly base: CoinView) {}

  get(key: string): Coin | undefined {
    if (this.spent.has(key)) return undefined;
    return this.added.get(key) ?? this.base.get(key);
  }
}
