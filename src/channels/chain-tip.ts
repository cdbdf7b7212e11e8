/** The chain tip jobs are mined on: what the Mining SetNewPrevHash carries, plus the block target. */
import type { Target } from '../bitcoin/target.js';
import { bitsToTarget } from '../bitcoin/target.js';
import type { Messages } from '../messages/registry.js';
import { ChannelError } from './errors.js';

export interface ChainTip {
  /** As it goes in the header (internal byte order). */
  readonly prevHash: Uint8Array;
  readonly nbits: number;
  /** The smallest nTime a share may use (TDP header_timestamp / Mining min_ntime). */
  readonly minNtime: number;
  /** A share hash ≤ this (32 bytes little-endian) is a block: the target nbits encodes. */
  readonly networkTarget: Target;
}

export function chainTip(prevHash: Uint8Array, nbits: number, minNtime: number): ChainTip {
  if (prevHash.length !== 32) throw new ChannelError('invalid-prev-hash', `prev hash must be 32 bytes, got ${prevHash.length}`);
  let networkTarget: Target;
  try {
    networkTarget = bitsToTarget(nbits);
  } catch {
    throw new ChannelError('invalid-nbits', `nbits 0x${(nbits >>> 0).toString(16)} does not encode a target`);
  }
  // A copy: share validation keys its header midstate on this array's identity, so its bytes never change.
  return { prevHash: prevHash.slice(), nbits, minNtime, networkTarget };
}

/**
 * The tip from a Template Distribution SetNewPrevHash. Blocks are detected against nbits (what
 * consensus checks), not the message's `target` field.
 */
export function chainTipFromTdp(m: Messages['SetNewPrevHashTdp']): ChainTip {
  return chainTip(m.prevHash, m.nbits, m.headerTimestamp);
}

/** The tip a downstream learns from a Mining SetNewPrevHash. */
export function chainTipFromMining(m: Messages['SetNewPrevHash']): ChainTip {
  return chainTip(m.prevHash, m.nbits, m.minNtime);
}

export function sameTip(a: ChainTip, b: ChainTip): boolean {
  if (a.nbits !== b.nbits || a.minNtime !== b.minNtime) return false;
  for (let i = 0; i < 32; i++) if (a.prevHash[i] !== b.prevHash[i]) return false;
  return true;
}
