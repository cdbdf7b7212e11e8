/**
 * The mempool: accepted transactions with their fees, parent/child links (a transaction may spend
 * another mempool transaction's outputs) and a bound on its total weight, evicting the lowest
 * fee rate first.
 */
import { bytesToHex } from '../codec/hex.js';
import type { ParsedTransaction } from '../bitcoin/tx.js';
import { outpointKey, type Coin, type CoinView } from './utxo.js';

/** Height recorded for coins created by mempool transactions (Core's MEMPOOL_HEIGHT). */
export const MEMPOOL_HEIGHT = 0x7fffffff;

export interface MempoolEntry {
  tx: ParsedTransaction;
  /** Internal-order txid as hex: the entry's key. */
  key: string;
  fee: bigint;
  weight: number;
  vsize: number;
  sigops: number;
  /** Clock time of acceptance. */
  time: number;
  /** Chain height when accepted. */
  height: number;
  parents: Set<string>;
  children: Set<string>;
}

export function feeRate(e: Pick<MempoolEntry, 'fee' | 'vsize'>): number {
  return Number(e.fee) / e.vsize;
}

export class Mempool {
  private readonly entries = new Map<string, MempoolEntry>();
  /** outpoint → key of the mempool transaction spending it */
  private readonly spenders = new Map<string, string>();
  /** wtxid (hex, internal order) → key: what a Job Declarator looks declared transactions up by. */
  private readonly byWtxid = new Map<string, string>();
  private weight = 0;

  constructor(readonly maxWeight: number) {}

  get size(): number {
    return this.entries.size;
  }

  get totalWeight(): number {
    return this.weight;
  }

  get(key: string): MempoolEntry | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  values(): IterableIterator<MempoolEntry> {
    return this.entries.values();
  }

  /** The entry whose wtxid (hex, internal order) this is. */
  byWitnessId(wtxidHex: string): MempoolEntry | undefined {
    const key = this.byWtxid.get(wtxidHex);
    return key === undefined ? undefined : this.entries.get(key);
  }

  spenderOf(outpoint: string): string | undefined {
    return this.spenders.get(outpoint);
  }

  /** Coins of the confirmed set plus outputs of mempool transactions, minus outpoints mempool transactions spend. */
  view(confirmed: CoinView): CoinView {
    return {
      get: (key: string): Coin | undefined => {
        if (this.spenders.has(key)) return undefined;
        const c = confirmed.get(key);
        if (c) return c;
        const sep = key.indexOf(':');
        const parent = this.entries.get(key.slice(0, sep));
        const out = parent?.tx.outputs[Number(key.slice(sep + 1))];
        return out ? { ...out, height: MEMPOOL_HEIGHT, coinbase: false } : undefined;
      },
    };
  }

  add(entry: MempoolEntry): void {
    this.entries.set(entry.key, entry);
    this.byWtxid.set(bytesToHex(entry.tx.wtxid), entry.key);
    this.weight += entry.weight;
    for (const i of entry.tx.inputs) {
      const parentKey = bytesToHex(i.prevTxid);
      this.spenders.set(outpointKey(i.prevTxid, i.prevVout), entry.key);
      const parent = this.entries.get(parentKey);
      if (parent) {
        entry.parents.add(parentKey);
        parent.children.add(entry.key);
      }
    }
  }

  /** Removes a transaction and all its descendants; returns what was removed. */
  removeWithDescendants(key: string): MempoolEntry[] {
    const removed: MempoolEntry[] = [];
    const stack = [key];
    while (stack.length > 0) {
      const k = stack.pop()!;
      const e = this.entries.get(k);
      if (!e) continue;
      stack.push(...e.children);
      this.removeOne(e);
      removed.push(e);
    }
    return removed;
  }

  /** Removes a transaction that was confirmed: its children stay (their parent is now in the chain). */
  removeConfirmed(key: string): MempoolEntry | undefined {
    const e = this.entries.get(key);
    if (e) this.removeOne(e);
    return e;
  }

  private removeOne(e: MempoolEntry): void {
    this.entries.delete(e.key);
    this.byWtxid.delete(bytesToHex(e.tx.wtxid));
    this.weight -= e.weight;
    for (const i of e.tx.inputs) {
      const op = outpointKey(i.prevTxid, i.prevVout);
      if (this.spenders.get(op) === e.key) this.spenders.delete(op);
    }
    for (const p of e.parents) this.entries.get(p)?.children.delete(e.key);
    for (const c of e.children) this.entries.get(c)?.parents.delete(e.key);
  }

  /** Evicts the lowest fee-rate transactions (with descendants) until within maxWeight. */
  trim(): MempoolEntry[] {
    if (this.weight <= this.maxWeight) return [];
    const byRate = [...this.entries.values()].sort((a, b) => feeRate(a) - feeRate(b));
    const evicted: MempoolEntry[] = [];
    for (const e of byRate) {
      if (this.weight <= this.maxWeight) break;
      if (this.entries.has(e.key)) evicted.push(...this.removeWithDescendants(e.key));
    }
    return evicted;
  }

  /**
   * Transactions in block-building order: by fee rate, highest first, each after its parents
   * (a child waits until all its parents are placed).
   */
  ordered(): MempoolEntry[] {
    const byRate = [...this.entries.values()].sort((a, b) => feeRate(b) - feeRate(a) || (a.key < b.key ? -1 : 1));
    const placed = new Set<string>();
    const waiting = new Map<string, MempoolEntry[]>();
    const out: MempoolEntry[] = [];
    const place = (e: MempoolEntry): void => {
      placed.add(e.key);
      out.push(e);
      for (const child of waiting.get(e.key) ?? []) {
        if ([...child.parents].every((p) => placed.has(p)) && !placed.has(child.key)) place(child);
      }
      waiting.delete(e.key);
    };
    for (const e of byRate) {
      if (placed.has(e.key)) continue;
      const missing = [...e.parents].filter((p) => !placed.has(p));
      if (missing.length === 0) place(e);
      else for (const p of missing) waiting.set(p, [...(waiting.get(p) ?? []), e]);
    }
    return out;
  }
}
