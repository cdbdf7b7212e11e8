/**
 * Where the pool's templates come from, seen as Template Distribution messages: an in-process
 * TemplateSource (the embedded chain or a bitcoind RPC node) translated here, or a Template
 * Provider over the wire. Either way the channel manager gets NewTemplate / SetNewPrevHash and
 * block candidates go back as SubmitSolution.
 */
import { newTemplateMessage, setNewPrevHashMessage } from '../../chain/tdp.js';
import type { SubmitOutcome, TemplateSource } from '../../chain/template-source.js';
import type { Messages } from '../../messages/registry.js';

export interface TemplateFeedHandlers {
  newTemplate(m: Messages['NewTemplate']): void;
  setNewPrevHash(m: Messages['SetNewPrevHashTdp']): void;
  /** The node's verdict on a block found in an earlier run and kept on disk until the node answered (display-order hash). */
  lateVerdict?(blockHash: string, outcome: SubmitOutcome): void;
}

export interface SourceFeedOptions {
  /** Runs after the source is closed (e.g. to stop the node the source belongs to). */
  onClose?: () => Promise<void>;
  /** The link to the node (an in-process chain: always up). */
  connected?: () => boolean;
  /** Verdicts on blocks an earlier run left on disk. */
  lateVerdicts?: (listener: (blockHash: string, outcome: SubmitOutcome) => void) => () => void;
  /**
   * How long `start` waits for the first template (default: until it comes). A node that does not
   * answer yet must not keep the role from listening: past this, `start` resolves and the first
   * template is delivered whenever the node answers.
   */
  firstTemplateWaitMs?: number;
}

export interface TemplateFeed {
  /** Starts delivering templates; the first NewTemplate + SetNewPrevHash come as soon as there is a tip. */
  start(coinbaseOutputMaxAdditionalSize: number, handlers: TemplateFeedHandlers): Promise<void>;
  /**
   * Asks for more room in the coinbase from now on (a pool's required outputs grew): the node's
   * next templates leave it, and a template with that room comes at once where the feed can.
   */
  setCoinbaseRoom(maxAdditionalSize: number): void;
  /** Sends a found block on at once; resolves with the node's verdict when the feed can know it. */
  submitSolution(m: Messages['SubmitSolution']): Promise<SubmitOutcome | undefined>;
  /** A whole block (a JD client's custom job): only a feed with a node of its own can take one. */
  submitBlock?(block: Uint8Array): Promise<SubmitOutcome>;
  /** false while the node (or Template Provider) behind the feed does not answer. */
  readonly connected: boolean;
  close(): Promise<void>;
  /** A block's confirmations (-1: off the best chain; undefined: the feed cannot tell, e.g. a Template Provider). */
  blockDepth?(hash: Uint8Array): Promise<number | undefined>;
}

/** A TemplateSource in the same process: every new tip is a future template plus its prev hash. */
export class SourceTemplateFeed implements TemplateFeed {
  private unsubscribe: (() => void) | undefined;
  private offLate: (() => void) | undefined;
  private handlers: TemplateFeedHandlers | undefined;
  private maxAdditionalSize = 0;

  constructor(
    readonly source: TemplateSource,
    private readonly opts: SourceFeedOptions = {},
  ) {}

  get connected(): boolean {
    return this.opts.connected?.() ?? true;
  }

  async start(maxAdditionalSize: number, h: TemplateFeedHandlers): Promise<void> {
    this.handlers = h;
    this.maxAdditionalSize = maxAdditionalSize;
    if (h.lateVerdict) this.offLate = this.opts.lateVerdicts?.((hash, o) => h.lateVerdict!(hash, o));
    const first = this.firstTemplate(maxAdditionalSize, h);
    const wait = this.opts.firstTemplateWaitMs;
    if (wait === undefined) return first;
    first.catch(() => undefined); // a source closed before its node answered: nothing to deliver
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)))]);
    clearTimeout(timer);
  }

  /** True once the first template has been delivered. */
  get hasTemplate(): boolean {
    return this.unsubscribe !== undefined;
  }

  private async firstTemplate(maxAdditionalSize: number, h: TemplateFeedHandlers): Promise<void> {
    await this.source.start();
    this.subscribe(h);
    this.deliver(h, await this.source.currentTemplate(this.constraints(maxAdditionalSize)), true);
  }

  setCoinbaseRoom(maxAdditionalSize: number): void {
    if (maxAdditionalSize <= this.maxAdditionalSize) return;
    this.maxAdditionalSize = maxAdditionalSize;
    const h = this.handlers;
    if (h === undefined || this.unsubscribe === undefined) return; // the first template will have it
    this.unsubscribe();
    this.subscribe(h);
    const constraints = this.constraints(maxAdditionalSize);
    this.source.currentTemplate(constraints).then(
      (t) => this.maxAdditionalSize === constraints.maxAdditionalSize && this.deliver(h, t, false),
      () => undefined, // the node went away: its next template carries the room anyway
    );
  }

  private constraints(maxAdditionalSize: number): { maxAdditionalSize: number; maxAdditionalSigops: number } {
    return { maxAdditionalSize, maxAdditionalSigops: 400 };
  }

  private deliver(h: TemplateFeedHandlers, t: Awaited<ReturnType<TemplateSource['currentTemplate']>>, newTip: boolean): void {
    h.newTemplate(newTemplateMessage(t, newTip));
    if (newTip) h.setNewPrevHash(setNewPrevHashMessage(t));
  }

  private subscribe(h: TemplateFeedHandlers): void {
    // Deferred: a block the pool submits moves the embedded chain's tip synchronously, and the new
    // templates must not re-enter the pool while it is still handling the share that found it.
    this.unsubscribe = this.source.onTemplate(this.constraints(this.maxAdditionalSize), (t, cause) => queueMicrotask(() => this.deliver(h, t, cause === 'new-tip')));
  }

  blockDepth(hash: Uint8Array): Promise<number | undefined> {
    return this.source.blockDepth?.(hash) ?? Promise.resolve(undefined);
  }

  submitSolution(m: Messages['SubmitSolution']): Promise<SubmitOutcome> {
    return this.source.submitSolution({ templateId: m.templateId, version: m.version, time: m.headerTimestamp, nonce: m.headerNonce, coinbase: m.coinbaseTx });
  }

  /** Through the source's own path (a bitcoind's BlockSubmitter: journal first, kept while the node is away). */
  submitBlock(block: Uint8Array): Promise<SubmitOutcome> {
    return this.source.submitBlock(block);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.offLate?.();
    await this.source.close();
    await this.opts.onClose?.();
  }
}
