/**
 * Job declaration on one upstream connection (a pool and its JDS): one extended channel with the
 * pool, mining job tokens from the JDS (one spare kept so a new template waits for none), each
 * template declared (Full-Template: DeclareMiningJob, ProvideMissingTransactions answered from our
 * node) and then announced to the pool with SetCustomMiningJob. Devices mine a template before the
 * answers (optimistic mining): shares that meet the pool's target wait here and go up once the
 * pool gave the job its id. Any refusal, or an answer that does not come in time, asks for a
 * fallback. No I/O of its own and no clock: messages in, `tick(now)` for deadlines, hooks out.
 */
import type { Logger } from 'pino';
import { concatBytes, equalBytes } from '../../bitcoin/bytes.js';
import { hashMeetsTarget, type Target } from '../../bitcoin/target.js';
import type { TxOut } from '../../bitcoin/tx.js';
import type { BlockFound } from '../../channels/share-result.js';
import { customJobCoinbase } from '../../channels/work.js';
import type { AnyMessage, Messages } from '../../messages/registry.js';
import type { DeviceRef, ForwardOutcome } from '../common/device-channels.js';
import { hashrateUpdateDue, MAX_UPSTREAM_TARGET, type UpstreamAction, type UpstreamLink } from '../common/upstream.js';
import type { JdMode } from './config.js';
import { parsePoolOutputs, sameOutputs, type JdcWork, type UpstreamBasis } from './jobs.js';
import { SentShares } from './sent-shares.js';
import type { TemplateTransactions } from './templates.js';

export interface DeclaratorHooks {
  action(a: UpstreamAction): void;
  /** the channel is open and the pool's outputs known: pool work can be built */
  ready(basis: UpstreamBasis): void;
  /** a token requires other outputs than the waiting job's coinbase pays (payouts in the coinbase moved): build the work again */
  outputsChanged?(basis: UpstreamBasis): void;
  transactions(templateId: bigint): Promise<TemplateTransactions>;
  answered(device: DeviceRef, accepted: boolean, errorCode?: string): void;
  /** a custom job the pool took: its id, and ms from the template to the pool's answer */
  accepted?(work: JdcWork, jobId: number): void;
}

export interface DeclaratorOptions {
  mode: JdMode;
  deviceExtranonceSize: number;
  answerTimeoutMs: number;
  userIdentity: string;
  epoch: number;
}

type Tip = Messages['SetNewPrevHashTdp'];

interface Job {
  work: JdcWork;
  tip: Tip;
  state: 'waiting-token' | 'declaring' | 'setting' | 'accepted' | 'superseded';
  declareId: number;
  customId: number;
  txs: TemplateTransactions | null;
  deadline: number;
  jobId: number | null;
  held: { share: { nonce: number; ntime: number; version: number }; extranonce: Uint8Array; device: DeviceRef }[];
}

const MAX_HELD = 1_024;
const MAX_JOBS = 32;
/**
 * A stale-chain-tip refusal may only mean the tip moved while the job was on its way (the pool's
 * node saw the block first): it counts as a refusal only when no newer tip reaches us within this.
 */
const STALE_GRACE_MS = 3_000;
const STALE = 'stale-chain-tip';

export class Declarator {
  private nextRequest = 1;
  private openRequest: { id: number; deadline: number } | null = null;
  private channel: { channelId: number; extranoncePrefix: Uint8Array; extranonceSize: number; target: Target } | null = null;
  private tokenRequest: { id: number; deadline: number } | null = null;
  private spare: { token: Uint8Array; outputs: TxOut[] } | null = null;
  private outputs: ReturnType<typeof parsePoolOutputs> | null = null;
  private basisState: UpstreamBasis | null = null;
  private readonly jobs = new Map<JdcWork, Job>();
  private readonly byDeclare = new Map<number, Job>();
  private readonly byCustom = new Map<number, Job>();
  private waiting: Job | null = null;
  private readonly sent: SentShares;
  private lastUpdate: { at: number; hashrate: number } | null = null;
  private failed = false;
  private staleRefusal: { at: number; prevHash: Uint8Array; reason: string } | null = null;
  readonly counts = { declared: 0, accepted: 0, held: 0, dropped: 0 };

