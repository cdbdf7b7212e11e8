/**
 * How work reaches the pool's channels: each template becomes work once, and every connection
 * gets it as one group broadcast (proxies) or a job per channel (devices); the new tip, a
 * channel's first job, the fresh job that carries a vardiff target, and the refresh that keeps
 * jobs flowing when no template comes. It owns the templates, the tip and the current work; the
 * channel manager owns the channels and hands them in. No I/O, no clock of its own.
 */
import { chainTipFromTdp, type ChainTip } from '../../channels/chain-tip.js';
import { ChannelError } from '../../channels/errors.js';
import type { ExtendedChannel } from '../../channels/server-extended.js';
import type { GroupChannel } from '../../channels/server-group.js';
import { StandardChannel } from '../../channels/server-standard.js';
import { workFromTemplate, type Work } from '../../channels/work.js';
import type { MessageName, Messages } from '../../messages/registry.js';

export type Channel = StandardChannel | ExtendedChannel;

/** What the fan-out reads of a connection. */
export interface FanoutConnection {
  readonly channels: ReadonlyMap<number, Channel>;
  readonly group: GroupChannel | null;
}

export interface FanoutOptions {
  rewardScript: Uint8Array;
  tag: Uint8Array;
  fullExtranonceSize: number;
  /** Templates kept so jobs of recent templates can be rebuilt for late channels. */
  maxTemplates: number;
  /** With no new template for this long, every channel gets a fresh job of the current work (0 = never). */
  refreshMs: number;
}

type Send = <N extends MessageName>(connectionId: number, name: N, message: Messages[N]) => void;

interface TemplateEntry {
  template: Messages['NewTemplate'];
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

  /** A future template waits for its SetNewPrevHash; another replaces the active jobs. */
  onNewTemplate(template: Messages['NewTemplate']): void {
    const work = workFromTemplate(template, { rewardScript: this.opts.rewardScript, tag: this.opts.tag, fullExtranonceSize: this.opts.fullExtranonceSize });
    const entry = { template, work };
    this.templates.set(template.templateId, entry);
    while (this.templates.size > this.opts.maxTemplates) this.templates.delete(this.templates.keys().next().value!);
    if (!template.futureTemplate && this.tipState === null) return; // nothing to mine it on yet
    for (const [connId, conn] of this.connections) {
      const group = conn.group;
      if (group !== null && group.size > 0 && (template.futureTemplate || group.tip !== null)) {
        this.send(connId, 'NewExtendedMiningJob', group.addJob(work, { future: template.futureTemplate }).broadcast!);
      } else {
        for (const ch of conn.channels.values()) this.sendJob(connId, ch, work, template.futureTemplate);
      }
    }
    if (!template.futureTemplate) this.current = entry;
    this.jobsSinceTick = true;
  }

  /** The new chain tip: every channel switches to its future job for that template. */
  onSetNewPrevHash(m: Messages['SetNewPrevHashTdp']): void {
    const entry = this.templates.get(m.templateId);
    if (entry === undefined) throw new ChannelError('unknown-template', `SetNewPrevHash names template ${m.templateId}, which was never sent`);
    const tip = chainTipFromTdp(m);
    this.tipState = tip;
    this.current = entry;
    this.jobsSinceTick = true;
    for (const [connId, conn] of this.connections) {
      const groupJobId = conn.group?.futureJobId(m.templateId);
      if (conn.group !== null && groupJobId !== undefined) {
        // Members that joined after the group's future job went out get it under the same id, so the one broadcast covers them.
        for (const ch of conn.channels.values()) {
          if (ch.hasFutureJob(m.templateId)) continue;
          const job = ch.recordJob(entry.work, { future: true, jobId: groupJobId });
          if (ch instanceof StandardChannel) this.send(connId, 'NewMiningJob', ch.jobMessage(job));
          else this.send(connId, 'NewExtendedMiningJob', ch.jobMessage(job));
        }
        this.send(connId, 'SetNewPrevHash', conn.group.setNewPrevHash(m.templateId, tip).broadcast!);
        continue;
      }
      for (const ch of conn.channels.values()) {
        // A channel opened after the future job went out has none for this template yet.
        if (!ch.hasFutureJob(m.templateId)) this.sendJob(connId, ch, entry.work, true);
        this.send(connId, 'SetNewPrevHash', ch.setNewPrevHash(m.templateId, tip));
      }
    }
  }

  /** A new channel's first job: a future job, activated at once by its SetNewPrevHash. */
  firstJob(connId: number, ch: Channel): void {
    if (this.current === null || this.tipState === null) return;
    this.sendJob(connId, ch, this.current.work, true);
    this.send(connId, 'SetNewPrevHash', ch.setNewPrevHash(this.current.template.templateId, this.tipState));
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
      if (group !== null && group.size > 0 && group.tip !== null) this.send(connId, 'NewExtendedMiningJob', group.addJob(work, { future: false }).broadcast!);
      else for (const ch of conn.channels.values()) this.sendJob(connId, ch, work, false);
    }
  }

  private sendJob(connId: number, ch: Channel, work: Work, future: boolean): void {
    if (ch instanceof StandardChannel) this.send(connId, 'NewMiningJob', ch.addJob(work, { future }));
    else this.send(connId, 'NewExtendedMiningJob', ch.addJob(work, { future }));
  }
}
