/**
 * The CPU mining device: hashing threads plus one upstream session (Sv2 standard or extended
 * channel, or Sv1). It keeps the counters a live view shows and emits an event for everything
 * that happens, so a UI or a test can follow it without polling.
 */
import { Sv2Error } from '../../codec/sv2-error.js';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { difficultyFromTarget } from '../../bitcoin/target.js';
import type { FoundShare, SearchWork } from './hash-search.js';
import { HeaderSearch } from './hash-search.js';
import { HasherPool } from './hasher-pool.js';
import { parseMinerUrl, type MinerUrl } from './miner-url.js';
import type { ChannelInfo, SessionHost, SubmittedShare, UpstreamSession } from './session.js';
import { Sv1Session } from './sv1-session.js';
import { Sv2Session } from './sv2-session.js';

export interface MinerOptions {
  /** `stratum2+tcp://host:port/<authority key>` (Sv2) or `stratum+tcp://host:port` (Sv1). */
  url: string;
  /** user_identity (Sv2) / worker name (Sv1). */
  user?: string;
  /** Sv1 password (default "x"). */
  password?: string;
  /** Hashing threads (default: one per core). */
  threads?: number;
  /** Sv2: open an extended channel and roll the extranonce, instead of header-only mining. */
  extended?: boolean;
  /**
   * H/s announced when the channel opens (default: measured at start). Once the miner has
   * measured itself, a rate off by more than `updateChannelRatio` is corrected with UpdateChannel.
   */
  nominalHashrate?: number;
  /** Seconds between hashrate measurements (the 'hashrate' event and UpdateChannel checks); default 10. */
  hashrateReportSecs?: number;
  /** Measured/announced hashrate ratio beyond which UpdateChannel is sent (default 2). */
  updateChannelRatio?: number;
  /** min_extranonce_size for an extended channel (default 4). */
  minExtranonceSize?: number;
  /** First reconnect wait (ms, default 1000); doubles up to `maxReconnectDelayMs` (default 30 000). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** SetupConnection.device_id (default empty: no telemetry). */
  deviceId?: string;
}

export class MinerConfigError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_CONFIG', message, options);
  }
}

export type DropReason = 'stale' | 'target' | 'backlog' | 'disconnected';

export interface MinerStats {
  protocol: 'sv2' | 'sv1';
  /** host:port of the pool connected to, or null. */
  upstream: string | null;
  channel: ChannelInfo | null;
  threads: number;
  /** Measured H/s (over the last few report periods). */
  hashrate: number;
  /** The H/s last announced to the pool. */
  nominalHashrate: number;
  /** The share target in force (32 bytes LE), and its difficulty. */
  target: Uint8Array | null;
  difficulty: number;
  submitted: number;
  accepted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  /** Sum of the difficulty of accepted shares, as the pool acknowledged it. */
  acceptedDifficulty: number;
  /** Shares whose hash met the network target. */
  blocks: number;
  dropped: Record<DropReason, number>;
  /** Successful connections so far (the first one included). */
  connects: number;
  totalHashes: number;
  uptimeSeconds: number;
}

export interface MinerEvents {
  connected: [info: { host: string; port: number }];
  'connect-failed': [info: { host: string; port: number; reason: string }];
  disconnected: [info: { reason: string; retryInMs: number | null }];
  channel: [info: ChannelInfo & { target: Uint8Array; difficulty: number }];
  target: [info: { target: Uint8Array; difficulty: number }];
  work: [info: { jobId: number | string; cleanJobs: boolean }];
  'share-submitted': [share: SubmittedShare & { difficulty: number }];
  /** Sv2 acknowledges in batches: `count` shares up to sequence number `id`. */
  'share-accepted': [info: { count: number; difficultySum: number; id: number | null }];
  'share-rejected': [info: { reason: string; id: number | null }];
  block: [share: SubmittedShare];
  hashrate: [info: { hashrate: number; steady: boolean }];
  'nominal-hashrate': [hashrate: number];
  reconnect: [info: { host: string; port: number; reason: string }];
  notice: [message: string];
}

const VENDOR = 'stratum-v2-ts cpu miner';
const MAX_REJECT_REASONS = 32;