  constructor(
    readonly link: UpstreamLink,
    readonly label: string,
    private readonly opts: DeclaratorOptions,
    private readonly hooks: DeclaratorHooks,
    private readonly log: Logger,
  ) {
    this.sent = new SentShares(hooks.answered);
  }

  /** Shares sent up on custom jobs, and the pool's answers. */
  get shares(): SentShares['counts'] {
    return this.sent.counts;
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  get basis(): UpstreamBasis | null {
    return this.basisState;
  }

  get channelId(): number | null {
    return this.channel?.channelId ?? null;
  }

  get channelTarget(): Target | null {
    return this.channel?.target ?? null;
  }

  /** Custom jobs the pool has taken, and the last one's id. */
  jobStates(): { template: bigint; state: Job['state']; jobId: number | null }[] {
    return [...this.jobs.values()].map((j) => ({ template: j.work.templateId, state: j.state, jobId: j.jobId }));
  }

  /** Asks for a token at once; the channel opens once the devices have a hashrate. */
  start(hashrate: number, now: number): void {
    this.requestToken(now);
    this.open(hashrate, now);
  }

  open(hashrate: number, now: number): void {
    if (this.channel !== null || this.openRequest !== null || hashrate <= 0) return;
    const id = this.nextRequest++;
    this.openRequest = { id, deadline: now + this.opts.answerTimeoutMs };
    this.lastUpdate = { at: now, hashrate };
    this.link.send('OpenExtendedMiningChannel', { requestId: id, userIdentity: this.opts.userIdentity, nominalHashRate: hashrate, maxTarget: MAX_UPSTREAM_TARGET, minExtranonceSize: this.opts.deviceExtranonceSize });
  }

  /** UpdateChannel on a 10 % move of the devices' hashrate, at most once a second. */
  update(hashrate: number, now: number): void {
    const ch = this.channel;
    if (ch === null || hashrate <= 0) return;
    const last = this.lastUpdate;
    if (!hashrateUpdateDue(last, hashrate, now)) return;
    this.lastUpdate = { at: now, hashrate };
    this.link.send('UpdateChannel', { channelId: ch.channelId, nominalHashRate: hashrate, maximumTarget: MAX_UPSTREAM_TARGET });
  }

  /** Declares pool work of an active template (its tip known) and announces it to the pool. */
  declare(work: JdcWork, tip: Tip, now: number): void {
    if (this.failed || work.pool?.basis.epoch !== this.opts.epoch || this.jobs.has(work)) return;
    if (this.staleRefusal !== null && !equalBytes(this.staleRefusal.prevHash, tip.prevHash)) this.staleRefusal = null;
    const job: Job = { work, tip, state: 'waiting-token', declareId: this.nextRequest++, customId: this.nextRequest++, txs: null, deadline: now + this.opts.answerTimeoutMs, jobId: null, held: [] };
    this.jobs.set(work, job);
    while (this.jobs.size > MAX_JOBS) this.forget(this.jobs.values().next().value!);
    if (this.waiting !== null) this.waiting.state = 'superseded';
    this.waiting = job;
    this.useToken(now);
  }

  /** A device share on pool work: up when it meets the channel's target, held until the pool took the job. */
  forward(work: JdcWork, share: { nonce: number; ntime: number; version: number }, deviceExtranonce: Uint8Array, hash: Uint8Array, device: DeviceRef): ForwardOutcome {
    const job = this.jobs.get(work);
    const ch = this.channel;
    if (job === undefined || ch === null || work.pool?.basis.channelId !== ch.channelId) return 'upstream-unavailable';
    if (!hashMeetsTarget(hash, ch.target)) return 'below-upstream-target';
    if (job.state === 'accepted') {
      this.submit(job, share, deviceExtranonce, device);
      return 'forwarded';
    }
    if (job.state === 'superseded' || job.held.length >= MAX_HELD) {
      this.counts.dropped++;
      return 'upstream-stale';
    }
    job.held.push({ share, extranonce: deviceExtranonce, device });
    this.counts.held++;
    return 'held';
  }

  /** Full-Template mode: the JDS rebuilds and broadcasts the block too. */
  pushSolution(work: JdcWork, block: BlockFound): boolean {
    if (this.opts.mode !== 'FULLTEMPLATE' || work.pool === null || work.pool.basis.epoch !== this.opts.epoch) return false;
    this.link.send('PushSolution', { extranonce: concatBytes(work.pool.fixed, block.extranonce), prevHash: block.prevHash, nonce: block.nonce, ntime: block.ntime, nbits: block.nbits, version: block.version });
    return true;
  }

  /** Deadlines: an answer that does not come in time is a fallback. */
  tick(now: number): void {
    if (this.failed) return;
    if (this.staleRefusal !== null && now - this.staleRefusal.at > STALE_GRACE_MS) return this.fallback(this.staleRefusal.reason);
    if (this.openRequest !== null && now > this.openRequest.deadline) return this.fallback('the pool did not answer OpenExtendedMiningChannel in time');
    if (this.tokenRequest !== null && now > this.tokenRequest.deadline) return this.fallback('the JDS did not answer AllocateMiningJobToken in time');
    for (const job of this.jobs.values()) {
      if ((job.state === 'declaring' || job.state === 'setting') && now > job.deadline) {
        return this.fallback(job.state === 'declaring' ? 'the JDS did not answer DeclareMiningJob in time' : 'the pool did not answer SetCustomMiningJob in time');
      }
    }
  }

  /** A pool or JDS message; false for one not handled here. */
  onMessage(m: AnyMessage, now: number): boolean {
    switch (m.name) {
      case 'OpenExtendedMiningChannelSuccess': {
        const r = m.message;
        if (this.openRequest?.id !== r.requestId) return true;
        this.openRequest = null;
        if (r.extranonceSize < this.opts.deviceExtranonceSize) {
          this.fallback(`the pool grants ${r.extranonceSize} extranonce bytes, the devices need ${this.opts.deviceExtranonceSize}`);
          return true;
        }
        this.channel = { channelId: r.channelId, extranoncePrefix: r.extranoncePrefix, extranonceSize: r.extranonceSize, target: r.target };
        this.log.info({ upstream: this.label, channel: r.channelId, extranonceSize: r.extranonceSize }, 'upstream channel open');
        this.maybeReady();
        return true;
      }
      case 'OpenMiningChannelError':
        if (this.openRequest?.id === m.message.requestId) this.fallback(`the pool refused the channel: ${m.message.errorCode}`);
        return true;
      case 'SetTarget':
        if (this.channel?.channelId === m.message.channelId) this.channel.target = m.message.maximumTarget;
        return true;
      case 'AllocateMiningJobTokenSuccess': {
        const r = m.message;
        if (this.tokenRequest?.id !== r.requestId) return true;
        this.tokenRequest = null;
        let outputs;
        try {
          outputs = parsePoolOutputs(r.coinbaseTxOutputs);
          if (outputs.length === 0) throw new RangeError('no outputs');
        } catch (e) {
          this.fallback(`the JDS sent unusable coinbase outputs: ${(e as Error).message}`);
          return true;
        }
        this.spare = { token: r.miningJobToken, outputs };
        // Work follows the newest token's outputs (a coinbase-payout pool's payees move with its window).
        const first = this.outputs === null;
        this.outputs = outputs;
        if (first) this.maybeReady();
        else if (this.basisState !== null && !sameOutputs(this.basisState.outputs, outputs)) this.basisState = { ...this.basisState, outputs };
        this.useToken(now);
        return true;
      }
      case 'ProvideMissingTransactions': {
        const job = this.byDeclare.get(m.message.requestId);
        if (job === undefined || job.txs === null) return true;
        const txs = job.txs.transactions;
        const list: Uint8Array[] = [];
        for (const i of m.message.unknownTxPositionList) {
          const tx = txs[i];
          if (tx === undefined) {
            this.fallback(`the JDS asked for transaction ${i} of a job with ${txs.length}`);
            return true;
          }
          list.push(tx);
        }
        this.log.debug({ upstream: this.label, count: list.length }, 'JDS asked for transactions');
        this.link.send('ProvideMissingTransactionsSuccess', { requestId: m.message.requestId, transactionList: list });
        return true;
      }
      case 'DeclareMiningJobSuccess': {
        const job = this.byDeclare.get(m.message.requestId);
        if (job === undefined || job.state !== 'declaring') return true;
        this.setCustom(job, m.message.newMiningJobToken, now);
        return true;
      }
      case 'DeclareMiningJobError': {
        const job = this.byDeclare.get(m.message.requestId);
        if (job !== undefined) this.refused(job, `the JDS refused the job: ${m.message.errorCode}`, m.message.errorCode, now);
        return true;
      }
      case 'SetCustomMiningJobSuccess': {
        const job = this.byCustom.get(m.message.requestId);
        if (job === undefined || job.state !== 'setting') return true;
        job.state = 'accepted';
        job.jobId = m.message.jobId;
        this.counts.accepted++;
        this.hooks.accepted?.(job.work, job.jobId);
        for (const h of job.held.splice(0)) this.submit(job, h.share, h.extranonce, h.device);
        return true;
      }
      case 'SetCustomMiningJobError': {
        const job = this.byCustom.get(m.message.requestId);
        if (job !== undefined) this.refused(job, `the pool refused the custom job: ${m.message.errorCode}`, m.message.errorCode, now);
        return true;
      }
      case 'SubmitSharesSuccess':
        if (this.channel?.channelId === m.message.channelId) this.sent.accepted(m.message.lastSequenceNumber);
        return true;
      case 'SubmitSharesError':
        if (this.channel?.channelId === m.message.channelId) this.sent.rejected(m.message.sequenceNumber, m.message.errorCode);
        return true;
      case 'CloseChannel':
        if (this.channel?.channelId === m.message.channelId) this.fallback(`the pool closed the channel: ${m.message.reasonCode}`);
        return true;
      case 'Reconnect':
        this.hooks.action({ type: 'reconnect', host: m.message.newHost === '' ? null : m.message.newHost, port: m.message.newPort === 0 ? null : m.message.newPort });
        return true;
      // The pool's own jobs and tip: we mine our own templates.
      case 'NewExtendedMiningJob':
      case 'NewMiningJob':
      case 'SetNewPrevHash':
      case 'SetGroupChannel':
      case 'SetExtranoncePrefix':
      case 'UpdateChannelError':
      case 'ChannelEndpointChanged':
        return true;
      default:
        return false;
    }
  }

  private maybeReady(): void {
    const ch = this.channel;
    if (ch === null || this.outputs === null || this.basisState !== null) return;
    this.basisState = { epoch: this.opts.epoch, channelId: ch.channelId, extranoncePrefix: ch.extranoncePrefix, extranonceSize: ch.extranonceSize, outputs: this.outputs };
    this.hooks.ready(this.basisState);
  }

  private requestToken(now: number): void {
    if (this.tokenRequest !== null || this.spare !== null) return;
    const id = this.nextRequest++;
    this.tokenRequest = { id, deadline: now + this.opts.answerTimeoutMs };
    this.link.send('AllocateMiningJobToken', { userIdentifier: this.opts.userIdentity, requestId: id });
  }

  /** The newest waiting job takes the spare token, and the next token is asked for at once. */
  private useToken(now: number): void {
    const job = this.waiting;
    if (job === null || job.state !== 'waiting-token') {
      this.waiting = null;
      this.requestToken(now);
      return;
    }
    const spare = this.spare;
    if (spare === null) {
      this.requestToken(now);
      return;
    }
    if (this.basisState !== null && !sameOutputs(job.work.pool!.basis.outputs, spare.outputs)) {
      // The token asks other outputs than this job's coinbase pays: the job would be refused, so the work is built again for the token.
      job.state = 'superseded';
      this.waiting = null;
      this.counts.dropped += job.held.splice(0).length;
      this.log.debug({ upstream: this.label, template: String(job.work.templateId) }, 'the pool\'s required outputs changed: building the work again');
      this.hooks.outputsChanged?.(this.basisState);
      return;
    }
    this.spare = null;
    this.waiting = null;
    this.requestToken(now);
    job.deadline = now + this.opts.answerTimeoutMs;
    if (this.opts.mode === 'COINBASEONLY') return this.setCustom(job, spare.token, now);
    job.state = 'declaring';
    this.byDeclare.set(job.declareId, job);
    this.counts.declared++;
    this.hooks.transactions(job.work.templateId).then(
      (txs) => {
        if (this.failed || job.state !== 'declaring') return;
        job.txs = txs;
        const base = job.work.pool!.base.coinbase;
        this.link.send('DeclareMiningJob', {
          requestId: job.declareId,
          miningJobToken: spare.token,
          version: job.work.version,
          coinbaseTxPrefix: base.prefix,
          coinbaseTxSuffix: base.suffix,
          wtxidList: txs.wtxids,
          excessData: txs.excessData,
        });
      },
      (e: unknown) => this.fallback(`our node gave no transactions for template ${job.work.templateId}: ${(e as Error).message}`),
    );
  }

  private setCustom(job: Job, token: Uint8Array, now: number): void {
    const ch = this.channel;
    if (ch === null) return;
    job.state = 'setting';
    job.deadline = now + this.opts.answerTimeoutMs;
    this.byCustom.set(job.customId, job);
    this.link.send('SetCustomMiningJob', {
      ...customJobCoinbase(job.work.pool!.base),
      channelId: ch.channelId,
      requestId: job.customId,
      miningJobToken: token,
      prevHash: job.tip.prevHash,
      minNtime: job.tip.headerTimestamp,
      nbits: job.tip.nbits,
    });
  }

  private submit(job: Job, share: { nonce: number; ntime: number; version: number }, deviceExtranonce: Uint8Array, device: DeviceRef): void {
    this.link.send('SubmitSharesExtended', {
      channelId: this.channel!.channelId,
      sequenceNumber: this.sent.next(device),
      jobId: job.jobId!,
      nonce: share.nonce,
      ntime: share.ntime,
      version: share.version,
      extranonce: job.work.pool!.pad.length === 0 ? deviceExtranonce : concatBytes(job.work.pool!.pad, deviceExtranonce),
    });
  }

  private forget(job: Job): void {
    this.jobs.delete(job.work);
    this.byDeclare.delete(job.declareId);
    this.byCustom.delete(job.customId);
  }

  /** A refusal: a fallback, unless it only says the job's tip is gone (see STALE_GRACE_MS). */
  private refused(job: Job, reason: string, errorCode: string, now: number): void {
    job.state = 'superseded';
    this.counts.dropped += job.held.splice(0).length;
    if (errorCode !== STALE) return this.fallback(reason);
    this.log.debug({ upstream: this.label, template: String(job.work.templateId), reason }, 'job refused as stale; waiting for a newer tip before falling back');
    this.staleRefusal ??= { at: now, prevHash: job.tip.prevHash, reason };
  }

  private fallback(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.hooks.action({ type: 'fallback', reason });
  }
}

