/**
 * A bitcoind node's mempool as a Job Declarator sees it: transactions by wtxid, kept in step with
 * the node incrementally. Each refresh asks for the txid list only (getrawmempool) and fetches the
 * raw bytes of the transactions it has not seen yet (getrawtransaction), dropping those the node
 * no longer holds; nothing is fetched twice. Declared jobs are checked with getblocktemplate in
 * BIP 23 proposal mode, which Bitcoin Core answers without proof of work.
 */
import { bytesToHex } from '../../codec/hex.js';
import { BitcoinDecodeError, fromHex, hashFromDisplay, hashToDisplay } from '../../bitcoin/bytes.js';
import { parseTransaction, type ParsedTransaction } from '../../bitcoin/tx.js';
import { RpcError, type RpcClient } from './rpc-client.js';

export interface MempoolMirrorOptions {
  client: RpcClient;
  /** getrawtransaction calls in flight at once (default 8). */
  concurrency?: number;
  /** Timeout of each call (default 10 s). */
  timeoutMs?: number;
  /**
   * A refresh within this long of the last one is skipped (default 1 s): a client whose jobs always
   * name a transaction the node lacks must not make every declaration list the node's mempool.
   */
  minIntervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class MempoolMirror {
  /** txid (display hex, as the node names it) → wtxid (hex, internal order). */
  private readonly byTxid = new Map<string, string>();
  /** wtxid (hex, internal order) → the transaction, parsed once. */
  private readonly byWtxid = new Map<string, ParsedTransaction>();
  /** Seeded from a template, not yet seen in a mempool listing: dropped on a new tip unless a listing confirms them. */
  private readonly seededOnly = new Set<string>();
  private inFlight: Promise<void> | undefined;
  private lastRefreshAt = -Infinity;
  /** Transactions fetched since start (what a test or metric reads to see that sync is incremental). */
  fetched = 0;
  /** Transactions taken from the node's templates, which carry their bytes (no call). */
  seeded = 0;

  constructor(private readonly opts: MempoolMirrorOptions) {}

  get size(): number {
    return this.byWtxid.size;
  }

  /** The transaction with this wtxid (internal order), if the node's mempool had it at the last refresh. */
  lookup(wtxid: Uint8Array): ParsedTransaction | undefined {
    return this.byWtxid.get(bytesToHex(wtxid));
  }

  /**
   * Adds transactions the node handed out anyway (its getblocktemplate answer carries every
   * template transaction's bytes): what a JD client declares is mostly in there.
   */
  seed(txs: readonly { data: Uint8Array; txid: Uint8Array; wtxid: Uint8Array }[]): void {
    for (const t of txs) {
      const w = bytesToHex(t.wtxid);
      if (this.byWtxid.has(w)) continue;
      const tx = parseTransaction(t.data);
      const id = hashToDisplay(t.txid);
      this.byTxid.set(id, w);
      this.byWtxid.set(w, tx);
      this.seededOnly.add(id);
      this.seeded++;
    }
  }

  /** A new tip: seeded transactions no listing has confirmed are most likely mined; they go. */
  dropSeeded(): void {
    for (const id of this.seededOnly) {
      const w = this.byTxid.get(id);
      this.byTxid.delete(id);
      if (w !== undefined) this.byWtxid.delete(w);
    }
    this.seededOnly.clear();
  }

  /** Brings the mirror up to date; concurrent callers share one refresh, and one just made is not repeated. */
  refresh(): Promise<void> {
    const now = this.opts.now ?? Date.now;
    if (this.inFlight === undefined && now() - this.lastRefreshAt < (this.opts.minIntervalMs ?? 1000)) return Promise.resolve();
    this.inFlight ??= this.sync().finally(() => {
      this.inFlight = undefined;
      this.lastRefreshAt = now();
    });
    return this.inFlight;
  }

  /** BIP 23: null when the node would accept the block but for its proof of work, else its reason. */
  async checkProposal(block: Uint8Array): Promise<string | null> {
    try {
      const r = await this.opts.client.call<string | null>('getblocktemplate', [{ mode: 'proposal', data: bytesToHex(block), rules: ['segwit'] }], { timeoutMs: this.opts.timeoutMs ?? 10_000 });
      return r ?? null;
    } catch (e) {
      if (e instanceof RpcError) return e.message;
      throw e;
    }
  }

  private async sync(): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const txids = await this.opts.client.call<string[]>('getrawmempool', [false], { timeoutMs });
    const now = new Set(txids);
    this.seededOnly.clear();
    for (const [txid, wtxid] of this.byTxid) {
      if (now.has(txid)) continue;
      this.byTxid.delete(txid);
      this.byWtxid.delete(wtxid);
    }
    const fresh = txids.filter((t) => !this.byTxid.has(t));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < fresh.length) {
        const txid = fresh[next++]!;
        let hex: string;
        try {
          hex = await this.opts.client.call<string>('getrawtransaction', [txid, false], { timeoutMs });
        } catch (e) {
          if (e instanceof RpcError) continue; // mined or evicted since the list was made
          throw e;
        }
        try {
          const tx = parseTransaction(fromHex(hex));
          if (bytesToHex(tx.txid) !== bytesToHex(hashFromDisplay(txid))) continue;
          const w = bytesToHex(tx.wtxid);
          this.byTxid.set(txid, w);
          this.byWtxid.set(w, tx);
          this.fetched++;
        } catch (e) {
          if (!(e instanceof BitcoinDecodeError)) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, fresh.length) }, worker));
  }
}
