/**
 * Found blocks, from the share that found one to the node's verdict: recorded first (committed,
 * with the credits it gives), then submitted; the verdict updates the record. A feed without
 * verdicts (a Template Provider) leaves a block submitted until the chain builds on it.
 */
import type { Logger } from 'pino';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { submitSolution } from '../../channels/share-result.js';
import { NODE_UNREACHABLE } from '../../net/bitcoind/block-submitter.js';
import type { TemplateFeed } from '../common/template-feed.js';
import type { PoolActivity } from './activity.js';
import type { BlockCandidate } from './channel-manager-types.js';
import type { PoolMetrics } from './metrics.js';
import { userOf, type PayoutBlock, type PoolPayouts } from './payouts.js';
import type { BlockPayout, ShareStore } from './share-store.js';

export interface FoundBlocksOptions {
  store: ShareStore;
  feed: TemplateFeed;
  payouts: PoolPayouts;
  activity: PoolActivity;
  metrics: PoolMetrics;
  log: Logger;
  now: () => number;
  /** The pool has closed its database: verdicts that come later are not written. */
  closed: () => boolean;
  /** A custom job's whole block (the Job Declarator knows its declared transactions); undefined for a Coinbase-only job. */
  customBlock?: (c: BlockCandidate) => { height: number; block: Uint8Array } | undefined;
}

export class FoundBlocks {
  private readonly pending = new Set<Promise<void>>();
  /** Blocks sent to a feed that gives no verdict (TDP): confirmed when the chain builds on them. */
  private readonly unconfirmed = new Set<string>();
  private readonly tally = { found: 0, accepted: 0, rejected: 0, stale: 0 };
  /** Blocks recorded lately: a custom job's block comes from its share and from the JD client's PushSolution. */
  private readonly recent = new Set<string>();

  constructor(private readonly opts: FoundBlocksOptions) {}

  /** Submissions still waiting for the node. */
  inFlight(): Promise<void>[] {
    return [...this.pending];
  }

  /** Sent to a feed without verdicts and not yet built on. */
  awaitingVerdict(blockHash: string): boolean {
    return this.unconfirmed.has(blockHash);
  }

  counts(): { found: number; accepted: number; rejected: number; stale: number; pending: number } {
    const b = this.tally;
    return { ...b, pending: b.found - b.accepted - b.rejected - b.stale };
  }

  /** A share that is a block: recorded with its credits, then sent to the node. */
  onBlock(c: BlockCandidate): void {
    const blockHash = hashToDisplay(c.block.hash);
    if (this.recent.has(blockHash)) return;
    let payout: BlockPayout = {};
    try {
      payout = this.opts.payouts.blockPayout(c, userOf(c.payout));
    } catch (e) {
      // The block goes to the node whatever the bookkeeping thinks: it is recorded without credits.
      this.opts.log.error({ blockHash, err: (e as Error).message }, 'block payout not computed: recorded without credits');
    }
    if (c.block.templateId !== null) {
      const solution = submitSolution(c.block);
      this.submit(blockHash, this.opts.activity.heightOf(c.block.templateId), String(c.block.templateId), c.userIdentity, c.channelId, payout, () => this.opts.feed.submitSolution(solution));
      return;
    }
    const custom = this.opts.customBlock?.(c);
    if (custom === undefined) {
      // Coinbase-only: the JD client alone holds the transactions and propagates the block; the chain building on it confirms it.
      this.opts.log.info({ blockHash, user: c.userIdentity }, 'block found on a coinbase-only custom job: the JD client propagates it');
      this.submit(blockHash, null, 'custom', c.userIdentity, c.channelId, payout, () => Promise.resolve(undefined));
      return;
    }
    this.submit(blockHash, custom.height, 'custom', c.userIdentity, c.channelId, payout, () => this.submitWhole(custom.block));
  }

