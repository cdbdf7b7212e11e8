/**
 * TemplateSource: where a pool, a JD client or a template provider gets block templates and
 * sends found blocks. Two implementations present the same interface: the embedded chain
 * (in-process) and the bitcoind JSON-RPC backend (Bitcoin Core, Knots, btcd).
 */
import { equalBytes } from '../bitcoin/bytes.js';
import { assembleBlock } from '../bitcoin/block.js';
import { Emitter, type Unsubscribe } from './events.js';
import { DEFAULT_CONSTRAINTS, finishTemplate, type BlockTemplate, type CoinbaseConstraints, type TemplateCandidate } from './template.js';

export interface ChainTip {
  /** Block hash, internal order. */
  hash: Uint8Array;
  height: number;
  /** nBits of the next block. */
  nextBits: number;
}

export interface SubmitOutcome {
  /** The node has the block on its best chain. */
  accepted: boolean;
  /** Valid, but the node keeps it off its best chain (another block at that height won). */
  stale?: boolean;
  /** The node's reject reason (Bitcoin Core's strings) when not accepted. */
  reason?: string;
  /** Block hash, internal order. */
  hash?: Uint8Array;
}

/** TDP SubmitSolution, plus the template it solves. */
export interface TemplateSolution {
  templateId: bigint;
  version: number;
  time: number;
  nonce: number;
  /** The full coinbase, with its BIP141 fields. */
  coinbase: Uint8Array;
}

/** Why a template was pushed. */
export type TemplateCause = 'new-tip' | 'fees';

export interface TemplateSource {
  /** Resolves once the first template can be served (the RPC backend keeps retrying until then). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The current tip, once known. */
  tip(): ChainTip | undefined;
  /** The best template now, for these coinbase constraints. */
  currentTemplate(constraints?: CoinbaseConstraints): Promise<BlockTemplate>;
  /**
   * Templates for `constraints`, pushed on every new tip and when fees rose by at least the
   * source's fee delta since the last one pushed to this listener.
   */
  onTemplate(constraints: CoinbaseConstraints, listener: (t: BlockTemplate, cause: TemplateCause) => void): Unsubscribe;
  onNewTip(listener: (tip: ChainTip) => void): Unsubscribe;
  /** A recent template by id (bounded cache), e.g. to answer RequestTransactionData. */
  template(id: bigint): BlockTemplate | undefined;
  /** Its non-coinbase transactions (witness serialization), in template order. */
  transactionsOf(id: bigint): Uint8Array[] | undefined;
  submitBlock(block: Uint8Array): Promise<SubmitOutcome>;
  /** Builds the block a SubmitSolution completes and submits it. */
  submitSolution(s: TemplateSolution): Promise<SubmitOutcome>;
  /** A block's confirmations on the best chain (1 = the tip), -1 off it, undefined when unknown. */
  blockDepth?(hash: Uint8Array): Promise<number | undefined>;
}

export interface TemplateHubOptions {
  /** Templates kept for lookups by id (default 64). */
  cacheSize?: number;
  /** A fee rise (sats) that warrants a new template without a new tip (default 1000, as Bitcoin Core's sv2 TP). */
  feeDelta?: bigint;
}

interface Subscription {
  constraints: CoinbaseConstraints;
  listener: (t: BlockTemplate, cause: TemplateCause) => void;
  lastFees: bigint;
  lastPrevHash?: Uint8Array;
}

/** The part both sources share: template ids, the cache, per-constraint subscriptions, solutions → blocks. */
export class TemplateHub {
  private readonly cache = new Map<bigint, BlockTemplate>();
  private readonly subs = new Set<Subscription>();
  private readonly events = new Emitter<{ tip: ChainTip }>();
  private candidate?: TemplateCandidate;
  private lastTip?: ChainTip;
  private nextId = 1n;
  private readonly cacheSize: number;
  private readonly feeDelta: bigint;

  constructor(opts: TemplateHubOptions = {}) {
    this.cacheSize = opts.cacheSize ?? 64;
    this.feeDelta = opts.feeDelta ?? 1000n;
  }

  get ready(): boolean {
    return this.candidate !== undefined;
  }

  tip(): ChainTip | undefined {
    return this.lastTip;
  }

