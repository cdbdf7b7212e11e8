/**
 * The translator's verdict on one Sv1 share, as a pure function of the miner's session, its
 * channel and the clock. Sv1 cannot take an answer back, so everything the translator can know
 * is checked before the miner hears `true`: the job is live (same prev hash and prefix), extranonce2
 * has the right size, ntime is in range, the hash meets the miner's own target, the share is not a
 * duplicate and the upstream is there to take it. The caller acts on the verdict (answer, count,
 * forward); this file decides nothing else and changes nothing.
 */
import { TOO_MANY_SHARES } from '../../channels/share-result.js';
import { MAX_FUTURE_BLOCK_TIME } from '../../bitcoin/header.js';
import { difficultyFromHash, hashMeetsTarget } from '../../bitcoin/target.js';
import type { ShareErrorCode } from '../../channels/index.js';
import { MiningErrorCode } from '../../messages/index.js';
import { BIP323_VERSION_MASK, SV1_ERROR, sv2ShareFromSv1 } from '../../sv1/index.js';
import type { Sv1Share, Sv2ShareFields } from '../../sv1/index.js';
import type { Sv1JobEntry, UpstreamChannel } from './channel.js';
import type { MinerSession, ShareRejectReason } from './miner.js';

export interface ShareAccepted {
  readonly ok: true;
  readonly hash: Uint8Array;
  /** the difficulty the share counts at for the miner (vardiff, hashrate) */
  readonly credited: number;
  /** what the hash achieved (diff1 / hash), for best-share statistics */
  readonly hashDifficulty: number;
  readonly channel: UpstreamChannel;
  readonly entry: Sv1JobEntry;
  /** the share in Sv2 form, as SubmitSharesExtended carries it */
  readonly sv2: Sv2ShareFields;
  /** the target the pool holds the share to when it is forwarded, else null (the miner's share only) */
  readonly upstreamTarget: Uint8Array | null;
  readonly isBlock: boolean;
}

export interface ShareRejected {
  readonly ok: false;
  readonly reason: ShareRejectReason;
  /** the mining.submit error answer */
  readonly code: number;
  readonly message: string;
  /** set when the share met the miner's target: it counts for duplicate detection all the same */
  readonly hash: Uint8Array | null;
  readonly channel: UpstreamChannel | null;
}

export type ShareVerdict = ShareAccepted | ShareRejected;

/** The Sv1 error code each rejection is answered with. */
export const SV1_CODE_FOR_REASON: Readonly<Record<ShareRejectReason, number>> = {
  'not-subscribed': SV1_ERROR.NOT_SUBSCRIBED,
  unauthorized: SV1_ERROR.UNAUTHORIZED,
  stale: SV1_ERROR.JOB_NOT_FOUND,
  'bad-extranonce2': SV1_ERROR.OTHER,
  'invalid-ntime': SV1_ERROR.OTHER,
  'invalid-share': SV1_ERROR.OTHER,
  duplicate: SV1_ERROR.DUPLICATE_SHARE,
  'low-difficulty': SV1_ERROR.LOW_DIFFICULTY,
  'upstream-unavailable': SV1_ERROR.OTHER,
};

const STALE_MESSAGE = 'Job not found (=stale)';

