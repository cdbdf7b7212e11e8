/** The embedded chain as a TemplateSource: the default, nothing to install. */
import type { EmbeddedChain } from './chain.js';
import type { Unsubscribe } from './events.js';
import { DEFAULT_CONSTRAINTS, type BlockTemplate, type CoinbaseConstraints } from './template.js';
import { HubTemplateSource, type SubmitOutcome, type TemplateHubOptions } from './template-source.js';

export class EmbeddedTemplateSource extends HubTemplateSource {
  private readonly unsubscribe: Unsubscribe[] = [];
  private refreshQueued = false;

  constructor(
    readonly chain: EmbeddedChain,
    opts: TemplateHubOptions = {},
  ) {
    super(opts);
  }

  async start(): Promise<void> {
    if (this.unsubscribe.length > 0) return;
    this.refresh();
    this.unsubscribe.push(
      this.chain.onTip(() => this.refresh()),
      // A burst of mempool changes (a generator round) costs one template rebuild.
      this.chain.onMempool(() => {
        if (this.refreshQueued) return;
        this.refreshQueued = true;
        queueMicrotask(() => {
          this.refreshQueued = false;
          this.refresh();
        });
      }),
    );
  }

  private refresh(): void {
    this.hub.update(this.chain.candidate(), { hash: this.chain.tip.hash, height: this.chain.height, nextBits: this.chain.nextBits() });
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  async currentTemplate(constraints: CoinbaseConstraints = DEFAULT_CONSTRAINTS): Promise<BlockTemplate> {
    this.hub.setCandidate(this.chain.candidate());
    return this.hub.build(constraints);
  }

  async submitBlock(block: Uint8Array): Promise<SubmitOutcome> {
    const r = this.chain.submitBlock(block);
    // Already in the chain (another role holding the same block submitted it first): accepted, as
    // Core's "duplicate" is once getblockheader finds it on the best chain. The chain keeps no side branches.
    if (!r.accepted && r.reason === 'duplicate' && r.hash !== undefined && this.chain.entryByHash(r.hash) !== undefined) return { accepted: true, reason: 'duplicate', hash: r.hash };
    return { accepted: r.accepted, reason: r.reason, hash: r.hash };
  }
}