  /** Builds and caches a template from the latest candidate. */
  build(constraints: CoinbaseConstraints = DEFAULT_CONSTRAINTS): BlockTemplate {
    if (!this.candidate) throw new Error('no template yet: the source has not reached its node');
    const t = finishTemplate(this.candidate, constraints, this.nextId++);
    this.cache.set(t.id, t);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return t;
  }

  /** Replaces the candidate without notifying anyone (a fresh read for currentTemplate). */
  setCandidate(candidate: TemplateCandidate): void {
    this.candidate = candidate;
  }

  /** A new candidate from the node: on a new tip every subscriber gets a template, otherwise those whose fees rose enough. */
  update(candidate: TemplateCandidate, tip: ChainTip): void {
    this.candidate = candidate;
    const newTip = !this.lastTip || !equalBytes(this.lastTip.hash, tip.hash);
    this.lastTip = tip;
    if (newTip) this.events.emit('tip', tip);
    for (const s of [...this.subs]) {
      const fresh = !s.lastPrevHash || !equalBytes(s.lastPrevHash, candidate.prevHash);
      if (!fresh) {
        // Cheap pre-check before building: the candidate's total fees bound any template's.
        const maxFees = candidate.candidates.reduce((sum, c) => sum + c.fee, 0n);
        if (maxFees - s.lastFees < this.feeDelta) continue;
      }
      const t = this.build(s.constraints);
      if (!fresh && t.fees - s.lastFees < this.feeDelta) continue;
      s.lastFees = t.fees;
      s.lastPrevHash = t.prevHash;
      s.listener(t, fresh ? 'new-tip' : 'fees');
    }
  }

  subscribe(constraints: CoinbaseConstraints, listener: (t: BlockTemplate, cause: TemplateCause) => void): Unsubscribe {
    const sub: Subscription = { constraints, listener, lastFees: 0n };
    if (this.candidate) {
      const t = this.build(constraints);
      sub.lastFees = t.fees;
      sub.lastPrevHash = t.prevHash;
    }
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  onTip(listener: (tip: ChainTip) => void): Unsubscribe {
    return this.events.on('tip', listener);
  }

  template(id: bigint): BlockTemplate | undefined {
    return this.cache.get(id);
  }

  transactionsOf(id: bigint): Uint8Array[] | undefined {
    return this.cache.get(id)?.transactions.map((t) => t.data);
  }

  /** The serialized block a solution completes, or undefined for an unknown (expired) template. */
  assemble(s: TemplateSolution): Uint8Array | undefined {
    const t = this.cache.get(s.templateId);
    if (!t) return undefined;
    return assembleBlock({
      version: s.version,
      prevHash: t.prevHash,
      time: s.time,
      bits: t.bits,
      nonce: s.nonce,
      coinbase: s.coinbase,
      transactions: t.transactions.map((x) => x.data),
      merklePath: t.merklePath,
    }).block;
  }
}

/**
 * A TemplateSource over a TemplateHub: everything but where candidates come from and where blocks
 * go is answered by the hub, the same way for every implementation.
 */
export abstract class HubTemplateSource implements TemplateSource {
  protected readonly hub: TemplateHub;

  constructor(opts: TemplateHubOptions = {}) {
    this.hub = new TemplateHub(opts);
  }

  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
  abstract currentTemplate(constraints?: CoinbaseConstraints): Promise<BlockTemplate>;
  abstract submitBlock(block: Uint8Array): Promise<SubmitOutcome>;

  tip(): ChainTip | undefined {
    return this.hub.tip();
  }

  onTemplate(constraints: CoinbaseConstraints, listener: (t: BlockTemplate, cause: TemplateCause) => void): Unsubscribe {
    return this.hub.subscribe(constraints, listener);
  }

  onNewTip(listener: (tip: ChainTip) => void): Unsubscribe {
    return this.hub.onTip(listener);
  }

  template(id: bigint): BlockTemplate | undefined {
    return this.hub.template(id);
  }

  transactionsOf(id: bigint): Uint8Array[] | undefined {
    return this.hub.transactionsOf(id);
  }

  async submitSolution(s: TemplateSolution): Promise<SubmitOutcome> {
    const block = this.hub.assemble(s);
    if (!block) return { accepted: false, reason: 'unknown-template' };
    return this.submitBlock(block);
  }
}
