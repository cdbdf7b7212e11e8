/**
 * The translator's brain (SRI's "channel manager"): owns every miner session and upstream
 * channel, answers Sv1 requests, turns Sv2 jobs into `mining.notify`, checks shares and forwards
 * those that meet the upstream target. No sockets and no timers: the runtime feeds it miner
 * messages, upstream messages and `tick(now)`, so it is tested with plain values.
 *
 * Share answers. Sv1 has no way to take an answer back, so a miner is answered at once, after a
 * local check of everything the translator can know: the job is live (same prev hash and prefix,
 * upstream connected), extranonce2 has the right size, the share is not a duplicate, and its hash
 * meets the miner's own target. Only then `true`; anything else is `false` with an error. A share
 * the pool later refuses (SubmitShares.Error) is logged and counted per miner.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { MAX_FUTURE_BLOCK_TIME } from '../../bitcoin/header.js';
import { difficultyFromHash } from '../../bitcoin/target.js';
import { ChannelError } from '../../channels/index.js';
import type { ClientJob } from '../../channels/index.js';
import { MiningErrorCode } from '../../messages/index.js';
import type { AnyMessage, Messages } from '../../messages/index.js';
import {
  BIP323_VERSION_MASK,
  SV1_ERROR,
  buildConfigureResult,
  buildError,
  buildResult,
  buildSetDifficulty,
  buildSubscribeResult,
  bytesToHex,
  difficultyToTarget,
  grantConfigure,
  hashMeetsTarget,
  sv2ShareFromSv1,
  targetToDifficulty,
} from '../../sv1/index.js';
import type { Sv1ClientMessage, Sv1Id, Sv1Share } from '../../sv1/index.js';
import { UpstreamChannel } from './channel.js';
import { Extranonce1Allocator } from './extranonce1.js';
import { MinerSession } from './miner.js';
import type { MinerLink, ShareRejectReason } from './miner.js';
import type { UpstreamAction, UpstreamLink } from './upstream.js';
import { difficultyForHashrate, hashrateForDifficulty } from './vardiff.js';

/** Bytes of every upstream channel's extranonce the translator keeps for extranonce1: 65 536 miners per channel. */
export const EXTRANONCE1_SIZE = 2;
const MAX_TARGET = new Uint8Array(32).fill(0xff);
/** An aggregated channel's nominal hashrate is re-announced when it moves by this fraction. */
const HASHRATE_UPDATE_RATIO = 0.1;
/** UpdateChannel at most this often per channel (spec: a proxy may debounce to one per second). */
const UPDATE_CHANNEL_MIN_MS = 1_000;
/** A pool that leaves OpenExtendedMiningChannel unanswered this long is treated as refusing it. */
export const OPEN_CHANNEL_TIMEOUT_MS = 10_000;

export interface TranslatorCoreOptions {
  aggregateChannels: boolean;
  extranonce2Size: number;
  sharesPerMinute: number;
  minIndividualMinerHashrate: number;
  enableVardiff: boolean;
  jobKeepaliveIntervalSecs: number;
  maxPastJobs: number;
  logger: Logger;
  /** ms clock; Date.now by default */
  now?: () => number;
  /** requests to the connection manager (reconnect, fall back) */
  onUpstreamAction?: (action: UpstreamAction) => void;
}

export interface TranslatorTotals {
  sharesAccepted: number;
  sharesRejected: Partial<Record<ShareRejectReason, number>>;
  sharesForwarded: number;
  upstreamAccepted: number;
  upstreamRejected: Record<string, number>;
  blocksFound: number;
  jobsSent: number;
  keepaliveJobs: number;
  endpointChanges: number;
  minersConnected: number;
  minersRefused: number;
}

/** What happened, for observers (tests, embedding applications); the core never waits on listeners. */
export interface TranslatorEvents {
  'channel-opened': [channelId: number];
  /** a notify went to the channel's miners */
  job: [channelId: number, sv1JobId: string, clean: boolean];
  /** a share answered true; `forwarded` when it also went to the pool */
  'share-accepted': [minerId: number, forwarded: boolean];
  'share-rejected': [minerId: number, reason: ShareRejectReason];
  'upstream-accepted': [channelId: number, count: number];
  'upstream-rejected': [channelId: number, minerId: number | undefined, errorCode: string];
  /** hash in display order (big-endian hex) */
  'block-found': [minerId: number, hash: string];
}

