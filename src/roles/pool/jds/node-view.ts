/**
 * What the Job Declarator asks of the pool's node: the transactions its mempool holds (by wtxid),
 * the tip a declared job must build on, and whether a declared block would be valid. The embedded
 * chain answers from its own state and validation; a bitcoind over RPC through a `MempoolMirror`
 * (incremental) and getblocktemplate proposals (BIP 23).
 */
import { bytesToHex } from '../../../codec/hex.js';
import type { ParsedTransaction } from '../../../bitcoin/tx.js';
import type { EmbeddedChain } from '../../../chain/chain.js';
import type { TemplateSource } from '../../../chain/template-source.js';
import { EmbeddedTemplateSource } from '../../../chain/embedded-source.js';
import { MempoolMirror } from '../../../net/bitcoind/mempool-mirror.js';
import { RpcTemplateSource } from '../../../net/bitcoind/rpc-template-source.js';

export interface JdTip {
  prevHash: Uint8Array;
  /** Height of the next block. */
  height: number;
  nbits: number;
  /** A header time the node accepts for the next block. */
  time: number;
}

export interface JdNodeView {
  readonly kind: 'embedded' | 'rpc';
  /** Over RPC: the mirror of the node's mempool. */
  readonly mirror?: MempoolMirror;
  /** The transaction with this wtxid (internal order), if the node's mempool holds it. */
  lookup(wtxid: Uint8Array): ParsedTransaction | undefined;
  /** Catches up with the node's mempool for these missing wtxids (incremental; a no-op in process). */
  refresh(missing: readonly Uint8Array[]): Promise<void>;
  tip(): JdTip | undefined;
  /** null when the block would be valid but for its proof of work, else the node's reason. */
  checkProposal(block: Uint8Array): Promise<string | null>;
}

class EmbeddedView implements JdNodeView {
  readonly kind = 'embedded';
  constructor(private readonly chain: EmbeddedChain) {}
  lookup(wtxid: Uint8Array): ParsedTransaction | undefined {
    return this.chain.mempool.byWitnessId(bytesToHex(wtxid))?.tx;
  }
  async refresh(): Promise<void> {}
  tip(): JdTip {
    const c = this.chain;
    return { prevHash: c.tip.hash, height: c.height + 1, nbits: c.nextBits(), time: Math.max(c.clock(), c.tip.medianTimePast + 1) };
  }
  async checkProposal(block: Uint8Array): Promise<string | null> {
    return this.chain.checkBlockProposal(block);
  }
}

class RpcView implements JdNodeView {
  readonly kind = 'rpc';
  readonly mirror: MempoolMirror;
  constructor(
    private readonly source: RpcTemplateSource,
    /** The tip's min ntime as the pool's feed announced it (the node's own curtime). */
    private readonly minTime: () => number,
    minRefreshMs: number,
  ) {
    this.mirror = new MempoolMirror({ client: source.rpcClient, minIntervalMs: minRefreshMs });
    source.onNewTip(() => this.mirror.dropSeeded());
  }
  lookup(wtxid: Uint8Array): ParsedTransaction | undefined {
    return this.mirror.lookup(wtxid);
  }
  /** The node's current template first (its bytes are already here), then a mempool listing if still short. */
  async refresh(missing: readonly Uint8Array[]): Promise<void> {
    this.mirror.seed((await this.source.currentTemplate()).transactions);
    if (missing.some((w) => this.mirror.lookup(w) === undefined)) await this.mirror.refresh();
  }
  tip(): JdTip | undefined {
    const t = this.source.tip();
    if (t === undefined) return undefined;
    return { prevHash: t.hash, height: t.height + 1, nbits: t.nextBits, time: Math.max(Math.floor(Date.now() / 1000), this.minTime()) };
  }
  checkProposal(block: Uint8Array): Promise<string | null> {
    return this.mirror.checkProposal(block);
  }
}

/** The view of the node behind `source`, or undefined when the pool has none it can ask (a Template Provider). */
export function jdNodeView(source: TemplateSource | undefined, minTime: () => number, minRefreshMs = 1000): JdNodeView | undefined {
  if (source instanceof EmbeddedTemplateSource) return new EmbeddedView(source.chain);
  if (source instanceof RpcTemplateSource) return new RpcView(source, minTime, minRefreshMs);
  return undefined;
}
