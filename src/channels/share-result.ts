/** What share validation returns: an accepted share (maybe a block) or a rejection with its error code. */
import type { Messages } from '../messages/registry.js';
import { MiningErrorCode } from '../messages/mining.js';

/** The SubmitShares.Error codes share validation produces (SRI's strings). */
export type ShareErrorCode =
  | typeof MiningErrorCode.InvalidChannelId
  | typeof MiningErrorCode.InvalidJobId
  | typeof MiningErrorCode.StaleShare
  | typeof MiningErrorCode.InvalidShare
  | typeof MiningErrorCode.DuplicateShare
  | typeof MiningErrorCode.DifficultyTooLow
  | typeof MiningErrorCode.BadExtranonceSize
  | typeof MiningErrorCode.InvalidNonRollableVersionBit
  | typeof MiningErrorCode.VersionRollingNotAllowed
  | typeof TOO_MANY_SHARES;

/**
 * Our code (SRI's error strings are free-form) for a share refused because its channel already
 * sent more shares on this prev hash than duplicate detection can remember: crediting it could
 * credit a replay. Vardiff raises such a channel's target; the next block clears it.
 */
export const TOO_MANY_SHARES = 'too-many-shares';

/** Everything needed to build the block or send SubmitSolution / PushSolution. */
export interface BlockFound {
  /** The template the job came from; null for a custom job (the JD client holds the template). */
  readonly templateId: bigint | null;
  readonly jobId: number;
  /** The 80-byte header and its hash (internal byte order). */
  readonly header: Uint8Array;
  readonly hash: Uint8Array;
  readonly version: number;
  readonly prevHash: Uint8Array;
  readonly ntime: number;
  readonly nbits: number;
  readonly nonce: number;
  readonly merkleRoot: Uint8Array;
  /** The full coinbase transaction, with its BIP141 fields when segwit. */
  readonly coinbase: Uint8Array;
  /** The full extranonce (channel prefix ‖ submitted extranonce). */
  readonly extranonce: Uint8Array;
  /** The merkle path of the job, deepest first (with the coinbase: the whole header commitment). */
  readonly merklePath: readonly Uint8Array[];
}

export interface ShareAccepted {
  readonly ok: true;
  /** The share hash (compare as a little-endian integer). */
  readonly hash: Uint8Array;
  /** The difficulty credited: that of the target the share was checked against. */
  readonly difficulty: number;
  /** Set when the share is also a block. */
  readonly block: BlockFound | null;
  /** A SubmitShares.Success to send now (the batch is full, or a block was found), else null. */
  readonly ack: Messages['SubmitSharesSuccess'] | null;
}

export interface ShareRejected {
  readonly ok: false;
  readonly code: ShareErrorCode;
  /** The SubmitShares.Error to send. */
  readonly error: Messages['SubmitSharesError'];
}

export type ShareResult = ShareAccepted | ShareRejected;

export function shareError(channelId: number, sequenceNumber: number, code: ShareErrorCode): ShareRejected {
  return { ok: false, code, error: { channelId, sequenceNumber, errorCode: code } };
}

/** The rejection for a share naming a channel the connection does not have. */
export function unknownChannel(share: { channelId: number; sequenceNumber: number }): ShareRejected {
  return shareError(share.channelId, share.sequenceNumber, MiningErrorCode.InvalidChannelId);
}

/** TDP SubmitSolution for a block found on template work. */
export function submitSolution(block: BlockFound): Messages['SubmitSolution'] {
  if (block.templateId === null) throw new TypeError('a custom job has no template to submit a solution for');
  return { templateId: block.templateId, version: block.version, headerTimestamp: block.ntime, headerNonce: block.nonce, coinbaseTx: block.coinbase };
}

/** JD PushSolution for a block found on a custom job. */
export function pushSolution(block: BlockFound): Messages['PushSolution'] {
  return { extranonce: block.extranonce, prevHash: block.prevHash, nonce: block.nonce, ntime: block.ntime, nbits: block.nbits, version: block.version };
}
