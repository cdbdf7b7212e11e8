/**
 * How work reaches the channels of a role that serves Sv2 mining (the pool from templates, the
 * proxy from its upstream's jobs): every connection gets each piece of work as one group broadcast
 * (proxies, grouped devices) or a job per channel (devices that require standard jobs); the new
 * tip, a channel's first job, the fresh job that carries a vardiff target, and the refresh that
 * keeps jobs flowing when no work comes. It owns the recent work, the tip and the current work;
 * the role's channel manager owns the channels and hands them in. No I/O, no clock of its own.
 * Work is keyed by its `templateId` (a proxy makes one up per upstream job).
 */
import type { ChainTip } from '../../channels/chain-tip.js';
import { ChannelError } from '../../channels/errors.js';
import type { ExtendedChannel } from '../../channels/server-extended.js';
import type { GroupChannel } from '../../channels/server-group.js';
import { StandardChannel } from '../../channels/server-standard.js';
import type { Work } from '../../channels/work.js';
import type { MessageName, Messages } from '../../messages/registry.js';

export type Channel = StandardChannel | ExtendedChannel;

/** What the fan-out reads of a connection. */
export interface FanoutConnection {
  readonly channels: ReadonlyMap<number, Channel>;
  readonly group: GroupChannel | null;
}

export interface FanoutOptions {
  /** Pieces of work kept so jobs of recent templates can be rebuilt for late channels. */
  maxTemplates: number;
  /** With no new template for this long, every channel gets a fresh job of the current work (0 = never). */
  refreshMs: number;
  /**
   * The work a channel outside its connection's group gets for `work` (a solo miner's coinbase
   * pays its own address); channels in a group all mine the group's work. Default: `work` itself.
   */
  workFor?: (ch: Channel, work: Work) => Work;
}

type Send = <N extends MessageName>(connectionId: number, name: N, message: Messages[N]) => void;

/** Work with the id it is known by (a template's, or one a proxy made up). */
interface TemplateEntry {
  templateId: bigint;
  work: Work;
}

export class JobFanout {
  private readonly templates = new Map<bigint, TemplateEntry>();
  private tipState: ChainTip | null = null;
  /** The template the active jobs come from: what a newly opened channel gets. */
  private current: TemplateEntry | null = null;
  /** Jobs went out since the last tick (a template or a prev hash); the clock is the tick's. */
  private jobsSinceTick = false;
  private lastJobsAtMs: number | undefined;

  constructor(
    private readonly connections: ReadonlyMap<number, FanoutConnection>,
    private readonly send: Send,
    private readonly opts: FanoutOptions,
  ) {}

  get tip(): ChainTip | null {
    return this.tipState;
  }

  /** Future work waits for its new tip; other work replaces the active jobs. */
  onWork(work: Work): void {
    if (work.templateId === null) throw new ChannelError('invalid-job', 'work for a fan-out needs an id');
    const future = work.future;
    const entry = { templateId: work.templateId, work };
    this.templates.set(work.templateId, entry);
    while (this.templates.size > this.opts.maxTemplates) this.templates.delete(this.templates.keys().next().value!);
    if (!future && this.tipState === null) return; // nothing to mine it on yet
    for (const [connId, conn] of this.connections) {
      const group = conn.group;
      if (group !== null && group.size > 0 && (future || group.tip !== null)) {
        this.send(connId, 'NewExtendedMiningJob', group.addJob(work, { future: future }).broadcast!);
        for (const ch of conn.channels.values()) if (!group.has(ch.channelId)) this.sendJob(connId, ch, work, future);
      } else {
        for (const ch of conn.channels.values()) this.sendJob(connId, ch, work, future);
      }
    }
    if (!future) this.current = entry;
    this.jobsSinceTick = true;
  }

