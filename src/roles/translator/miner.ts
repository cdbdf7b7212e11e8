/**
 * One Sv1 miner's state inside the translator: handshake progress, extranonce1, the negotiated
 * version-rolling mask, its difficulty (with the previous one, for shares on jobs sent before a
 * change), vardiff, hashrate meter and counters. The decisions live in core.ts.
 */
import { bytesToHex, difficultyToTarget } from '../../sv1/index.js';
import type { UpstreamChannel } from './channel.js';
import { HashrateMeter, PowerOfTwoVardiff } from './vardiff.js';

/** The connection a session talks through (an Sv1DownstreamConnection in the running translator). */
export interface MinerLink {
  readonly id: number;
  readonly remoteAddress: string;
  /** queues a line; false when the miner is gone */
  send(line: string): boolean;
  /** drops the miner, logging `detail` as the reason */
  kick(detail: string): void;
}

/** Why a share was answered `false`; also the label of the rejection counters. */
export type ShareRejectReason =
  | 'not-subscribed'
  | 'unauthorized'
  | 'stale'
  | 'bad-extranonce2'
  | 'invalid-ntime'
  | 'invalid-share'
  | 'duplicate'
  | 'low-difficulty'
  | 'upstream-unavailable';

export interface MinerStats {
  sharesAccepted: number;
  sharesRejected: number;
  rejectedBy: Partial<Record<ShareRejectReason, number>>;
  /** shares that also met the upstream target and were sent to the pool */
  sharesForwarded: number;
  /** of those, acknowledged by the pool / refused by it (Sv1 cannot take an answer back: logged and counted) */
  upstreamAccepted: number;
  upstreamRejected: number;
  bestDifficulty: number;
  lastShareAt: number | null;
}

/** Hashes remembered per miner for duplicate detection, within one prev hash. */
const MAX_RECENT_HASHES = 4096;

export class MinerSession {
  readonly id: number;
  readonly link: MinerLink;
  readonly connectedAt: number;
  userAgent: string | null = null;
  username: string | null = null;
  subscribed = false;
  authorized = false;
  /** subscribed and authorized: receives difficulty and jobs */
  ready = false;
  extranonce1: Uint8Array | null = null;
  /** BIP310 mask granted (already ∩ BIP323), null when not negotiated */
  versionMask: number | null = null;
  versionMinBitCount: number | null = null;
  channel: UpstreamChannel | null = null;
  /** non-aggregated mode: an OpenExtendedMiningChannel is in flight for this miner */
  openingRequestId: number | null = null;
  difficulty: number;
  target: Uint8Array;
  /** the difficulty before the last change, valid for jobs up to `changedAtSeq` */
  previousTarget: Uint8Array | null = null;
  previousDifficulty = 0;
  changedAtSeq = -1;
  readonly vardiff: PowerOfTwoVardiff;
  readonly meter: HashrateMeter;
  readonly stats: MinerStats = {
    sharesAccepted: 0,
    sharesRejected: 0,
    rejectedBy: {},
    sharesForwarded: 0,
    upstreamAccepted: 0,
    upstreamRejected: 0,
    bestDifficulty: 0,
    lastShareAt: null,
  };
  private recent = new Set<string>();
  /** the chain tip the remembered hashes belong to (a new prev hash forgets them) */
  private recentTip: unknown = null;
  closed = false;

  constructor(link: MinerLink, initialDifficulty: number, sharesPerMinute: number, now: number) {
    this.id = link.id;
    this.link = link;
    this.connectedAt = now;
    this.vardiff = new PowerOfTwoVardiff({ sharesPerMinute, initialDifficulty, now });
    this.difficulty = this.vardiff.difficulty;
    this.target = difficultyToTarget(this.difficulty);
    this.meter = new HashrateMeter(now);
  }

  /** The worker part of the Sv1 username (`account.worker` → `worker`), or the whole name. */
  get workerName(): string {
    const name = this.username ?? '';
    const dot = name.indexOf('.');
    return dot >= 0 ? name.slice(dot + 1) : name;
  }

  get extranonce1Hex(): string {
    return this.extranonce1 === null ? '' : bytesToHex(this.extranonce1);
  }

  /**
   * Records the share hash; false if this miner already sent it since the last prev hash of
   * its channel (memory is bounded: beyond the cap the oldest hashes are forgotten).
   */
  rememberHash(hash: Uint8Array, channel: UpstreamChannel): boolean {
    if (this.recentTip !== channel.sv2.tip) {
      this.recent.clear();
      this.recentTip = channel.sv2.tip;
    }
    // 16 bytes of a sha256d are plenty to tell shares apart
    const key = Buffer.from(hash.buffer, hash.byteOffset, 16).toString('latin1');
    if (this.recent.has(key)) return false;
    this.recent.add(key);
    if (this.recent.size > MAX_RECENT_HASHES) this.recent.delete(this.recent.values().next().value!);
    return true;
  }

  reject(reason: ShareRejectReason): void {
    this.stats.sharesRejected++;
    this.stats.rejectedBy[reason] = (this.stats.rejectedBy[reason] ?? 0) + 1;
  }
}