interface UpstreamState {
  link: UpstreamLink;
  userIdentity: string;
  label: string;
  since: number;
}

type PendingOpen = ({ kind: 'aggregate' } | { kind: 'miner'; miner: MinerSession }) & { sentAt: number };

export class TranslatorCore {
  private readonly o: TranslatorCoreOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly miners = new Map<number, MinerSession>();
  private readonly channels = new Map<number, UpstreamChannel>();
  /** every channel a miner may still hold a job of: open ones and orphans kept for keep-alive */
  private readonly tracked = new Set<UpstreamChannel>();
  private readonly pendingOpens = new Map<number, PendingOpen>();
  private readonly extranonce1 = new Extranonce1Allocator(EXTRANONCE1_SIZE);
  private upstream: UpstreamState | null = null;
  private aggregate: UpstreamChannel | null = null;
  private aggregateRequest: number | null = null;
  private nextRequestId = 1;
  private jobSeq = 0;
  private readonly lastUpdate = new Map<UpstreamChannel, { at: number; hashrate: number }>();
  readonly events = new EventEmitter<TranslatorEvents>();
  readonly totals: TranslatorTotals = {
    sharesAccepted: 0,
    sharesRejected: {},
    sharesForwarded: 0,
    upstreamAccepted: 0,
    upstreamRejected: {},
    blocksFound: 0,
    jobsSent: 0,
    keepaliveJobs: 0,
    endpointChanges: 0,
    minersConnected: 0,
    minersRefused: 0,
  };

  constructor(options: TranslatorCoreOptions) {
    this.o = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
  }

  // ---------------------------------------------------------------------------------------------
  // Read side (monitoring)
  // ---------------------------------------------------------------------------------------------

  get sessions(): IterableIterator<MinerSession> {
    return this.miners.values();
  }

  miner(id: number): MinerSession | undefined {
    return this.miners.get(id);
  }

  get minerCount(): number {
    return this.miners.size;
  }

  get upstreamChannels(): IterableIterator<UpstreamChannel> {
    return this.channels.values();
  }

  get upstreamLabel(): string | null {
    return this.upstream?.label ?? null;
  }

  get upstreamSince(): number | null {
    return this.upstream?.since ?? null;
  }

  /** The difficulty a new miner starts at. */
  get initialDifficulty(): number {
    return difficultyForHashrate(this.o.minIndividualMinerHashrate, this.o.sharesPerMinute);
  }

  // ---------------------------------------------------------------------------------------------
  // Miners
  // ---------------------------------------------------------------------------------------------

  addMiner(link: MinerLink): MinerSession {
    const session = new MinerSession(link, this.initialDifficulty, this.o.sharesPerMinute, this.now());
    this.miners.set(session.id, session);
    this.totals.minersConnected++;
    return session;
  }

  removeMiner(session: MinerSession, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.miners.delete(session.id);
    if (session.extranonce1 !== null) this.extranonce1.release(session.extranonce1);
    const channel = session.channel;
    session.channel = null;
    if (channel !== null) {
      channel.miners.delete(session);
      if (!this.o.aggregateChannels) this.closeChannel(channel, 'downstream disconnected');
    }
    this.log.info({ miner: session.id, worker: session.username, reason }, 'miner disconnected');
  }