/** H/s the machine can do on `threads` threads, from a short single-thread run now. */
export function estimateHashrate(threads: number, ms = 40): number {
  const search = new HeaderSearch({ jobKey: 0, header: new Uint8Array(80), target: new Uint8Array(32), versionRollingMask: 0 });
  let hashes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    search.run(256);
    hashes += 256;
  }
  const perThread = hashes / ((performance.now() - t0) / 1000);
  return perThread * Math.min(threads, availableParallelism());
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new MinerConfigError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  return v;
}

export class Miner extends EventEmitter<MinerEvents> {
  readonly url: MinerUrl;
  readonly threads: number;
  private readonly hashers: HasherPool;
  private readonly session: UpstreamSession;
  private readonly reportMs: number;
  private readonly samples: { t: number; hashes: number }[] = [];
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private nextJobKey = 1;
  private nominal: number;
  private closed = false;
  private readonly counters: Omit<MinerStats, 'protocol' | 'threads' | 'totalHashes' | 'uptimeSeconds'> = {
    upstream: null,
    channel: null,
    hashrate: 0,
    nominalHashrate: 0,
    target: null,
    difficulty: 0,
    submitted: 0,
    accepted: 0,
    rejected: 0,
    rejectReasons: Object.create(null) as Record<string, number>,
    acceptedDifficulty: 0,
    blocks: 0,
    dropped: { stale: 0, target: 0, backlog: 0, disconnected: 0 },
    connects: 0,
  };

  private constructor(opts: MinerOptions, url: MinerUrl) {
    super();
    this.url = url;
    this.threads = positive('threads', opts.threads, availableParallelism(), true);
    this.reportMs = positive('hashrate report interval', opts.hashrateReportSecs, 10) * 1000;
    if (opts.nominalHashrate !== undefined) positive('nominal hashrate', opts.nominalHashrate, 1);
    const ratio = positive('UpdateChannel ratio', opts.updateChannelRatio, 2);
    if (ratio <= 1) throw new MinerConfigError(`UpdateChannel ratio must be above 1, got ${ratio}`);
    const minExtranonceSize = opts.minExtranonceSize ?? 4;
    if (!Number.isInteger(minExtranonceSize) || minExtranonceSize < 0 || minExtranonceSize > 32) throw new MinerConfigError(`min extranonce size must be 0..32, got ${minExtranonceSize}`);
    const backoff = { initialMs: positive('reconnect delay', opts.reconnectDelayMs, 1000), maxMs: positive('max reconnect delay', opts.maxReconnectDelayMs, 30_000) };
    if (opts.extended && url.protocol === 'sv1') throw new MinerConfigError('--extended is for Sv2 pools; an Sv1 pool always sends extended-style jobs');
    const user = opts.user ?? 'sv2-cpu-miner';
    if (user.length === 0 || Buffer.byteLength(user) > 255) throw new MinerConfigError('user must be 1..255 bytes');

    this.nominal = opts.nominalHashrate ?? estimateHashrate(this.threads);
    this.hashers = new HasherPool(this.threads);
    this.hashers.on('share', (s) => this.onShare(s));
    this.hashers.on('error', (e) => this.emit('notice', `hashing thread failed: ${e.message}`));
    const host = this.sessionHost(user, opts.password ?? 'x');
    this.session =
      url.protocol === 'sv2'
        ? new Sv2Session(host, { pool: url.pool, extended: opts.extended ?? false, minExtranonceSize, updateChannelRatio: ratio, backoff, deviceId: opts.deviceId ?? '' })
        : new Sv1Session(host, { host: url.host, port: url.port, backoff });
  }

  /**
   * Starts hashing threads and the upstream session; connecting happens in the background
   * (watch 'connected' / 'connect-failed'). Bad options throw MinerConfigError or PoolUrlError.
   */
  static start(opts: MinerOptions): Miner {
    const miner = new Miner(opts, parseMinerUrl(opts.url));
    miner.session.start();
    miner.samples.push({ t: performance.now(), hashes: 0 });
    miner.timer = setInterval(() => miner.report(), miner.reportMs);
    miner.timer.unref();
    return miner;
  }

  stats(): MinerStats {
    const c = this.counters;
    return {
      ...c,
      protocol: this.url.protocol,
      threads: this.threads,
      rejectReasons: { ...c.rejectReasons },
      dropped: { ...c.dropped },
      totalHashes: this.hashers.totalHashes,
      uptimeSeconds: (performance.now() - this.startedAt) / 1000,
    };
  }

