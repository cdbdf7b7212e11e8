/**
 * Found blocks waiting for their confirmations. On every new tip the pool asks about each (the
 * embedded chain, or the node over RPC): one with enough confirmations is confirmed (its credits
 * mature), one off the best chain orphaned (its credits void). A feed that cannot tell (a Template
 * Provider) is answered from heights, once the chain has built on the block. One round at a time.
 */
import type { Logger } from 'pino';
import { hashFromDisplay } from '../../bitcoin/bytes.js';
import type { ShareStore } from './share-store.js';

export interface BlockSettlerOptions {
  store: ShareStore;
  /** Confirmations of a block (-1 off the best chain), undefined when the feed cannot tell. */
  depth: (hash: Uint8Array) => Promise<number | undefined>;
  tipHeight: () => number | null;
  /** A block sent to a feed without verdicts that the chain has not built on yet. */
  awaitingVerdict: (blockHash: string) => boolean;
  confirmations: number;
  log: Logger;
}

export class BlockSettler {
  private round: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: BlockSettlerOptions) {}

  /** Starts a round (or one more after the current one). */
  settle(): void {
    if (this.stopped) return;
    if (this.round !== null) {
      this.again = true;
      return;
    }
    this.round = this.run()
      .catch((e: unknown) => this.opts.log.error({ err: (e as Error).message }, 'checking found blocks failed'))
      .finally(() => {
        this.round = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.settle();
        }
      });
  }

  /** Resolves once the rounds asked for so far are done. */
  async whenIdle(): Promise<void> {
    while (this.round !== null) await this.round;
  }

  /** Resolves when no round runs; no new one starts after this. */
  async idle(): Promise<void> {
    this.stopped = true;
    while (this.round !== null) await this.round;
  }

  private async run(): Promise<void> {
    const { store, log } = this.opts;
    for (const b of store.unsettledBlocks()) {
      let depth = await this.opts.depth(hashFromDisplay(b.blockHash));
      const tip = this.opts.tipHeight();
      // From heights only for a block known to be on the chain (the chain built on it): heights cannot see a reorg.
      if (depth === undefined && b.status === 'accepted' && b.height !== null && tip !== null && tip >= b.height && !this.opts.awaitingVerdict(b.blockHash)) depth = tip - b.height + 1;
      if (depth === undefined || this.stopped) continue;
      if (depth < 0) {
        store.setChainState(b.blockHash, 'orphaned');
        log.warn({ blockHash: b.blockHash }, 'block orphaned: it left the best chain; its credits are void');
      } else if (depth >= this.opts.confirmations) {
        store.setChainState(b.blockHash, 'confirmed');
        log.info({ blockHash: b.blockHash, confirmations: depth }, 'block confirmed: its credits are mature');
      }
    }
  }
}
