/**
 * The JD client's view of its own node: the templates it was sent (bounded), the tip, each
 * template's transactions (asked of the Template Provider, or read from an in-process source) for
 * DeclareMiningJob and ProvideMissingTransactions, and found blocks sent back.
 */
import { parseTransaction } from '../../bitcoin/tx.js';
import { ZERO_WITNESS_RESERVED_VALUE } from '../../bitcoin/witness.js';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { Sv2Error } from '../../codec/sv2-error.js';
import type { Messages } from '../../messages/registry.js';
import { TdpTemplateFeed } from '../common/tdp-client.js';
import { SourceTemplateFeed, type TemplateFeed } from '../common/template-feed.js';

/** A template's transactions in block order, their wtxids, and TDP's excess data. */
export interface TemplateTransactions {
  transactions: Uint8Array[];
  wtxids: Uint8Array[];
  excessData: Uint8Array;
}

export class TemplateDataError extends Sv2Error {
  constructor(message: string) {
    super('SV2_ERR_TEMPLATE_DATA', message);
  }
}

/** Templates kept for declarations and late shares. */
const MAX_TEMPLATES = 16;

export class TemplateView {
  private readonly templates = new Map<bigint, Messages['NewTemplate']>();
  private readonly txCache = new Map<bigint, Promise<TemplateTransactions>>();
  tip: Messages['SetNewPrevHashTdp'] | null = null;

  constructor(readonly feed: TemplateFeed) {}

  add(t: Messages['NewTemplate']): void {
    this.templates.set(t.templateId, t);
    while (this.templates.size > MAX_TEMPLATES) {
      const oldest = this.templates.keys().next().value!;
      this.templates.delete(oldest);
      this.txCache.delete(oldest);
    }
  }

  get(id: bigint): Messages['NewTemplate'] | undefined {
    return this.templates.get(id);
  }

  /** The template the devices mine now: the tip's, or a later non-future one on the same tip. */
  current: Messages['NewTemplate'] | null = null;

  /** The transactions of a template (once per template; the answer is kept while it is). */
  transactions(id: bigint): Promise<TemplateTransactions> {
    let p = this.txCache.get(id);
    if (p === undefined) {
      p = this.fetch(id);
      p.catch(() => this.txCache.delete(id));
      if (this.templates.has(id)) this.txCache.set(id, p);
    }
    return p;
  }

  private async fetch(id: bigint): Promise<TemplateTransactions> {
    let transactions: Uint8Array[];
    let excessData: Uint8Array;
    if (this.feed instanceof SourceTemplateFeed) {
      const txs = this.feed.source.transactionsOf(id);
      if (txs === undefined) throw new TemplateDataError(`template ${id} is no longer known to the node`);
      transactions = txs;
      excessData = ZERO_WITNESS_RESERVED_VALUE;
    } else if (this.feed instanceof TdpTemplateFeed) {
      const answer = await this.feed.requestTransactionData(id);
      if (!('transactionList' in answer)) throw new TemplateDataError(`the Template Provider has no transactions for template ${id}: ${answer.errorCode}`);
      transactions = answer.transactionList;
      excessData = answer.excessData;
    } else {
      throw new TemplateDataError('this template feed cannot give transactions');
    }
    return { transactions, wtxids: transactions.map((tx) => parseTransaction(tx).wtxid), excessData };
  }

  submitSolution(m: Messages['SubmitSolution']): Promise<SubmitOutcome | undefined> {
    return this.feed.submitSolution(m);
  }
}