  /** Stops the session (closing the connection) and the hashing threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.session.close();
    await this.hashers.stop();
  }

  private report(): void {
    const now = performance.now();
    const hashes = this.hashers.totalHashes;
    this.samples.push({ t: now, hashes });
    // A window of three report periods smooths the thread scheduling noise.
    while (this.samples.length > 2 && now - this.samples[0]!.t > 3 * this.reportMs + this.reportMs / 2) this.samples.shift();
    const first = this.samples[0]!;
    const hashrate = now > first.t ? ((hashes - first.hashes) * 1000) / (now - first.t) : 0;
    const since = this.hashers.hashingSince;
    const steady = since !== null && since <= first.t;
    this.counters.hashrate = hashrate;
    this.emit('hashrate', { hashrate, steady });
    this.session.onHashrate(hashrate, steady);
  }

  private onShare(share: FoundShare): void {
    if (!this.closed) this.session.onShare(share);
  }

  private sessionHost(user: string, password: string): SessionHost {
    const c = this.counters;
    // A share's target is the work's: one bigint division per work, not per share.
    let memo: { target: Uint8Array; difficulty: number } | null = null;
    const difficultyOf = (target: Uint8Array): number => {
      if (memo?.target !== target) memo = { target, difficulty: difficultyFromTarget(target) };
      return memo.difficulty;
    };
    const setTarget = (target: Uint8Array): number => {
      c.target = target;
      c.difficulty = difficultyFromTarget(target);
      return c.difficulty;
    };
    return {
      user,
      password,
      vendor: VENDOR,
      threads: this.threads,
      mine: (work: Omit<SearchWork, 'jobKey'>) => {
        const jobKey = this.nextJobKey++;
        if (!this.closed) this.hashers.setWork({ ...work, jobKey });
        return jobKey;
      },
      tightenTarget: (jobKey, target) => this.hashers.setTarget(jobKey, target),
      idle: () => {
        if (!this.closed) this.hashers.idle();
      },
      nominalHashrate: () => {
        c.nominalHashrate = this.nominal;
        return this.nominal;
      },
      nowSeconds: () => Math.floor(Date.now() / 1000),
      connected: (host, port) => {
        c.upstream = `${host}:${port}`;
        c.connects++;
        this.emit('connected', { host, port });
      },
      connectFailed: (host, port, reason) => this.emit('connect-failed', { host, port, reason }),
      disconnected: (reason, retryInMs) => {
        c.upstream = null;
        c.channel = null;
        this.emit('disconnected', { reason, retryInMs });
      },
      channelOpened: (info, target) => {
        c.channel = info;
        this.emit('channel', { ...info, target, difficulty: setTarget(target) });
      },
      targetChanged: (target) => this.emit('target', { target, difficulty: setTarget(target) }),
      newWork: (jobId, cleanJobs) => this.emit('work', { jobId, cleanJobs }),
      submitted: (share) => {
        c.submitted++;
        this.emit('share-submitted', { ...share, difficulty: difficultyOf(share.target) });
        if (share.isBlock) {
          c.blocks++;
          this.emit('block', share);
        }
      },
      accepted: (count, difficultySum, id) => {
        c.accepted += count;
        c.acceptedDifficulty += difficultySum;
        this.emit('share-accepted', { count, difficultySum, id });
      },
      rejected: (reason, id) => {
        c.rejected++;
        // The pool picks the reason strings: past a few dozen distinct ones they are lumped together.
        const key = reason in c.rejectReasons || Object.keys(c.rejectReasons).length < MAX_REJECT_REASONS ? reason : 'other';
        c.rejectReasons[key] = (c.rejectReasons[key] ?? 0) + 1;
        this.emit('share-rejected', { reason, id });
      },
      dropped: (reason) => c.dropped[reason]++,
      reconnecting: (host, port, reason) => {
        c.upstream = null;
        c.channel = null;
        this.emit('reconnect', { host, port, reason });
      },
      nominalHashrateSent: (hashrate) => {
        this.nominal = hashrate;
        c.nominalHashrate = hashrate;
        this.emit('nominal-hashrate', hashrate);
      },
      notice: (message) => this.emit('notice', message),
    };
  }
}