/** How the Sv2 channel's own share check (ClientChannel.checkShare) translates to Sv1. */
export const VERDICT_FOR_CHANNEL_ERROR: Readonly<Record<ShareErrorCode, { reason: ShareRejectReason; message: string }>> = {
  [MiningErrorCode.StaleShare]: { reason: 'stale', message: STALE_MESSAGE },
  [MiningErrorCode.InvalidJobId]: { reason: 'stale', message: STALE_MESSAGE },
  // the only InvalidShare a client channel finds is an ntime before the job's min_ntime
  [MiningErrorCode.InvalidShare]: { reason: 'invalid-ntime', message: 'ntime older than the job' },
  [MiningErrorCode.InvalidChannelId]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.InvalidChannelId}` },
  [MiningErrorCode.DuplicateShare]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.DuplicateShare}` },
  [MiningErrorCode.DifficultyTooLow]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.DifficultyTooLow}` },
  [MiningErrorCode.BadExtranonceSize]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.BadExtranonceSize}` },
  [MiningErrorCode.InvalidNonRollableVersionBit]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.InvalidNonRollableVersionBit}` },
  [MiningErrorCode.VersionRollingNotAllowed]: { reason: 'invalid-share', message: `invalid share: ${MiningErrorCode.VersionRollingNotAllowed}` },
  [TOO_MANY_SHARES]: { reason: 'invalid-share', message: `invalid share: ${TOO_MANY_SHARES}` },
};

export interface ShareCheckContext {
  /** the extranonce2 size every miner was told at subscribe */
  readonly extranonce2Size: number;
  /** unix seconds now */
  readonly nowSecs: number;
  /** an upstream connection is set up (shares can be forwarded) */
  readonly upstreamConnected: boolean;
}

function rejected(reason: ShareRejectReason, message: string, channel: UpstreamChannel | null, hash: Uint8Array | null = null): ShareRejected {
  return { ok: false, reason, code: SV1_CODE_FOR_REASON[reason], message, hash, channel };
}

export function checkSv1Share(s: MinerSession, share: Sv1Share, ctx: ShareCheckContext): ShareVerdict {
  if (!s.subscribed) return rejected('not-subscribed', 'Not subscribed', null);
  if (!s.authorized) return rejected('unauthorized', 'Unauthorized worker', null);
  const channel = s.channel;
  const entry = channel?.sv1Job(share.jobId);
  if (channel == null || entry === undefined || !channel.isCurrent(entry)) return rejected('stale', STALE_MESSAGE, channel);
  if (share.extranonce2.length !== ctx.extranonce2Size) {
    return rejected('bad-extranonce2', `extranonce2 must be ${ctx.extranonce2Size} bytes, got ${share.extranonce2.length}`, channel);
  }
  if (share.ntime > ctx.nowSecs + MAX_FUTURE_BLOCK_TIME) return rejected('invalid-ntime', 'ntime too far in the future', channel);
  const job = entry.job;
  const versionMask = job.versionRollingAllowed ? (s.versionMask ?? 0) & BIP323_VERSION_MASK : 0;
  const sv2 = sv2ShareFromSv1(share, {
    extranonce1: channel.minerExtranonce(s.extranonce1!),
    channelExtranonceSize: channel.extranonceSize,
    jobVersion: job.version,
    versionMask,
  });
  // the header the pool will rebuild (coinbase prefix ‖ channel prefix ‖ pad ‖ extranonce1 ‖ extranonce2 ‖ suffix)
  const check = channel.sv2.checkShare(job.jobId, { nonce: sv2.nonce, ntime: sv2.ntime, version: sv2.version, extranonce: sv2.extranonce });
  if (typeof check === 'string') {
    const verdict = VERDICT_FOR_CHANNEL_ERROR[check];
    return rejected(verdict.reason, verdict.message, channel);
  }
  const hash = check.hash;
  const held = s.shareTarget(entry.seq);
  if (!hashMeetsTarget(hash, held.target)) return rejected('low-difficulty', 'Low difficulty share', channel);
  if (s.isDuplicate(hash, channel)) return rejected('duplicate', 'Duplicate share', channel);
  if (channel.orphaned || !ctx.upstreamConnected) {
    return rejected('upstream-unavailable', 'Upstream pool unavailable: share not forwarded', channel, hash);
  }
  // the pool holds a share to its job's target, or to the channel's if that was eased since;
  // a block always goes up, even under a channel target harder than the network's (regtest)
  const easedSince = !hashMeetsTarget(channel.target, job.target);
  const forwarded = check.meetsTarget || (easedSince && hashMeetsTarget(hash, channel.target)) || check.isBlock;
  return {
    ok: true,
    hash,
    credited: held.difficulty,
    hashDifficulty: difficultyFromHash(hash),
    channel,
    entry,
    sv2,
    upstreamTarget: forwarded ? (easedSince ? channel.target : job.target) : null,
    isBlock: check.isBlock,
  };
}
