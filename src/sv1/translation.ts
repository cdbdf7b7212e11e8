/**
 * Pure Sv2 ⇄ Sv1 mapping for a translator, bytes only (no channel state).
 *
 * Extranonce layout. An Sv2 extended channel has `extranonce_prefix` (fixed upstream) and owns
 * `extranonce_size` further bytes. The translator puts the whole prefix at the end of coinb1,
 * gives each miner a distinct extranonce1 out of the channel's own bytes, and leaves the rest to
 * the miner as extranonce2:
 *
 *   Sv2: coinbase_tx_prefix ‖ extranonce_prefix ‖ [ extranonce (extranonce_size bytes) ] ‖ coinbase_tx_suffix
 *   Sv1: [ coinb1                               ] ‖ [ extranonce1 ‖ extranonce2 ]          ‖ [ coinb2 ]
 *
 * so one `mining.notify` serves every miner of the channel, and a share's Sv2 `extranonce` is
 * extranonce1 ‖ extranonce2.
 */
import { Sv1ProtocolError } from './errors.js';
import { concatBytes } from '../bitcoin/bytes.js';
import { rolledVersion } from './header.js';
import type { Sv1Job, Sv1Share } from './types.js';

/** The fields of an Sv2 NewExtendedMiningJob the Sv1 job needs. */
export interface Sv2ExtendedJobFields {
  jobId: number;
  /** the job's min_ntime; null/undefined for a future job (activated by SetNewPrevHash) */
  minNtime?: number | null;
  version: number;
  versionRollingAllowed: boolean;
  /** 32-byte nodes, internal byte order, deepest first */
  merklePath: readonly Uint8Array[];
  coinbaseTxPrefix: Uint8Array;
  coinbaseTxSuffix: Uint8Array;
}

/** The fields of an Sv2 SetNewPrevHash. */
export interface Sv2PrevHashFields {
  /** header byte order, as on the Sv2 wire */
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
}

export interface Sv1JobOptions {
  /** the channel's extranonce_prefix, appended to coinb1 */
  extranoncePrefix: Uint8Array;
  /** the Sv1 job id (the translator maps it back to the Sv2 job id) */
  jobId: string;
  cleanJobs: boolean;
  /** ntime to advertise; defaults to the job's min_ntime, else the prev hash's */
  ntime?: number;
}

/** The Sv1 job (to pass to buildNotify) for an Sv2 extended job under a prev hash. */
export function sv1JobFromSv2(job: Sv2ExtendedJobFields, prevHash: Sv2PrevHashFields, options: Sv1JobOptions): Sv1Job {
  if (prevHash.prevHash.length !== 32) throw new Sv1ProtocolError('invalid-value', `prev hash must be 32 bytes, got ${prevHash.prevHash.length}`);
  for (const [i, node] of job.merklePath.entries()) {
    if (node.length !== 32) throw new Sv1ProtocolError('invalid-value', `merkle path node ${i} must be 32 bytes, got ${node.length}`);
  }
  return {
    jobId: options.jobId,
    prevHash: prevHash.prevHash,
    coinb1: concatBytes(job.coinbaseTxPrefix, options.extranoncePrefix),
    coinb2: job.coinbaseTxSuffix,
    merkleBranches: [...job.merklePath],
    version: job.version >>> 0,
    nbits: prevHash.nbits >>> 0,
    ntime: (options.ntime ?? job.minNtime ?? prevHash.minNtime) >>> 0,
    cleanJobs: options.cleanJobs,
  };
}

/** extranonce2 size left to each miner when every miner gets `extranonce1Size` of the channel's bytes. */
export function sv1Extranonce2Size(channelExtranonceSize: number, extranonce1Size: number): number {
  const size = channelExtranonceSize - extranonce1Size;
  if (!Number.isInteger(size) || extranonce1Size < 0 || size < 1 || size > 32) {
    throw new Sv1ProtocolError(
      'extranonce-mismatch',
      `a channel extranonce of ${channelExtranonceSize} bytes cannot give ${extranonce1Size} to extranonce1 and 1..32 to extranonce2`,
    );
  }
  return size;
}

export interface Sv1ShareContext {
  /** the submitting miner's extranonce1 (part of the channel's own extranonce bytes) */
  extranonce1: Uint8Array;
  /** extranonce_size of the Sv2 channel: extranonce1 ‖ extranonce2 must fill it exactly */
  channelExtranonceSize: number;
  /** the version of the job the share is for */
  jobVersion: number;
  /** the mask negotiated with this miner; pass 0 when rolling was not negotiated or the job forbids it */
  versionMask: number;
}

/** The share fields of an Sv2 SubmitSharesExtended (the caller adds channel, sequence and job ids). */
export interface Sv2ShareFields {
  extranonce: Uint8Array;
  version: number;
  ntime: number;
  nonce: number;
}

export function sv2ShareFromSv1(share: Sv1Share, context: Sv1ShareContext): Sv2ShareFields {
  const size = context.extranonce1.length + share.extranonce2.length;
  if (size !== context.channelExtranonceSize) {
    throw new Sv1ProtocolError(
      'extranonce-mismatch',
      `extranonce1 (${context.extranonce1.length} bytes) + extranonce2 (${share.extranonce2.length} bytes) must fill the channel's ${context.channelExtranonceSize} bytes`,
    );
  }
  return {
    extranonce: concatBytes(context.extranonce1, share.extranonce2),
    version: rolledVersion(context.jobVersion, share.versionBits, context.versionMask),
    ntime: share.ntime >>> 0,
    nonce: share.nonce >>> 0,
  };
}