  /** The new chain tip: every channel switches to its future job of that work. */
  onNewTip(templateId: bigint, tip: ChainTip): void {
    const entry = this.templates.get(templateId);
    if (entry === undefined) throw new ChannelError('unknown-template', `SetNewPrevHash names template ${templateId}, which was never sent`);
    this.tipState = tip;
    this.current = entry;
    this.jobsSinceTick = true;
    for (const [connId, conn] of this.connections) {
      const groupJobId = conn.group?.futureJobId(templateId);
      if (conn.group !== null && groupJobId !== undefined) {
        // Members that joined after the group's future job went out get it under the same id, so the one broadcast covers them.
        for (const ch of conn.channels.values()) {
          if (!conn.group.has(ch.channelId)) {
            // Outside the group (its own payout): its own future job and prev hash.
            if (!ch.hasFutureJob(templateId)) this.sendJob(connId, ch, entry.work, true);
            this.send(connId, 'SetNewPrevHash', ch.setNewPrevHash(templateId, tip));
            continue;
          }
          if (ch.hasFutureJob(templateId)) continue;
          const job = ch.recordJob(entry.work, { future: true, jobId: groupJobId });
          if (ch instanceof StandardChannel) this.send(connId, 'NewMiningJob', ch.jobMessage(job));
          else this.send(connId, 'NewExtendedMiningJob', ch.jobMessage(job));
        }
        this.send(connId, 'SetNewPrevHash', conn.group.setNewPrevHash(templateId, tip).broadcast!);
        continue;
      }
      for (const ch of conn.channels.values()) {
        // A channel opened after the future job went out has none for this template yet.
        if (!ch.hasFutureJob(templateId)) this.sendJob(connId, ch, entry.work, true);
        this.send(connId, 'SetNewPrevHash', ch.setNewPrevHash(templateId, tip));
      }
    }
  }

  /** A new channel's first job: a future job, activated at once by its SetNewPrevHash. */
  firstJob(connId: number, ch: Channel): void {
    if (this.current === null || this.tipState === null) return;
    this.sendJob(connId, ch, this.current.work, true);
    this.send(connId, 'SetNewPrevHash', ch.setNewPrevHash(this.current.templateId, this.tipState));
  }

  /**
   * SetTarget applies to later jobs only: without a new template (a quiet mempool) none would
   * come, and the channel would stay at its old difficulty. A fresh job of the same work carries it.
   */
  freshJob(connId: number, ch: Channel): void {
    if (this.current !== null && this.tipState !== null) this.sendJob(connId, ch, this.current.work, false);
  }

  /**
   * A quiet mempool sends no template for a long time; jobs keep flowing anyway (firmware that
   * waits for work, targets waiting for a job): the current work again, as an active job, to all.
   */
  refreshIfQuiet(nowMs: number): void {
    if (this.jobsSinceTick || this.lastJobsAtMs === undefined) {
      this.jobsSinceTick = false;
      this.lastJobsAtMs = nowMs;
      return;
    }
    const every = this.opts.refreshMs;
    if (every <= 0 || nowMs - this.lastJobsAtMs < every || this.current === null || this.tipState === null) return;
    this.lastJobsAtMs = nowMs;
    const work = this.current.work;
    for (const [connId, conn] of this.connections) {
      const group = conn.group;
      const broadcast = group !== null && group.size > 0 && group.tip !== null;
      if (broadcast) this.send(connId, 'NewExtendedMiningJob', group.addJob(work, { future: false }).broadcast!);
      for (const ch of conn.channels.values()) if (!broadcast || !group.has(ch.channelId)) this.sendJob(connId, ch, work, false);
    }
  }

  private sendJob(connId: number, ch: Channel, shared: Work, future: boolean): void {
    const work = this.opts.workFor?.(ch, shared) ?? shared;
    if (ch instanceof StandardChannel) this.send(connId, 'NewMiningJob', ch.addJob(work, { future }));
    else this.send(connId, 'NewExtendedMiningJob', ch.addJob(work, { future }));
  }
}
