/**
 * What the dashboard shows beyond the channel manager's counts: each channel's measured hashrate
 * and last share, and the templates' heights (BIP34, from the coinbase prefix), which give the
 * tip's height and a found block's. Bounded: one entry per open channel, a few templates.
 */
import { HashrateMeter } from '../../channels/hashrate.js';
import type { Messages } from '../../messages/registry.js';

export interface ChannelActivity {
  readonly meter: HashrateMeter;
  lastShareAt: number | null;
}

/** Templates remembered for their height (a found block names its template). */
const TEMPLATES_KEPT = 64;

/** The block height a coinbase scriptSig starts with (BIP34), or null when it does not parse. */
export function bip34Height(scriptSigPrefix: Uint8Array): number | null {
  const first = scriptSigPrefix[0];
  if (first === undefined) return null;
  if (first === 0x00) return 0;
  if (first >= 0x51 && first <= 0x60) return first - 0x50;
  if (first < 1 || first > 5 || scriptSigPrefix.length < 1 + first) return null;
  let h = 0;
  for (let i = first; i >= 1; i--) h = h * 256 + scriptSigPrefix[i]!;
  return h;
}

export class PoolActivity {
  private readonly channels = new Map<number, Map<number, ChannelActivity>>();
  private readonly templateHeights = new Map<bigint, number>();
  /** Height of the block the current jobs build on. */
  tipHeight: number | null = null;
  lastTemplateAt: number | null = null;
  templatesReceived = 0;
  /** Coinbase value of the template the current jobs come from (0 before the first). */
  reward = 0n;
  private readonly templateValues = new Map<bigint, bigint>();

  onTemplate(m: Messages['NewTemplate'], now: number): void {
    this.templatesReceived++;
    this.lastTemplateAt = now;
    this.templateValues.set(m.templateId, m.coinbaseTxValueRemaining);
    if (this.templateValues.size > TEMPLATES_KEPT) this.templateValues.delete(this.templateValues.keys().next().value!);
    if (!m.futureTemplate) this.reward = m.coinbaseTxValueRemaining;
    const height = bip34Height(m.coinbasePrefix);
    if (height === null) return;
    this.templateHeights.set(m.templateId, height);
    if (this.templateHeights.size > TEMPLATES_KEPT) this.templateHeights.delete(this.templateHeights.keys().next().value!);
    if (!m.futureTemplate) this.tipHeight = height - 1;
  }

  onPrevHash(m: Messages['SetNewPrevHashTdp']): void {
    this.reward = this.templateValues.get(m.templateId) ?? this.reward;
    const height = this.templateHeights.get(m.templateId);
    if (height !== undefined) this.tipHeight = height - 1;
  }

  heightOf(templateId: bigint | null): number | null {
    return templateId === null ? null : (this.templateHeights.get(templateId) ?? null);
  }

  onShare(connId: number, channelId: number, difficulty: number, now: number): void {
    const a = this.channel(connId, channelId, now);
    a.meter.record(difficulty, now);
    a.lastShareAt = now;
  }

  /** A channel's activity (created on first sight, so a channel with no share yet has one too). */
  channel(connId: number, channelId: number, now: number): ChannelActivity {
    let conn = this.channels.get(connId);
    if (conn === undefined) this.channels.set(connId, (conn = new Map()));
    let a = conn.get(channelId);
    if (a === undefined) conn.set(channelId, (a = { meter: new HashrateMeter(now), lastShareAt: null }));
    return a;
  }

  closeChannel(connId: number, channelId: number): void {
    this.channels.get(connId)?.delete(channelId);
  }

  closeConnection(connId: number): void {
    this.channels.delete(connId);
  }
}
