/**
 * Job Declaration as the pool sees it: the Job Declarator Server it runs (when `[jds]` is set), the
 * SetCustomMiningJob rules its channel manager asks, and the block of a custom job found on one of
 * its channels, rebuilt from the declared transactions.
 */
import type { Logger } from 'pino';
import { assembleBlock, type AssembledBlock } from '../../../bitcoin/block.js';
import type { TxOut } from '../../../bitcoin/tx.js';
import type { DeclaredJob } from '../../../chain/declared-job.js';
import type { ChainTip } from '../../../channels/chain-tip.js';
import { jdRequiredOutputs, type RequiredOutputs } from '../../../channels/jd-coinbase.js';
import type { ExtendedChannel } from '../../../channels/server-extended.js';
import type { Work } from '../../../channels/work.js';
import type { Messages } from '../../../messages/registry.js';
import type { ServerIdentity } from '../../../noise/server-identity.js';
import { ConfigError } from '../../common/config.js';
import type { ListenLimits } from '../../common/limits.js';
import { SourceTemplateFeed, type TemplateFeed } from '../../common/template-feed.js';
import type { BlockCandidate } from '../channel-manager.js';
import type { JdsConfig } from '../config.js';
import { judgeCustomJob } from './custom-jobs.js';
import { JobDeclarator } from './job-declarator.js';
import { jdNodeView } from './node-view.js';

export interface PoolJdOptions {
  config: JdsConfig;
  feed: TemplateFeed;
  identity: ServerIdentity;
  /** The pool's payout script: the output a JD client funds. */
  poolScript: Uint8Array;
  /** The pool accounts' coinbase outputs for a value (ChannelManager.requiredCoinbaseOutputs): payees first, the pool's last. */
  poolOutputs: (valueRemaining: bigint) => TxOut[];
  /** The coinbase value of the template the pool mines now (0 before the first): what the payees' values are computed on. */
  reward: () => bigint;
  /** The tip's min ntime as the feed announced it. */
  minTime: () => number;
  /** A block from a PushSolution, for the pool to record and submit. */
  submitBlock: (block: AssembledBlock, job: DeclaredJob) => void;
  limits: ListenLimits;
  maxFramePayload: number;
  log: Logger;
  now: () => number;
}

export class PoolJobDeclaration {
  /** The declared job behind each custom job's work (weak: it goes with the channel's job). */
  private readonly declaredByWork = new WeakMap<Work, DeclaredJob>();

  private constructor(
    readonly server: JobDeclarator,
    private readonly log: Logger,
  ) {}

  static async start(o: PoolJdOptions): Promise<PoolJobDeclaration> {
    const node = jdNodeView(o.feed instanceof SourceTemplateFeed ? o.feed.source : undefined, o.minTime, o.config.mempool_min_refresh_secs * 1000);
    if (node === undefined) throw new ConfigError('jds', 'needs the pool\'s own node (Embedded or BitcoinCoreRpc) to validate declared jobs');
    const server = await JobDeclarator.start({
      config: o.config,
      identity: o.identity,
      node,
      requiredOutputs: requiredOutputsCache(o),
      submitBlock: o.submitBlock,
      limits: o.limits,
      maxFramePayload: o.maxFramePayload,
      log: o.log.child({ component: 'jds' }),
      now: o.now,
    });
    return new PoolJobDeclaration(server, o.log);
  }

  get port(): number {
    return this.server.port;
  }

  /** The channel manager's `customJob` hook. */
  customJob(connectionId: number, m: Messages['SetCustomMiningJob'], ch: ExtendedChannel, tip: ChainTip | null, now: number): Work | string {
    const v = judgeCustomJob({ tokens: this.server.tokens, allowUndeclared: this.server.allowsCoinbaseOnly }, m, ch, tip, now);
    if ('errorCode' in v) {
      this.log.info({ client: connectionId, channel: m.channelId, request: m.requestId, errorCode: v.errorCode, details: v.details }, 'custom job refused');
      return v.errorCode;
    }
    if (v.declared !== undefined) this.declaredByWork.set(v.work, v.declared);
    this.log.debug({ client: connectionId, channel: m.channelId, declared: v.declared !== undefined }, 'custom job accepted');
    return v.work;
  }

  /** The block a share on a custom job completes; undefined for a Coinbase-only job (the JD client alone has its transactions). */
  blockOf(c: BlockCandidate): { block: AssembledBlock; job: DeclaredJob } | undefined {
    const job = c.work === undefined ? undefined : this.declaredByWork.get(c.work);
    if (job === undefined) return undefined;
    const b = c.block;
    return { job, block: assembleBlock({ version: b.version, prevHash: b.prevHash, time: b.ntime, bits: b.nbits, nonce: b.nonce, coinbase: b.coinbase, transactions: job.transactions, merklePath: b.merklePath }) };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** How long one computation of the required outputs serves new tokens (the window's walk costs up to ~12 ms at 1 M shares). */
const REQUIRED_OUTPUTS_REUSE_MS = 1_000;

/** The required outputs now, computed at most once a second for one reward: a client asking tokens without end costs no window walks. */
function requiredOutputsCache(o: PoolJdOptions): () => RequiredOutputs {
  let last: { at: number; value: RequiredOutputs } | undefined;
  return () => {
    const reward = o.reward();
    const now = o.now();
    if (last !== undefined && last.value.reward === reward && now - last.at >= 0 && now - last.at < REQUIRED_OUTPUTS_REUSE_MS) return last.value;
    last = { at: now, value: jdRequiredOutputs(o.poolScript, reward, o.poolOutputs(reward)) };
    return last.value;
  };
}