  /**
   * A whole block from elsewhere (the JD client's PushSolution of a declared job): credited from
   * its coinbase as the share path credits it (payees paid in it, the rest to balances), so the
   * record is the same whichever of the two comes first, and the second adds nothing.
   */
  onWholeBlock(blockHash: string, height: number, userIdentity: string, block: Uint8Array, found: PayoutBlock): void {
    if (this.recent.has(blockHash)) return;
    let payout: BlockPayout = {};
    try {
      payout = this.opts.payouts.blockPayout(found, userOf(found.payout));
    } catch (e) {
      this.opts.log.error({ blockHash, err: (e as Error).message }, 'block payout not computed: recorded without credits');
    }
    this.submit(blockHash, height, 'declared', userIdentity, 0, payout, () => this.submitWhole(block));
  }

  private submitWhole(block: Uint8Array): Promise<SubmitOutcome | undefined> {
    const feed = this.opts.feed;
    if (feed.submitBlock === undefined) return Promise.reject(new Error('this template feed cannot take a whole block'));
    return feed.submitBlock(block);
  }

  private submit(blockHash: string, height: number | null, templateId: string, userIdentity: string, channelId: number, payout: BlockPayout, send: () => Promise<SubmitOutcome | undefined>): void {
    const { store, log, metrics } = this.opts;
    if (this.recent.size >= 64) this.recent.delete(this.recent.values().next().value!);
    this.recent.add(blockHash);
    store.recordBlock({ timeMs: this.opts.now(), blockHash, height, templateId, userIdentity, channelId, status: 'submitted', rejectReason: null }, payout);
    this.tally.found++;
    log.info({ blockHash, user: userIdentity }, 'block found');
    const done = send().then(
      (outcome) => {
        if (outcome === undefined) {
          metrics.blocks.inc({ status: 'submitted' });
          if (this.unconfirmed.size >= 64) this.unconfirmed.delete(this.unconfirmed.values().next().value!);
          this.unconfirmed.add(blockHash);
          return;
        }
        if (outcome.reason === NODE_UNREACHABLE) {
          // Not a verdict: the pool stopped with the node away. The block waits on disk for the next start.
          if (!this.opts.closed()) store.updateBlock(blockHash, 'submitted', NODE_UNREACHABLE);
          log.warn({ blockHash }, 'block not yet taken by the node: it is unreachable; the block is kept for the next start');
          return;
        }
        const status = outcome.accepted ? 'accepted' : outcome.stale ? 'stale' : 'rejected';
        this.tally[status]++;
        metrics.blocks.inc({ status });
        if (!this.opts.closed()) store.updateBlock(blockHash, status, outcome.reason ?? null);
        if (status === 'accepted') log.info({ blockHash }, 'block accepted by the node');
        else if (status === 'stale') log.warn({ blockHash, reason: outcome.reason }, 'block stale: valid, but off the node\'s best chain');
        else log.warn({ blockHash, reason: outcome.reason }, 'block rejected by the node');
      },
      (e: unknown) => {
        this.tally.rejected++;
        metrics.blocks.inc({ status: 'error' });
        log.error({ blockHash, err: (e as Error).message }, 'block submission failed');
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** A new tip that is a block we submitted: the node took it. */
  confirmIfOurs(prevHash: string): void {
    if (!this.unconfirmed.delete(prevHash) || this.opts.closed()) return;
    this.opts.store.updateBlock(prevHash, 'accepted');
    this.tally.accepted++;
    this.opts.metrics.blocks.inc({ status: 'accepted' });
    this.opts.log.info({ blockHash: prevHash }, 'block accepted: the chain builds on it');
  }

  /** A block an earlier run found and kept on disk has reached the node: its record gets the verdict. */
  onLateVerdict(blockHash: string, o: SubmitOutcome): void {
    if (this.opts.closed()) return;
    const status = o.accepted ? 'accepted' : o.stale ? 'stale' : 'rejected';
    this.opts.store.updateBlock(blockHash, status, o.reason ?? null);
    this.opts.log.info({ blockHash, status, reason: o.reason }, 'block from an earlier run: the node has answered');
  }
}