  minerMessage(s: MinerSession, m: Sv1ClientMessage): void {
    if (s.closed) return;
    switch (m.type) {
      case 'configure': {
        const grant = grantConfigure(m, { versionMask: BIP323_VERSION_MASK, acceptMinimumDifficulty: true, acceptSubscribeExtranonce: true });
        if (grant.versionRolling !== undefined) {
          s.versionMask = grant.versionRolling === false ? null : grant.versionRolling.mask;
          s.versionMinBitCount = m.versionRolling?.minBitCount ?? null;
        }
        if (m.minimumDifficulty !== null && m.minimumDifficulty > 0) s.vardiff.setMinimum(m.minimumDifficulty, this.now());
        s.link.send(buildConfigureResult(m.id, grant));
        if (s.ready && s.vardiff.difficulty !== s.difficulty) this.setDifficulty(s, s.vardiff.difficulty);
        return;
      }
      case 'subscribe': {
        if (s.extranonce1 === null) {
          const e1 = this.extranonce1.allocate();
          if (e1 === null) {
            this.totals.minersRefused++;
            s.link.send(buildError(m.id, SV1_ERROR.OTHER, 'translator full: no extranonce1 left'));
            s.link.kick('no extranonce1 left');
            return;
          }
          s.extranonce1 = e1;
        }
        s.userAgent = m.userAgent;
        s.subscribed = true;
        s.link.send(buildSubscribeResult(m.id, { subscriptionId: s.id.toString(16), extranonce1: s.extranonce1, extranonce2Size: this.o.extranonce2Size }));
        this.maybeReady(s);
        return;
      }
      case 'authorize':
        if (s.username === null) s.username = m.username;
        s.authorized = true;
        s.link.send(buildResult(m.id, true));
        this.maybeReady(s);
        return;
      case 'extranonce-subscribe':
        // the translator never changes a miner's extranonce, so there is nothing to announce
        s.link.send(buildResult(m.id, true));
        return;
      case 'suggest-difficulty':
        this.suggestDifficulty(s, m.difficulty);
        if (m.id !== null) s.link.send(buildResult(m.id, true));
        return;
      case 'suggest-target': {
        const difficulty = targetToDifficulty(m.target);
        if (Number.isFinite(difficulty) && difficulty > 0) this.suggestDifficulty(s, difficulty);
        if (m.id !== null) s.link.send(buildResult(m.id, true));
        return;
      }
      case 'submit':
        this.submit(s, m.id, m.share);
        return;
      case 'unknown-request':
        if (m.id !== null) s.link.send(buildError(m.id, SV1_ERROR.METHOD_NOT_FOUND, `Method not found: ${m.method.slice(0, 64)}`));
        return;
      case 'response':
        return; // answers to client.get_version / mining.ping: nothing depends on them
    }
  }

  private suggestDifficulty(s: MinerSession, difficulty: number): void {
    if (!this.o.enableVardiff) return; // the difficulty follows the upstream target
    const applied = s.vardiff.set(difficulty, this.now());
    if (s.ready) this.setDifficulty(s, applied);
    else {
      s.difficulty = applied;
      s.target = difficultyToTarget(applied);
    }
  }

  private maybeReady(s: MinerSession): void {
    if (s.ready || !s.subscribed || !s.authorized) return;
    s.ready = true;
    this.log.info({ miner: s.id, worker: s.username, agent: s.userAgent, extranonce1: s.extranonce1Hex }, 'miner ready');
    s.link.send(buildSetDifficulty(s.difficulty));
    if (this.o.aggregateChannels) {
      if (this.aggregate !== null) this.attach(s, this.aggregate);
      this.ensureAggregateChannel();
    } else {
      this.openMinerChannel(s);
    }
  }

  private attach(s: MinerSession, channel: UpstreamChannel): void {
    if (s.channel === channel) return;
    s.channel?.miners.delete(s);
    s.channel = channel;
    channel.miners.add(s);
    if (!this.o.enableVardiff) this.followUpstreamTarget(s, channel.target);
    const line = channel.joinLine();
    if (line !== null && s.link.send(line)) this.totals.jobsSent++;
  }

  /** A difficulty change: set_difficulty, then the current job again so firmware applies it now. */
  private setDifficulty(s: MinerSession, difficulty: number): void {
    if (difficulty === s.difficulty) return;
    s.previousTarget = s.target;
    s.previousDifficulty = s.difficulty;
    s.changedAtSeq = this.jobSeq;
    s.difficulty = difficulty;
    s.target = difficultyToTarget(difficulty);
    if (!s.ready) return;
    s.link.send(buildSetDifficulty(difficulty));
    const current = s.channel?.current;
    if (current !== null && current !== undefined) s.link.send(current.line);
  }

  private followUpstreamTarget(s: MinerSession, target: Uint8Array): void {
    const difficulty = targetToDifficulty(target);
    if (!Number.isFinite(difficulty) || difficulty <= 0) return;
    this.setDifficulty(s, s.vardiff.set(difficulty, this.now()));
  }

  // ---------------------------------------------------------------------------------------------
  // Shares
  // ---------------------------------------------------------------------------------------------

