/**
 * The work each payout mines: the pool accounts' work (one per template, shared by every
 * pool-paid channel and group) and a solo miner's own, whose coinbase pays its address. Every
 * coinbase's outputs come from `poolCoinbaseOutputs` (channels/payout-outputs.ts). Built lazily,
 * once per (template, payout), and forgotten with the template.
 */
import type { TxOut } from '../../bitcoin/tx.js';
import { payoutKey, type PayoutTarget } from '../../channels/payout-identity.js';
import { payoutOutputBytes, poolCoinbaseOutputs, type CoinbasePayout } from '../../channels/payout-outputs.js';
import { workFromTemplate, type Work } from '../../channels/work.js';
import type { Messages } from '../../messages/registry.js';

export interface PayoutWorkOptions {
  poolScript: Uint8Array;
  tag: Uint8Array;
  fullExtranonceSize: number;
  maxTemplates: number;
  dustSats: bigint;
  /** Payee outputs a coinbase may carry (0: no payouts in the coinbase). */
  maxPayoutOutputs: number;
  /** The pool accounts' payout now (payouts in the coinbase); default all to the pool. */
  accountsPayout?: (() => CoinbasePayout) | undefined;
}

export class PayoutWork {
  private readonly templates = new Map<bigint, { template: Messages['NewTemplate']; works: Map<string, Work> }>();

  constructor(private readonly opts: PayoutWorkOptions) {}

  /** Extra coinbase bytes beyond the template's outputs, for CoinbaseOutputConstraints. */
  coinbaseOutputSize(solo: boolean): number {
    return payoutOutputBytes(this.opts.poolScript.length, { solo, maxPayees: this.opts.maxPayoutOutputs });
  }

  /** The pool accounts' coinbase outputs for `value` satoshis. */
  requiredOutputs(value: bigint): TxOut[] {
    return this.outputs(value, this.opts.accountsPayout?.() ?? { kind: 'pool' });
  }

  /** A new template: the pool accounts' work for it (solo work follows when a solo channel needs it). */
  onTemplate(template: Messages['NewTemplate']): Work {
    const work = this.build(template, this.opts.accountsPayout?.() ?? { kind: 'pool' });
    this.templates.set(template.templateId, { template, works: new Map([['', work]]) });
    while (this.templates.size > this.opts.maxTemplates) this.templates.delete(this.templates.keys().next().value!);
    return work;
  }

  /** The work a channel paying `payout` mines for the template `work` came from. */
  workFor(payout: PayoutTarget | undefined, work: Work): Work {
    if (payout === undefined || payout.kind !== 'solo' || work.templateId === null) return work;
    const entry = this.templates.get(work.templateId);
    if (entry === undefined) return work;
    const key = payoutKey(payout);
    let own = entry.works.get(key);
    if (own === undefined) {
      own = this.build(entry.template, { kind: 'solo', script: payout.script, poolBps: payout.poolBps });
      entry.works.set(key, own);
    }
    return own;
  }

  private outputs(value: bigint, payout: CoinbasePayout): TxOut[] {
    return poolCoinbaseOutputs(value, payout, { poolScript: this.opts.poolScript, dustSats: this.opts.dustSats, maxOutputs: this.opts.maxPayoutOutputs });
  }

  private build(template: Messages['NewTemplate'], payout: CoinbasePayout): Work {
    return workFromTemplate(template, { outputs: this.outputs(template.coinbaseTxValueRemaining, payout), tag: this.opts.tag, fullExtranonceSize: this.opts.fullExtranonceSize });
  }
}
