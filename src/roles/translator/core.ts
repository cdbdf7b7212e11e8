/**
 * The translator's brain (SRI's "channel manager"): owns every miner session, answers Sv1
 * requests, turns Sv2 jobs into `mining.notify`, acts on each share's verdict and forwards those
 * that meet the upstream target. No sockets and no timers: the runtime feeds it miner messages,
 * upstream messages and `tick()`, and the clock is injected, so it is tested with plain values.
 *
 * Its parts: miner.ts (one miner's session), share-check.ts (the verdict on a share, pure),
 * upstream-channels.ts (opening, timing out, closing and updating the pool channels), channel.ts
 * (one pool channel and its Sv1 jobs). A share the pool later refuses (SubmitShares.Error) is
 * logged and counted per miner: Sv1 cannot take back the `true` the miner was sent.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
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
  grantConfigure,
  targetToDifficulty,
} from '../../sv1/index.js';
import type { Sv1ClientMessage, Sv1Id, Sv1Share } from '../../sv1/index.js';
import type { UpstreamChannel } from './channel.js';
import { Extranonce1Allocator } from './extranonce1.js';
import { MinerSession } from './miner.js';
import type { MinerLink } from './miner.js';
import { checkSv1Share } from './share-check.js';
import type { ShareAccepted, ShareRejected } from './share-check.js';
import { emptyTotals } from './totals.js';
import type { TranslatorEvents, TranslatorTotals } from './totals.js';
import { EXTRANONCE1_SIZE, UpstreamChannels } from './upstream-channels.js';
import type { UpstreamAction, UpstreamLink } from '../common/upstream.js';
import { difficultyForHashrate, hashrateForDifficulty } from './vardiff.js';

export type { TranslatorEvents, TranslatorTotals } from './totals.js';

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

export class TranslatorCore {
  private readonly o: TranslatorCoreOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly miners = new Map<number, MinerSession>();
  private readonly upstream: UpstreamChannels;
  private readonly extranonce1 = new Extranonce1Allocator(EXTRANONCE1_SIZE);
  private jobSeq = 0;
  readonly events = new EventEmitter<TranslatorEvents>();
  readonly totals: TranslatorTotals = emptyTotals();

  constructor(options: TranslatorCoreOptions) {
    this.o = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.upstream = new UpstreamChannels({
      extranonce2Size: options.extranonce2Size,
      maxPastJobs: options.maxPastJobs,
      logger: options.logger,
      onUpstreamAction: options.onUpstreamAction,
      nominalHashrate: (miner) => (miner === null ? this.aggregateHashrate() : this.hashrateOf(miner)),
    });
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

  /** UpstreamClient: miners waiting keep the pause between upstream rounds short. */
  get downstreamCount(): number {
    return this.minerCount;
  }

  get minerCount(): number {
    return this.miners.size;
  }

  get upstreamChannels(): IterableIterator<UpstreamChannel> {
    return this.upstream.channels;
  }

  get upstreamLabel(): string | null {
    return this.upstream.label;
  }

  get upstreamSince(): number | null {
    return this.upstream.since;
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
    const held = session.close();
    if (held === null) return;
    this.miners.delete(session.id);
    if (held.extranonce1 !== null) this.extranonce1.release(held.extranonce1);
    if (held.channel !== null && !this.o.aggregateChannels) this.upstream.close(held.channel, 'downstream disconnected');
    this.log.info({ miner: session.id, worker: session.username, reason }, 'miner disconnected');
  }

  minerMessage(s: MinerSession, m: Sv1ClientMessage): void {
    if (s.closed) return;
    switch (m.type) {
      case 'configure': {
        const grant = grantConfigure(m, { versionMask: BIP323_VERSION_MASK, acceptMinimumDifficulty: true, acceptSubscribeExtranonce: true });
        if (grant.versionRolling !== undefined) {
          s.grantVersionRolling(grant.versionRolling === false ? null : grant.versionRolling.mask, m.versionRolling?.minBitCount ?? null);
        }
        if (m.minimumDifficulty !== null && m.minimumDifficulty > 0) s.vardiff.setMinimum(m.minimumDifficulty, this.now());
        s.link.send(buildConfigureResult(m.id, grant));
        if (s.ready && s.vardiff.difficulty !== s.difficulty) this.setDifficulty(s, s.vardiff.difficulty);
        return;
      }
      case 'subscribe': {
        const e1 = s.extranonce1 ?? this.extranonce1.allocate();
        if (e1 === null) {
          this.totals.minersRefused++;
          s.link.send(buildError(m.id, SV1_ERROR.OTHER, 'translator full: no extranonce1 left'));
          s.link.kick('no extranonce1 left');
          return;
        }
        s.subscribe(m.userAgent, e1);
        s.link.send(buildSubscribeResult(m.id, { subscriptionId: s.id.toString(16), extranonce1: e1, extranonce2Size: this.o.extranonce2Size }));
        this.maybeReady(s);
        return;
      }
      case 'authorize':
        s.authorize(m.username);
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
    else s.presetDifficulty(applied);
  }

  private maybeReady(s: MinerSession): void {
    if (!s.becomeReady()) return;
    this.log.info({ miner: s.id, worker: s.username, agent: s.userAgent, extranonce1: s.extranonce1Hex }, 'miner ready');
    s.link.send(buildSetDifficulty(s.difficulty));
    if (this.o.aggregateChannels) {
      const aggregate = this.upstream.aggregate;
      if (aggregate !== null) this.attach(s, aggregate);
      this.upstream.openAggregate(this.now());
    } else {
      this.upstream.openFor(s, this.now());
    }
  }

  private attach(s: MinerSession, channel: UpstreamChannel): void {
    if (!s.attach(channel)) return;
    if (!this.o.enableVardiff) this.followUpstreamTarget(s, channel.target);
    const line = channel.joinLine();
    if (line !== null && s.link.send(line)) this.totals.jobsSent++;
  }

  /** A difficulty change: set_difficulty, then the current job again so firmware applies it now. */
  private setDifficulty(s: MinerSession, difficulty: number): void {
    if (!s.setDifficulty(difficulty, this.jobSeq) || !s.ready) return;
    s.link.send(buildSetDifficulty(difficulty));
    const current = s.channel?.current;
    if (current !== null && current !== undefined) s.link.send(current.line);
  }

  private followUpstreamTarget(s: MinerSession, target: Uint8Array): void {
    const difficulty = targetToDifficulty(target);
    if (!Number.isFinite(difficulty) || difficulty <= 0) return;
    this.setDifficulty(s, s.vardiff.set(difficulty, this.now()));
  }

  private hashrateOf(s: MinerSession): number {
    return hashrateForDifficulty(s.difficulty, this.o.sharesPerMinute);
  }

  private aggregateHashrate(): number {
    let hashrate = 0;
    for (const s of this.miners.values()) if (s.ready) hashrate += this.hashrateOf(s);
    return hashrate;
  }

  // ---------------------------------------------------------------------------------------------
  // Shares
  // ---------------------------------------------------------------------------------------------

  private submit(s: MinerSession, id: Sv1Id, share: Sv1Share): void {
    const now = this.now();
    const verdict = checkSv1Share(s, share, { extranonce2Size: this.o.extranonce2Size, nowSecs: Math.floor(now / 1000), upstreamConnected: this.upstream.connected });
    // only shares that met the miner's target are remembered: a flood of bad ones cannot evict them
    if (verdict.hash !== null) s.rememberHash(verdict.hash, verdict.channel!);
    if (verdict.ok) this.accept(s, id, verdict, now);
    else this.reject(s, id, verdict);
  }

  private accept(s: MinerSession, id: Sv1Id, v: ShareAccepted, now: number): void {
    const channel = v.channel;
    const forwarded = v.upstreamTarget !== null;
    if (v.upstreamTarget !== null) {
      this.upstream.forward(channel, s.id, v.entry.job.jobId, v.sv2, v.upstreamTarget);
      this.totals.sharesForwarded++;
      if (v.hashDifficulty > channel.stats.bestDifficulty) channel.stats.bestDifficulty = v.hashDifficulty;
    }
    if (v.isBlock) {
      channel.stats.blocksFound++;
      this.totals.blocksFound++;
      const display = bytesToHex(v.hash.slice().reverse());
      this.log.info({ miner: s.id, worker: s.username, hash: display, channel: channel.channelId }, 'block found');
      this.events.emit('block-found', s.id, display);
    }
    s.link.send(buildResult(id, true));
    s.recordAccepted(v.credited, v.hashDifficulty, forwarded, now);
    this.totals.sharesAccepted++;
    this.events.emit('share-accepted', s.id, forwarded);
  }

  private reject(s: MinerSession, id: Sv1Id, v: ShareRejected): void {
    s.reject(v.reason);
    this.totals.sharesRejected[v.reason] = (this.totals.sharesRejected[v.reason] ?? 0) + 1;
    s.link.send(buildError(id, v.code, v.message));
    this.log.debug({ miner: s.id, reason: v.reason }, 'share rejected');
    this.events.emit('share-rejected', s.id, v.reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Upstream
  // ---------------------------------------------------------------------------------------------

  /** The pool connection is set up (SetupConnection.Success received): open channels. */
  upstreamConnected(link: UpstreamLink, userIdentity: string, label: string): void {
    const now = this.now();
    this.upstream.connect(link, userIdentity, label, now);
    if (this.o.aggregateChannels) this.upstream.openAggregate(now);
    else for (const s of this.miners.values()) if (s.ready) this.upstream.openFor(s, now);
  }

  /** The pool connection is gone: channels become orphans that keep miners fed with keep-alive jobs. */
  upstreamDisconnected(reason: string): void {
    this.upstream.disconnect(reason);
  }

  upstreamMessage(m: AnyMessage): void {
    switch (m.name) {
      case 'OpenExtendedMiningChannelSuccess':
        return this.onChannelOpened(m.message);
      case 'OpenMiningChannelError':
        return this.upstream.onOpenError(m.message);
      case 'NewExtendedMiningJob':
        for (const { channel, job } of this.upstream.onNewJob(m.message)) this.announce(channel, job, false);
        return;
      case 'SetNewPrevHash':
        for (const { channel, job } of this.upstream.onNewPrevHash(m.message)) this.announce(channel, job, true);
        return;
      case 'SetTarget':
        for (const channel of this.upstream.onSetTarget(m.message)) {
          if (!this.o.enableVardiff) for (const s of channel.miners) this.followUpstreamTarget(s, channel.target);
        }
        return;
      case 'SetExtranoncePrefix':
        return this.upstream.onSetExtranoncePrefix(m.message);
      case 'SubmitSharesSuccess':
        return this.onSharesAccepted(m.message);
      case 'SubmitSharesError':
        return this.onShareRejected(m.message);
      case 'CloseChannel':
        return this.upstream.onClosedByPool(m.message.channelId, m.message.reasonCode);
      case 'SetGroupChannel':
        return this.upstream.onSetGroupChannel(m.message);
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

  private onChannelOpened(m: Messages['OpenExtendedMiningChannelSuccess']): void {
    const opened = this.upstream.onOpened(m, this.now());
    if (opened === null) return;
    const { channel, miner } = opened;
    this.events.emit('channel-opened', channel.channelId);
    if (miner === null) {
      for (const s of this.miners.values()) if (s.ready) this.attach(s, channel);
    } else if (miner.closed) {
      this.upstream.close(channel, 'downstream disconnected');
    } else {
      this.attach(miner, channel);
    }
  }

  private onSharesAccepted(m: Messages['SubmitSharesSuccess']): void {
    const accepted = this.upstream.onSharesAccepted(m);
    if (accepted === null) return;
    this.totals.upstreamAccepted += m.newSubmitsAcceptedCount;
    for (const share of accepted) this.miners.get(share.minerId)?.recordUpstreamAnswer(true);
    this.events.emit('upstream-accepted', m.channelId, m.newSubmitsAcceptedCount);
  }

  private onShareRejected(m: Messages['SubmitSharesError']): void {
    const share = this.upstream.onShareRejected(m);
    if (share === null) return;
    this.totals.upstreamRejected[m.errorCode] = (this.totals.upstreamRejected[m.errorCode] ?? 0) + 1;
    const s = share === undefined ? undefined : this.miners.get(share.minerId);
    s?.recordUpstreamAnswer(false);
    // the miner was already told `true` (Sv1 cannot retract it): this is the record of it. A share
    // in flight when the tip moved is stale through no fault of anyone's: counted, not warned.
    const fields = { channel: m.channelId, sequence: m.sequenceNumber, code: m.errorCode, miner: share?.minerId, worker: s?.username };
    if (m.errorCode === MiningErrorCode.StaleShare) this.log.debug(fields, 'pool rejected a forwarded share');
    else this.log.warn(fields, 'pool rejected a forwarded share');
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

  /** Call about once a second: channel-open timeouts, keep-alive jobs, vardiff, UpdateChannel. */
  tick(): void {
    const now = this.now();
    this.upstream.expire(now);
    for (const { channel, job } of this.upstream.keepaliveDue(now, this.o.jobKeepaliveIntervalSecs * 1000)) {
      // same work, fresh ntime, new job id: firmware watchdogs see a new job and keep the connection
      this.totals.keepaliveJobs++;
      this.announce(channel, job, false, Math.max(channel.current!.sv1.ntime, Math.floor(now / 1000)));
    }
    if (this.o.enableVardiff) {
      for (const s of this.miners.values()) {
        if (!s.ready) continue;
        const next = s.vardiff.update(now);
        if (next === null) continue;
        this.log.debug({ miner: s.id, from: s.difficulty, to: next }, 'vardiff');
        this.setDifficulty(s, next);
        if (!this.o.aggregateChannels && s.channel !== null) this.upstream.update(s.channel, hashrateForDifficulty(next, this.o.sharesPerMinute), now);
      }
    }
    const aggregate = this.upstream.aggregate;
    if (this.o.aggregateChannels && aggregate !== null && !aggregate.orphaned) this.upstream.update(aggregate, this.aggregateHashrate(), now);
    if (this.o.aggregateChannels && aggregate === null) this.upstream.openAggregate(now);
  }

  /** Sends a line to every ready miner (e.g. client.reconnect before a shutdown). */
  broadcast(line: string): void {
    for (const s of this.miners.values()) if (s.ready) s.link.send(line);
  }
}