  private submit(s: MinerSession, id: Sv1Id, share: Sv1Share): void {
    if (!s.subscribed) return this.rejectShare(s, id, 'not-subscribed', SV1_ERROR.NOT_SUBSCRIBED, 'Not subscribed');
    if (!s.authorized) return this.rejectShare(s, id, 'unauthorized', SV1_ERROR.UNAUTHORIZED, 'Unauthorized worker');
    const channel = s.channel;
    const entry = channel?.sv1Job(share.jobId);
    if (channel == null || entry === undefined || !channel.isCurrent(entry)) {
      return this.rejectShare(s, id, 'stale', SV1_ERROR.JOB_NOT_FOUND, 'Job not found (=stale)');
    }
    if (share.extranonce2.length !== this.o.extranonce2Size) {
      return this.rejectShare(s, id, 'bad-extranonce2', SV1_ERROR.OTHER, `extranonce2 must be ${this.o.extranonce2Size} bytes, got ${share.extranonce2.length}`);
    }
    const job = entry.job;
    const versionMask = job.versionRollingAllowed ? (s.versionMask ?? 0) & BIP323_VERSION_MASK : 0;
    if (share.ntime > Math.floor(this.now() / 1000) + MAX_FUTURE_BLOCK_TIME) {
      return this.rejectShare(s, id, 'invalid-ntime', SV1_ERROR.OTHER, 'ntime too far in the future');
    }
    const sv2 = sv2ShareFromSv1(share, { extranonce1: this.channelExtranonce1(s, channel), channelExtranonceSize: channel.extranonceSize, jobVersion: job.version, versionMask });
    // the header the pool will rebuild (coinbase prefix ‖ channel prefix ‖ pad ‖ extranonce1 ‖ extranonce2 ‖ suffix)
    const check = channel.sv2.checkShare(job.jobId, { nonce: sv2.nonce, ntime: sv2.ntime, version: sv2.version, extranonce: sv2.extranonce });
    if (typeof check === 'string') {
      if (check === MiningErrorCode.StaleShare || check === MiningErrorCode.InvalidJobId) return this.rejectShare(s, id, 'stale', SV1_ERROR.JOB_NOT_FOUND, 'Job not found (=stale)');
      if (check === MiningErrorCode.InvalidShare) return this.rejectShare(s, id, 'invalid-ntime', SV1_ERROR.OTHER, 'ntime older than the job');
      return this.rejectShare(s, id, 'invalid-share', SV1_ERROR.OTHER, `invalid share: ${check}`);
    }
    const hash = check.hash;

    // a job sent before the last difficulty change counts at the easier of the two targets
    let target = s.target;
    let credited = s.difficulty;
    if (entry.seq <= s.changedAtSeq && s.previousTarget !== null && !hashMeetsTarget(s.previousTarget, target)) {
      target = s.previousTarget;
      credited = s.previousDifficulty;
    }
    if (!hashMeetsTarget(hash, target)) return this.rejectShare(s, id, 'low-difficulty', SV1_ERROR.LOW_DIFFICULTY, 'Low difficulty share');
    // only shares that count are remembered: a flood of bad ones cannot evict them
    if (!s.rememberHash(hash, channel)) return this.rejectShare(s, id, 'duplicate', SV1_ERROR.DUPLICATE_SHARE, 'Duplicate share');
    if (channel.orphaned || this.upstream === null) {
      return this.rejectShare(s, id, 'upstream-unavailable', SV1_ERROR.OTHER, 'Upstream pool unavailable: share not forwarded');
    }

    const hashDifficulty = difficultyFromHash(hash);
    // the pool holds a share to its job's target, or to the channel's if that was eased since;
    // a block always goes up, even under a channel target harder than the network's (regtest)
    const easedSince = !hashMeetsTarget(channel.target, job.target);
    const forwarded = check.meetsTarget || (easedSince && hashMeetsTarget(hash, channel.target)) || check.isBlock;
    if (forwarded) {
      const upstreamTarget = easedSince ? channel.target : job.target;
      const sequenceNumber = channel.nextShare({ minerId: s.id, difficulty: channel.difficultyOf(upstreamTarget) });
      this.upstream.link.send('SubmitSharesExtended', {
        channelId: channel.channelId,
        sequenceNumber,
        jobId: job.jobId,
        nonce: sv2.nonce,
        ntime: sv2.ntime,
        version: sv2.version,
        extranonce: sv2.extranonce,
      });
      s.stats.sharesForwarded++;
      this.totals.sharesForwarded++;
      if (hashDifficulty > channel.stats.bestDifficulty) channel.stats.bestDifficulty = hashDifficulty;
    }
    if (check.isBlock) {
      channel.stats.blocksFound++;
      this.totals.blocksFound++;
      const display = bytesToHex(hash.slice().reverse());
      this.log.info({ miner: s.id, worker: s.username, hash: display, channel: channel.channelId }, 'block found');
      this.events.emit('block-found', s.id, display);
    }

    s.link.send(buildResult(id, true));
    s.stats.sharesAccepted++;
    s.stats.lastShareAt = this.now();
    if (hashDifficulty > s.stats.bestDifficulty) s.stats.bestDifficulty = hashDifficulty;
    this.totals.sharesAccepted++;
    s.vardiff.recordShare(credited);
    s.meter.record(credited, this.now());
    this.events.emit('share-accepted', s.id, forwarded);
  }

