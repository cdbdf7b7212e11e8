/** The channel manager's options, hooks and the values it hands its role. */
import type { IdentityRules, PayoutTarget } from '../../channels/payout-identity.js';
import type { CoinbasePayout } from '../../channels/payout-outputs.js';
import type { BlockFound } from '../../channels/share-result.js';
import type { MessageName, Messages } from '../../messages/registry.js';
import type { Channel } from '../common/job-fanout.js';
import type { ChainTip } from '../../channels/chain-tip.js';
import type { ExtendedChannel } from '../../channels/server-extended.js';
import type { Work } from '../../channels/work.js';

export interface ChannelManagerOptions {
  sharesPerMinute: number;
  shareBatchSize: number;
  /** The pool's payout output script: the whole coinbase value goes to it. */
  rewardScript: Uint8Array;
  /** Put in the coinbase scriptSig as SRI does: "Sv2/<pool_signature>/". */
  poolSignature: string;
  /** Leading extranonce bytes that tell this server's channels apart from other servers'. */
  serverId: number;
  /** Full extranonce length of every channel (prefix + rollable), ≤ 32. */
  extranonceLength?: number;
  /** Open channels a server can hold at once. */
  maxChannels?: number;
  /** Open channels one connection can hold (default 10 000); beyond it OpenChannel gets an error. */
  maxChannelsPerConnection?: number;
  /** Shares a channel may have accepted on one prev hash (its duplicate window; default 16 384). */
  maxSharesPerBlock?: number;
  /** With no new template for this long, every channel gets a fresh job of the current work (0 = never). */
  jobRefreshMs?: number;
  /** Templates kept so jobs of recent templates can be rebuilt for late channels. */
  maxTemplates?: number;
  /** How user_identity names a payout (solo mining, the network of addresses); default: every identity is a pool account. */
  identityRules?: IdentityRules;
  /** Outputs below this are not made in a coinbase (default 546 sat). */
  dustSats?: bigint;
  /** Payee outputs in one coinbase at most (payouts in the coinbase; 0 = that scheme is off). */
  maxPayoutOutputs?: number;
  /** What the pool accounts' coinbase pays (payouts in the coinbase); default: all to the pool. */
  accountsPayout?: () => CoinbasePayout;
}



/** How a downstream connection set itself up (SetupConnection flags). */
export interface ConnectionInfo {
  requiresStandardJobs: boolean;
  requiresVersionRolling: boolean;
  /** REQUIRES_WORK_SELECTION: a JD client that mines its own jobs (SetCustomMiningJob); it gets no template jobs. */
  requiresWorkSelection?: boolean;
  /** For the API: where it came from and what it said it is. */
  peer: string;
  vendor: string;
}

/** An accepted share, with who gets credit for it. */
export interface ShareCredit {
  connectionId: number;
  channelId: number;
  userIdentity: string;
  worker: string | undefined;
  /** Who the channel's work pays (from its user_identity). */
  payout: PayoutTarget;
  sequenceNumber: number;
  jobId: number;
  difficulty: number;
}

export interface BlockCandidate {
  block: BlockFound;
  connectionId: number;
  channelId: number;
  userIdentity: string;
  payout: PayoutTarget;
  /** The difficulty the block's share is credited with. */
  difficulty: number;
  /** The job's work (a custom job's: the pool finds its declared transactions by it). */
  work: Work | undefined;
}

export interface ChannelManagerHooks {
  send<N extends MessageName>(connectionId: number, name: N, message: Messages[N]): void;
  /** A candidate block: called before anything else is done with the share. */
  blockFound(candidate: BlockCandidate): void;
  shareAccepted(credit: ShareCredit): void;
  /** Counted by the channel (see `totals`); the hook is for a role that acts on rejects. */
  shareRejected?(connectionId: number, channelId: number, code: string): void;
  /** For the log: a channel opened, or closed by its CloseChannel (not by its connection's end). */
  channelOpened?(connectionId: number, channel: Channel): void;
  channelClosed?(connectionId: number, channel: Channel, reason: string): void;
  /** An OpenMiningChannel refused for its user_identity (`reason` is for the operator's log). */
  channelRefused?(connectionId: number, userIdentity: string, reason: string): void;
  /** Judges a SetCustomMiningJob: the work for the channel, or the SetCustomMiningJob.Error code. Absent: refused (jd-not-supported). */
  customJob?(connectionId: number, m: Messages['SetCustomMiningJob'], channel: ExtendedChannel, tip: ChainTip | null, now: number): Work | string;
}
