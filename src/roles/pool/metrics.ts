import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ShareCounts } from '../../channels/share-accounting.js';
import { SHARE_ERROR_CODES } from '../../messages/index.js';
import { mirrorCounter, refusalMetrics, roleRegistry, setCounter, withKnown, type Refusals } from '../common/metrics.js';

/** What the metrics read at scrape time from the parts that own the counts. */
export interface PoolCounts {
  connections: () => number;
  channels: () => { standard: number; extended: number };
  shares: () => ShareCounts;
  hashrate: () => number;
  startedAt: () => number;
  now: () => number;
  /** Connections the listeners' admission limits refused, by reason, and refused ones held now. */
  refusals?: () => Refusals | undefined;
  /** The most active users (a bounded number) and the rest together. */
  users?: () => { users: { user: { name: string; kind: string }; hashrate: number }[]; others: number };
}

/**
 * The pool's Prometheus metrics, on a registry of its own so several roles can share a process.
 * Counts are read at scrape time from their one owner: a share costs the metrics nothing.
 */
export class PoolMetrics {
  readonly registry: Registry = roleRegistry('pool', () => this.counts.startedAt(), () => this.counts.now());

  constructor(private readonly counts: PoolCounts) {
    for (const status of BLOCK_STATUSES) this.blocks.inc({ status }, 0);
    refusalMetrics(this.registry, 'pool', () => this.counts.refusals?.());
  }

  readonly connections: Gauge = new Gauge({
    name: 'sv2_pool_connections',
    help: 'Downstream connections open',
    registers: [this.registry],
    collect: () => this.connections.set(this.counts.connections()),
  });
  readonly channels: Gauge = new Gauge({
    name: 'sv2_pool_channels',
    help: 'Mining channels open',
    labelNames: ['kind'],
    registers: [this.registry],
    collect: () => {
      const open = this.counts.channels();
      this.channels.set({ kind: 'standard' }, open.standard);
      this.channels.set({ kind: 'extended' }, open.extended);
    },
  });
  readonly sharesAccepted: Counter = new Counter({
    name: 'sv2_pool_shares_accepted_total',
    help: 'Shares accepted',
    registers: [this.registry],
    collect: () => setCounter(this.sharesAccepted, this.counts.shares().accepted),
  });
  readonly shareDifficulty: Counter = new Counter({
    name: 'sv2_pool_share_difficulty_total',
    help: 'Sum of the difficulty of accepted shares',
    registers: [this.registry],
    collect: () => setCounter(this.shareDifficulty, this.counts.shares().difficultySum),
  });
  readonly sharesRejected: Counter = new Counter({
    name: 'sv2_pool_shares_rejected_total',
    help: 'Shares rejected, by error code',
    labelNames: ['reason'],
    registers: [this.registry],
    collect: () => mirrorCounter(this.sharesRejected, withKnown('reason', SHARE_ERROR_CODES, this.counts.shares().rejected)),
  });
  readonly hashrate: Gauge = new Gauge({
    name: 'sv2_pool_hashrate_estimated',
    help: 'Hashrate estimated from accepted shares over the last 10 minutes (H/s)',
    registers: [this.registry],
    collect: () => this.hashrate.set(this.counts.hashrate()),
  });
  /** One series per user among the most active (metrics_max_users), the rest as user="other": cardinality stays bounded. */
  readonly userHashrate: Gauge = new Gauge({
    name: 'sv2_pool_user_hashrate_estimated',
    help: 'Hashrate of the most active users from their accepted shares (H/s); user="other" sums the rest',
    labelNames: ['user', 'kind'],
    registers: [this.registry],
    collect: () => {
      this.userHashrate.reset();
      const top = this.counts.users?.();
      if (top === undefined) return;
      for (const u of top.users) this.userHashrate.set({ user: u.user.name, kind: u.user.kind }, u.hashrate);
      if (top.others > 0) this.userHashrate.set({ user: 'other', kind: 'other' }, top.others);
    },
  });
  readonly blocks = new Counter({ name: 'sv2_pool_blocks_found_total', help: 'Block candidates found, by what the node said', labelNames: ['status'], registers: [this.registry] });
  readonly templateToJob = new Histogram({
    name: 'sv2_pool_template_to_job_seconds',
    help: 'Time from a template arriving to the last channel having its job queued',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly templates = new Counter({ name: 'sv2_pool_templates_total', help: 'Templates received', labelNames: ['kind'], registers: [this.registry] });
}

/** What `sv2_pool_blocks_found_total{status}` can say; each present from the start. */
const BLOCK_STATUSES = ['submitted', 'accepted', 'rejected', 'stale', 'error'] as const;