  /** The miner's part of the channel extranonce before extranonce2: the channel's pad, then extranonce1. */
  private channelExtranonce1(s: MinerSession, channel: UpstreamChannel): Uint8Array {
    const e1 = s.extranonce1!;
    if (channel.padSize === 0) return e1;
    const out = new Uint8Array(channel.padSize + e1.length);
    out.set(e1, channel.padSize);
    return out;
  }

  private rejectShare(s: MinerSession, id: Sv1Id, reason: ShareRejectReason, code: number, message: string): void {
    s.reject(reason);
    this.totals.sharesRejected[reason] = (this.totals.sharesRejected[reason] ?? 0) + 1;
    s.link.send(buildError(id, code, message));
    this.log.debug({ miner: s.id, reason }, 'share rejected');
    this.events.emit('share-rejected', s.id, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Upstream
  // ---------------------------------------------------------------------------------------------

  /** The pool connection is set up (SetupConnection.Success received): open channels. */
  upstreamConnected(link: UpstreamLink, userIdentity: string, label: string): void {
    this.upstream = { link, userIdentity, label, since: this.now() };
    this.pendingOpens.clear();
    this.aggregateRequest = null;
    this.log.info({ upstream: label }, 'upstream connected');
    if (this.o.aggregateChannels) this.ensureAggregateChannel();
    else for (const s of this.miners.values()) if (s.ready) this.openMinerChannel(s);
  }

  /** The pool connection is gone: channels become orphans that keep miners fed with keep-alive jobs. */
  upstreamDisconnected(reason: string): void {
    if (this.upstream === null) return;
    this.log.warn({ upstream: this.upstream.label, reason }, 'upstream lost');
    this.upstream = null;
    for (const channel of this.channels.values()) channel.orphaned = true;
    this.channels.clear();
    this.pendingOpens.clear();
    this.aggregateRequest = null;
    for (const s of this.miners.values()) s.openingRequestId = null;
    this.lastUpdate.clear();
  }

  upstreamMessage(m: AnyMessage): void {
    switch (m.name) {
      case 'OpenExtendedMiningChannelSuccess':
        return this.onChannelOpened(m.message);
      case 'OpenMiningChannelError':
        return this.onOpenError(m.message);
      case 'NewExtendedMiningJob':
        for (const channel of this.resolve(m.message.channelId)) {
          const job = this.channelCall(channel, () => channel.sv2.onNewExtendedMiningJob(m.message));
          if (job !== undefined && job.minNtime !== null) this.announce(channel, job, false);
        }
        return;
      case 'SetNewPrevHash':
        for (const channel of this.resolve(m.message.channelId)) {
          const job = this.channelCall(channel, () => channel.sv2.onSetNewPrevHash(m.message));
          if (job === undefined) continue;
          channel.clearSv1Jobs();
          this.announce(channel, job, true);
        }
        return;
      case 'SetTarget':
        for (const channel of this.resolve(m.message.channelId)) {
          channel.sv2.onSetTarget(m.message);
          if (!this.o.enableVardiff) for (const s of channel.miners) this.followUpstreamTarget(s, channel.target);
        }
        return;
      case 'SetExtranoncePrefix': {
        // applies to jobs sent after it (spec): the next job's coinb1 carries the new prefix
        const channel = this.channels.get(m.message.channelId);
        if (channel !== undefined) this.channelCall(channel, () => channel.sv2.onSetExtranoncePrefix(m.message));
        return;
      }
      case 'SubmitSharesSuccess':
        return this.onSharesAccepted(m.message);
      case 'SubmitSharesError':
        return this.onShareRejected(m.message);
      case 'CloseChannel':
        return this.onChannelClosed(m.message.channelId, m.message.reasonCode);
      case 'SetGroupChannel':
        for (const id of m.message.channelIds) {
          const channel = this.channels.get(id);
          if (channel !== undefined) channel.groupChannelId = m.message.groupChannelId;
        }
        return;
      case 'UpdateChannelError':
        this.log.warn({ channel: m.message.channelId, code: m.message.errorCode }, 'pool refused UpdateChannel');
        return;
      case 'Reconnect':
        this.log.info({ host: m.message.newHost, port: m.message.newPort }, 'pool asked to reconnect');
        this.o.onUpstreamAction?.({ type: 'reconnect', host: m.message.newHost === '' ? null : m.message.newHost, port: m.message.newPort === 0 ? null : m.message.newPort });
        return;
      case 'ChannelEndpointChanged':
        // the channel now lives on another pool server: extension state is reset (none is used here); jobs keep coming
        this.totals.endpointChanges++;
        this.log.info({ channel: m.message.channelId }, 'pool moved the channel to another endpoint');
        return;
      default:
        this.log.debug({ message: m.name }, 'upstream message ignored');
    }
  }

  /** Runs a ClientChannel update; a pool message it refuses is logged and dropped (the connection carries on). */
  private channelCall<T>(channel: UpstreamChannel, update: () => T): T | undefined {
    try {
      return update();
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      this.log.warn({ channel: channel.channelId, code: error.code, error: error.message }, 'pool message refused');
      return undefined;
    }
  }

  /** The channels a channel-addressed message applies to: the channel, or every member of a group. */
  private resolve(channelId: number): UpstreamChannel[] {
    const channel = this.channels.get(channelId);
    if (channel !== undefined) return [channel];
    const members: UpstreamChannel[] = [];
    for (const c of this.channels.values()) if (c.groupChannelId === channelId) members.push(c);
    if (members.length === 0) this.log.debug({ channel: channelId }, 'message for an unknown channel');
    return members;
  }

  private ensureAggregateChannel(): void {
    if (this.upstream === null || this.aggregateRequest !== null) return;
    if (this.aggregate !== null && !this.aggregate.orphaned) return;
    let hashrate = 0;
    for (const s of this.miners.values()) if (s.ready) hashrate += hashrateForDifficulty(s.difficulty, this.o.sharesPerMinute);
    if (hashrate === 0) return; // opened when the first miner is ready (a proxy with no devices would announce 0 H/s)
    const requestId = this.nextRequestId++;
    this.aggregateRequest = requestId;
    this.pendingOpens.set(requestId, { kind: 'aggregate', sentAt: this.now() });
    this.openChannel(requestId, hashrate);
  }

  private openMinerChannel(s: MinerSession): void {
    if (this.upstream === null || s.openingRequestId !== null || (s.channel !== null && !s.channel.orphaned)) return;
    const requestId = this.nextRequestId++;
    s.openingRequestId = requestId;
    this.pendingOpens.set(requestId, { kind: 'miner', miner: s, sentAt: this.now() });
    this.openChannel(requestId, hashrateForDifficulty(s.difficulty, this.o.sharesPerMinute));
  }

  private openChannel(requestId: number, hashrate: number): void {
    this.upstream!.link.send('OpenExtendedMiningChannel', {
      requestId,
      userIdentity: this.upstream!.userIdentity,
      nominalHashRate: hashrate,
      maxTarget: MAX_TARGET,
      minExtranonceSize: EXTRANONCE1_SIZE + this.o.extranonce2Size,
    });
  }

  private onChannelOpened(m: Messages['OpenExtendedMiningChannelSuccess']): void {
    const pending = this.pendingOpens.get(m.requestId);
    this.pendingOpens.delete(m.requestId);
    if (pending === undefined || this.upstream === null) {
      this.log.warn({ request: m.requestId, channel: m.channelId }, 'channel opened for no pending request; closing it');
      this.upstream?.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'unexpected-channel' });
      return;
    }
    const hashrate =
      pending.kind === 'miner' ? hashrateForDifficulty(pending.miner.difficulty, this.o.sharesPerMinute) : this.aggregateHashrate();
    let channel: UpstreamChannel;
    try {
      channel = new UpstreamChannel(
        m,
        this.upstream.userIdentity,
        hashrate,
        EXTRANONCE1_SIZE,
        this.o.extranonce2Size,
        this.o.maxPastJobs,
      );
    } catch (error) {
      this.upstream.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'extranonce-too-small' });
      this.failOpen(pending, (error as Error).message);
      return;
    }
    this.channels.set(channel.channelId, channel);
    this.tracked.add(channel);
    this.log.info(
      { channel: channel.channelId, extranonceSize: channel.extranonceSize, prefix: bytesToHex(channel.extranoncePrefix), difficulty: targetToDifficulty(channel.target) },
      'upstream channel open',
    );
    this.events.emit('channel-opened', channel.channelId);
    if (pending.kind === 'aggregate') {
      this.aggregateRequest = null;
      const previous = this.aggregate;
      this.aggregate = channel;
      for (const s of this.miners.values()) if (s.ready) this.attach(s, channel);
      if (previous !== null && previous !== channel) this.tracked.delete(previous);
      this.lastUpdate.set(channel, { at: this.now(), hashrate });
    } else {
      const s = pending.miner;
      s.openingRequestId = null;
      if (s.closed) {
        this.closeChannel(channel, 'downstream disconnected');
        return;
      }
      const previous = s.channel;
      this.attach(s, channel);
      if (previous !== null && previous !== channel) this.tracked.delete(previous);
      this.lastUpdate.set(channel, { at: this.now(), hashrate });
    }
  }

  private onOpenError(m: Messages['OpenMiningChannelError']): void {
    const pending = this.pendingOpens.get(m.requestId);
    this.pendingOpens.delete(m.requestId);
    if (pending === undefined) return;
    this.failOpen(pending, `pool refused the channel: ${m.errorCode}`);
  }

  private failOpen(pending: PendingOpen, reason: string): void {
    this.log.error({ reason }, 'cannot open an upstream channel');
    if (pending.kind === 'aggregate') {
      this.aggregateRequest = null;
      this.o.onUpstreamAction?.({ type: 'fallback', reason });
    } else {
      pending.miner.openingRequestId = null;
      pending.miner.link.kick(reason);
    }
  }

  private onChannelClosed(channelId: number, reason: string): void {
    const channel = this.channels.get(channelId);
    if (channel === undefined) return;
    this.channels.delete(channelId);
    channel.orphaned = true;
    this.log.warn({ channel: channelId, reason }, 'pool closed the channel');
    if (channel === this.aggregate) {
      this.o.onUpstreamAction?.({ type: 'fallback', reason: `pool closed the channel: ${reason}` });
    } else {
      for (const s of [...channel.miners]) s.link.kick(`pool closed the channel: ${reason}`);
      this.tracked.delete(channel);
    }
  }

  private closeChannel(channel: UpstreamChannel, reason: string): void {
    this.tracked.delete(channel);
    this.lastUpdate.delete(channel);
    if (this.channels.get(channel.channelId) === channel) {
      this.channels.delete(channel.channelId);
      if (!channel.orphaned) this.upstream?.link.send('CloseChannel', { channelId: channel.channelId, reasonCode: reason });
    }
  }

  private onSharesAccepted(m: Messages['SubmitSharesSuccess']): void {
    const channel = this.channels.get(m.channelId);
    if (channel === undefined) return;
    const accepted = channel.takeAccepted(m.lastSequenceNumber, m.newSubmitsAcceptedCount);
    this.totals.upstreamAccepted += m.newSubmitsAcceptedCount;
    for (const share of accepted) {
      channel.stats.shareWorkSum += share.difficulty;
      const s = this.miners.get(share.minerId);
      if (s !== undefined) s.stats.upstreamAccepted++;
    }
    this.events.emit('upstream-accepted', m.channelId, m.newSubmitsAcceptedCount);
  }

  private onShareRejected(m: Messages['SubmitSharesError']): void {
    const channel = this.channels.get(m.channelId);
    if (channel === undefined) return;
    const share = channel.takeRejected(m.sequenceNumber);
    this.totals.upstreamRejected[m.errorCode] = (this.totals.upstreamRejected[m.errorCode] ?? 0) + 1;
    const s = share === undefined ? undefined : this.miners.get(share.minerId);
    if (s !== undefined) s.stats.upstreamRejected++;
    // the miner was already told `true` (Sv1 cannot retract it): this is the record of it
    this.log.warn({ channel: m.channelId, sequence: m.sequenceNumber, code: m.errorCode, miner: share?.minerId, worker: s?.username }, 'pool rejected a forwarded share');
    this.events.emit('upstream-rejected', m.channelId, share?.minerId, m.errorCode);
  }

  /** Makes and sends the Sv1 job for an active Sv2 job to every ready miner of the channel. */
  private announce(channel: UpstreamChannel, job: ClientJob, clean: boolean, ntime?: number): void {
    const entry = channel.makeSv1Job(job, ++this.jobSeq, clean, this.now(), ntime);
    for (const s of channel.miners) {
      if (s.ready && s.link.send(entry.line)) this.totals.jobsSent++;
    }
    this.events.emit('job', channel.channelId, entry.sv1.jobId, clean);
  }

  // ---------------------------------------------------------------------------------------------
  // Time
  // ---------------------------------------------------------------------------------------------

  /** Call about once a second: keep-alive jobs, vardiff, UpdateChannel. */
  tick(): void {
    const now = this.now();
    for (const [requestId, pending] of this.pendingOpens) {
      if (now - pending.sentAt < OPEN_CHANNEL_TIMEOUT_MS) continue;
      this.pendingOpens.delete(requestId);
      this.failOpen(pending, `no answer to OpenExtendedMiningChannel within ${OPEN_CHANNEL_TIMEOUT_MS / 1000} s`);
    }
    const keepaliveMs = this.o.jobKeepaliveIntervalSecs * 1000;
    if (keepaliveMs > 0) {
      for (const channel of this.tracked) {
        const current = channel.current;
        if (current === null || now - channel.lastNotifyAt < keepaliveMs || channel.miners.size === 0) continue;
        // same work, fresh ntime, new job id: firmware watchdogs see a new job and keep the connection
        const ntime = Math.max(current.sv1.ntime, Math.floor(now / 1000));
        this.totals.keepaliveJobs++;
        this.announce(channel, current.job, false, ntime);
      }
    }
    if (this.o.enableVardiff) {
      for (const s of this.miners.values()) {
        if (!s.ready) continue;
        const next = s.vardiff.update(now);
        if (next === null) continue;
        this.log.debug({ miner: s.id, from: s.difficulty, to: next }, 'vardiff');
        this.setDifficulty(s, next);
        if (!this.o.aggregateChannels && s.channel !== null) this.updateChannel(s.channel, hashrateForDifficulty(next, this.o.sharesPerMinute), now);
      }
    }
    if (this.o.aggregateChannels && this.aggregate !== null && !this.aggregate.orphaned) {
      this.updateChannel(this.aggregate, this.aggregateHashrate(), now);
    }
    if (this.o.aggregateChannels && this.aggregate === null) this.ensureAggregateChannel();
  }

  private aggregateHashrate(): number {
    let hashrate = 0;
    for (const s of this.miners.values()) if (s.ready) hashrate += hashrateForDifficulty(s.difficulty, this.o.sharesPerMinute);
    return hashrate;
  }

  /** UpdateChannel when the nominal hashrate moved enough, at most once a second per channel. */
  private updateChannel(channel: UpstreamChannel, hashrate: number, now: number): void {
    if (this.upstream === null || channel.orphaned) return;
    const last = this.lastUpdate.get(channel);
    if (last !== undefined) {
      if (now - last.at < UPDATE_CHANNEL_MIN_MS) return;
      if (Math.abs(hashrate - last.hashrate) <= last.hashrate * HASHRATE_UPDATE_RATIO) return;
    }
    if (hashrate <= 0) return;
    this.lastUpdate.set(channel, { at: now, hashrate });
    channel.nominalHashrate = hashrate;
    this.upstream.link.send('UpdateChannel', { channelId: channel.channelId, nominalHashRate: hashrate, maximumTarget: MAX_TARGET });
  }

  /** Sends a line to every ready miner (e.g. client.reconnect before a shutdown). */
  broadcast(line: string): void {
    for (const s of this.miners.values()) if (s.ready) s.link.send(line);
  }
}
