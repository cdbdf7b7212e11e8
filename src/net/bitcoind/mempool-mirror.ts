/**
 * A bitcoind node's mempool as a Job Declarator sees it: transactions by wtxid, kept in step with
 * the node incrementally. Each refresh asks for the txid list only (getrawmempool) and fetches the
 * raw bytes of the transactions it has not seen yet (getrawtransaction), dropping those the node
 * no longer holds; nothing is fetched twice. Declared jobs are checked with getblocktemplate in
 * BIP 23 proposal mode, which Bitcoin Core answers without proof of work.
 */
import { bytesToHex } from '../../codec/hex.js';
import { BitcoinDecodeError, fromHex, hashFromDisplay } from '../../bitcoin/bytes.js';
import { parseTransaction } from '../../bitcoin/tx.js';
import { RpcError, type RpcClient } from './rpc-client.js';

export interface MempoolMirrorOptions {
  client: RpcClient;
  /** getrawtransaction calls in flight at once (default 8). */
  concurrency?: number;
  /** Timeout of each call (default 10 s). */
  timeoutMs?: number;
}

export class MempoolMirror {
  /** txid (display hex, as the node names it) → wtxid (hex, internal order). */
  private readonly byTxid = new Map<string, string>();
  /** wtxid (hex, internal order) → raw transaction. */
  private readonly byWtxid = new Map<string, Uint8Array>();
  private inFlight: Promise<void> | undefined;
  /** Transactions fetched since start (what a test or metric reads to see that sync is incremental). */
  fetched = 0;

  constructor(private readonly opts: MempoolMirrorOptions) {}

  get size(): number {
    return this.byWtxid.size;
  }

  /** The raw transaction with this wtxid (internal order), if the node's mempool had it at the last refresh. */
  lookup(wtxid: Uint8Array): Uint8Array | undefined {
    return this.byWtxid.get(bytesToHex(wtxid));
  }

  /** Brings the mirror up to date; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.inFlight ??= this.sync().finally(() => (this.inFlight = undefined));
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
          this.byWtxid.set(w, tx.raw);
          this.fetched++;
        } catch (e) {
          if (!(e instanceof BitcoinDecodeError)) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, fresh.length) }, worker));
  }
}
