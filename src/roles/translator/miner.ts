/**
 * One Sv1 miner's state inside the translator: handshake progress, extranonce1, the negotiated
 * version-rolling mask, its difficulty (with the previous one, for shares on jobs sent before a
 * change), the channel it mines on, vardiff, hashrate meter and counters. The state changes only
 * through the methods below, each one step of the session's life; the decisions live in core.ts.
 */
import { hashMeetsTarget } from '../../bitcoin/target.js';
import { HashrateMeter } from '../../channels/index.js';
import { bytesToHex, difficultyToTarget } from '../../sv1/index.js';
import type { UpstreamChannel } from './channel.js';
import { PowerOfTwoVardiff } from './vardiff.js';

/** The connection a session talks through (an Sv1DownstreamConnection in the running translator). */
export interface MinerLink {
  readonly id: number;
  readonly remoteAddress: string;
  /** queues a line; false when the miner is gone */
  send(line: string): boolean;
  /** drops the miner, logging `detail` as the reason */
  kick(detail: string): void;
}

/** Why a share was answered `false`; also the label values of the rejection counters. */
export const SHARE_REJECT_REASONS = ['not-subscribed', 'unauthorized', 'stale', 'bad-extranonce2', 'invalid-ntime', 'invalid-share', 'duplicate', 'low-difficulty', 'upstream-unavailable'] as const;
export type ShareRejectReason = (typeof SHARE_REJECT_REASONS)[number];

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

/** The target a share is held to and the difficulty it is credited at. */
export interface ShareTarget {
  readonly target: Uint8Array;
  readonly difficulty: number;
}

/** Hashes remembered per miner for duplicate detection, within one prev hash. */
const MAX_RECENT_HASHES = 4096;

/** 16 bytes of a sha256d are plenty to tell shares apart. */
function hashKey(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, 16).toString('latin1');
}

export class MinerSession {
  readonly id: number;
  readonly link: MinerLink;
  readonly connectedAt: number;
  readonly vardiff: PowerOfTwoVardiff;
  readonly meter: HashrateMeter;
  private agent: string | null = null;
  private user: string | null = null;
  private isSubscribed = false;
  private isAuthorized = false;
  private isReady = false;
  private isClosed = false;
  private e1: Uint8Array | null = null;
  private mask: number | null = null;
  private minBitCount: number | null = null;
  private upstream: UpstreamChannel | null = null;
  private openingRequest: number | null = null;
  private current: ShareTarget;
  /** the target before the last change, still valid for jobs up to `changedAtSeq` */
  private previous: ShareTarget | null = null;
  private changedAtSeq = -1;
  private readonly counters: MinerStats = {
    sharesAccepted: 0,
    sharesRejected: 0,
    rejectedBy: {},
    sharesForwarded: 0,
    upstreamAccepted: 0,
    upstreamRejected: 0,
    bestDifficulty: 0,
    lastShareAt: null,
  };
  private readonly recent = new Set<string>();
  /** the chain tip the remembered hashes belong to (a new prev hash forgets them) */
  private recentTip: unknown = null;

  constructor(link: MinerLink, initialDifficulty: number, sharesPerMinute: number, now: number) {
    this.id = link.id;
    this.link = link;
    this.connectedAt = now;
    this.vardiff = new PowerOfTwoVardiff({ sharesPerMinute, initialDifficulty, now });
    this.current = { target: difficultyToTarget(this.vardiff.difficulty), difficulty: this.vardiff.difficulty };
    this.meter = new HashrateMeter(now);
  }

  get userAgent(): string | null {
    return this.agent;
  }

  get username(): string | null {
    return this.user;
  }

  /** The worker part of the Sv1 username (`account.worker` → `worker`), or the whole name. */
  get workerName(): string {
    const name = this.user ?? '';
    const dot = name.indexOf('.');
    return dot >= 0 ? name.slice(dot + 1) : name;
  }

  get subscribed(): boolean {
    return this.isSubscribed;
  }

  get authorized(): boolean {
    return this.isAuthorized;
  }

  /** subscribed and authorized: receives difficulty and jobs */
  get ready(): boolean {
    return this.isReady;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get extranonce1(): Uint8Array | null {
    return this.e1;
  }

  get extranonce1Hex(): string {
    return this.e1 === null ? '' : bytesToHex(this.e1);
  }

  /** BIP310 mask granted (already ∩ BIP323), null when not negotiated */
  get versionMask(): number | null {
    return this.mask;
  }

  get versionMinBitCount(): number | null {
    return this.minBitCount;
  }

  get channel(): UpstreamChannel | null {
    return this.upstream;
  }

  /** non-aggregated mode: the OpenExtendedMiningChannel in flight for this miner */
  get openingRequestId(): number | null {
    return this.openingRequest;
  }

  get difficulty(): number {
    return this.current.difficulty;
  }

  get target(): Uint8Array {
    return this.current.target;
  }

  get stats(): Readonly<MinerStats> {
    return this.counters;
  }

  // ---------------------------------------------------------------------------------------------
  // Handshake
  // ---------------------------------------------------------------------------------------------

  /** mining.configure's version-rolling answer: the granted mask (null: refused). */
  grantVersionRolling(mask: number | null, minBitCount: number | null): void {
    this.mask = mask;
    this.minBitCount = minBitCount;
  }

  /** mining.subscribe; the extranonce1 is kept from an earlier subscribe. */
  subscribe(userAgent: string | null, extranonce1: Uint8Array): void {
    this.e1 ??= extranonce1;
    this.agent = userAgent;
    this.isSubscribed = true;
  }

  /** mining.authorize; the first username stays the worker's name. */
  authorize(username: string): void {
    this.user ??= username;
    this.isAuthorized = true;
  }

  /** True exactly once: when the miner is first both subscribed and authorized. */
  becomeReady(): boolean {
    if (this.isReady || !this.isSubscribed || !this.isAuthorized) return false;
    this.isReady = true;
    return true;
  }

  /**
   * Marks the session closed and takes it off its channel. Returns what it held (its channel and
   * extranonce1) for the caller to release, or null when it was closed already.
   */
  close(): { channel: UpstreamChannel | null; extranonce1: Uint8Array | null } | null {
    if (this.isClosed) return null;
    this.isClosed = true;
    const channel = this.upstream;
    this.upstream = null;
    channel?.miners.delete(this);
    return { channel, extranonce1: this.e1 };
  }

  // ---------------------------------------------------------------------------------------------
  // Channel
  // ---------------------------------------------------------------------------------------------

  /** Moves the miner onto `channel`; false when it is there already. */
  attach(channel: UpstreamChannel): boolean {
    if (this.upstream === channel) return false;
    this.upstream?.miners.delete(this);
    this.upstream = channel;
    channel.miners.add(this);
    return true;
  }

  openingChannel(requestId: number | null): void {
    this.openingRequest = requestId;
  }

  // ---------------------------------------------------------------------------------------------
  // Difficulty
  // ---------------------------------------------------------------------------------------------

  /**
   * Changes the difficulty; jobs up to `jobSeq` (sent before the change) keep counting at the
   * easier of the old and new targets. False when the difficulty is unchanged.
   */
  setDifficulty(difficulty: number, jobSeq: number): boolean {
    if (difficulty === this.current.difficulty) return false;
    this.previous = this.current;
    this.changedAtSeq = jobSeq;
    this.current = { target: difficultyToTarget(difficulty), difficulty };
    return true;
  }

  /** Sets the difficulty before any job was sent: no earlier target to honour. */
  presetDifficulty(difficulty: number): void {
    this.current = { target: difficultyToTarget(difficulty), difficulty };
  }

  /** What a share on the Sv1 job numbered `jobSeq` is held to (a job sent before the last change counts at the easier target). */
  shareTarget(jobSeq: number): ShareTarget {
    const previous = this.previous;
    if (jobSeq <= this.changedAtSeq && previous !== null && !hashMeetsTarget(previous.target, this.current.target)) return previous;
    return this.current;
  }

  // ---------------------------------------------------------------------------------------------
  // Shares
  // ---------------------------------------------------------------------------------------------

  /** Whether this miner already sent `hash` since the last prev hash of `channel` (reads only). */
  isDuplicate(hash: Uint8Array, channel: UpstreamChannel): boolean {
    return this.recentTip === channel.sv2.tip && this.recent.has(hashKey(hash));
  }

  /** Records a share hash for duplicate detection (bounded: beyond the cap the oldest are forgotten). */
  rememberHash(hash: Uint8Array, channel: UpstreamChannel): void {
    if (this.recentTip !== channel.sv2.tip) {
      this.recent.clear();
      this.recentTip = channel.sv2.tip;
    }
    this.recent.add(hashKey(hash));
    if (this.recent.size > MAX_RECENT_HASHES) this.recent.delete(this.recent.values().next().value!);
  }

  /** A share answered `true`, credited at `credited`; `hashDifficulty` is what its hash achieved. */
  recordAccepted(credited: number, hashDifficulty: number, forwarded: boolean, now: number): void {
    const c = this.counters;
    c.sharesAccepted++;
    if (forwarded) c.sharesForwarded++;
    c.lastShareAt = now;
    if (hashDifficulty > c.bestDifficulty) c.bestDifficulty = hashDifficulty;
    this.vardiff.recordShare(credited);
    this.meter.record(credited, now);
  }

  reject(reason: ShareRejectReason): void {
    this.counters.sharesRejected++;
    this.counters.rejectedBy[reason] = (this.counters.rejectedBy[reason] ?? 0) + 1;
  }

  /** The pool's later answer to a forwarded share. */
  recordUpstreamAnswer(accepted: boolean): void {
    if (accepted) this.counters.upstreamAccepted++;
    else this.counters.upstreamRejected++;
  }
}
