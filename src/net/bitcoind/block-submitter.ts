/**
 * Found blocks to a bitcoind JSON-RPC node, never dropped for want of a node: a block the node did
 * not answer for waits in a bounded queue and is submitted again as soon as the node answers
 * anything; a submit that timed out is checked with getblockheader, since the node may have taken
 * it. The verdict says where the block ended up: on the node's best chain, off it (stale), or
 * refused with the node's reason.
 */
import { headerHash } from '../../bitcoin/header.js';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import { bytesToHex } from '../../codec/hex.js';
import { Emitter, type Unsubscribe } from '../../chain/events.js';
import type { SubmitOutcome } from '../../chain/template-source.js';
import type { BlockJournal } from './block-journal.js';
import { RpcError, type RpcClient } from './rpc-client.js';

export interface BlockSubmitterOptions {
  client: RpcClient;
  /** submitblock and getblockheader timeout (default 10 s). */
  timeoutMs?: number;
  /** Blocks kept while the node is away; beyond it the oldest is given up (default 16). */
  maxQueued?: number;
  /** Where blocks wait on disk for a verdict; without one they wait in memory only. */
  journal?: BlockJournal;
}

/** What happened to a block the node did not answer for at once (display-order hash). */
export type SubmitEvent =
  | { kind: 'queued'; hash: string; error: string; queued: number }
  /** Blocks left on disk by an earlier run, queued for the node. */
  | { kind: 'restored'; hashes: string[] }
  /** `restored`: the block came from the journal (an earlier run), so nobody in this run waits for it. */
  | { kind: 'resubmitted'; hash: string; outcome: SubmitOutcome; waitedMs: number; restored: boolean }
  | { kind: 'dropped'; hash: string; reason: string };

/** The reason a queued block reports when it never reached the node (queue full, source closed). */
export const NODE_UNREACHABLE = 'node-unreachable';

interface Queued {
  block: Uint8Array;
  hash: Uint8Array;
  since: number;
  /** Everyone who submitted this block (the same block twice waits once). */
  resolve: ((o: SubmitOutcome) => void)[];
  restored: boolean;
}

type Attempt = SubmitOutcome | { unreachable: string };

export class BlockSubmitter {
  private readonly queue = new Map<string, Queued>();
  private readonly events = new Emitter<{ event: SubmitEvent }>();
  private retrying = false;
  private closed = false;

  constructor(private readonly opts: BlockSubmitterOptions) {}

  /** Queues the blocks an earlier run left in the journal (they go to the node when it answers). */
  restore(): void {
    const left = this.opts.journal?.load() ?? [];
    const max = this.opts.maxQueued ?? 16;
    for (const { hash } of left.slice(0, Math.max(0, left.length - max))) this.opts.journal!.remove(hash);
    const kept = left.slice(-max);
    for (const { hash, block } of kept) this.queue.set(hash, { block, hash: headerHash(block), since: Date.now(), resolve: [], restored: true });
    if (kept.length > 0) this.events.emit('event', { kind: 'restored', hashes: kept.map((k) => k.hash) });
  }

  onEvent(listener: (e: SubmitEvent) => void): Unsubscribe {
    return this.events.on('event', listener);
  }

  /** Blocks waiting for the node. */
  get queued(): number {
    return this.queue.size;
  }

  /** Resolves with the node's verdict; for a block the node does not answer for, once it does (or the block is given up). */
  async submit(block: Uint8Array): Promise<SubmitOutcome> {
    if (block.length < 80) return this.final(await this.attempt(block, undefined), undefined);
    const hash = headerHash(block);
    const key = hashToDisplay(hash);
    this.opts.journal?.write(key, block);
    const first = await this.attempt(block, hash);
    if (!('unreachable' in first)) {
      this.opts.journal?.remove(key);
      return first;
    }
    if (this.closed) return this.final(first, hash);
    const already = this.queue.get(key);
    if (already !== undefined) return new Promise((resolve) => already.resolve.push(resolve));
    if (this.queue.size >= (this.opts.maxQueued ?? 16)) {
      const [oldKey, old] = this.queue.entries().next().value!;
      this.queue.delete(oldKey);
      this.opts.journal?.remove(oldKey);
      this.events.emit('event', { kind: 'dropped', hash: oldKey, reason: 'queue full' });
      for (const r of old.resolve) r({ accepted: false, reason: NODE_UNREACHABLE, hash: old.hash });
    }
    return new Promise((resolve) => {
      this.queue.set(key, { block, hash, since: Date.now(), resolve: [resolve], restored: false });
      this.events.emit('event', { kind: 'queued', hash: key, error: first.unreachable, queued: this.queue.size });
    });
  }

  /** The node answered something: the queued blocks go to it again, oldest first, until one gets no answer. */
  async retry(): Promise<void> {
    if (this.retrying || this.queue.size === 0) return;
    this.retrying = true;
    try {
      for (const [key, q] of [...this.queue]) {
        if (this.closed) return;
        const r = await this.attempt(q.block, q.hash);
        if ('unreachable' in r) return;
        this.queue.delete(key);
        this.opts.journal?.remove(key);
        this.events.emit('event', { kind: 'resubmitted', hash: key, outcome: r, waitedMs: Date.now() - q.since, restored: q.restored });
        for (const done of q.resolve) done(r);
      }
    } finally {
      this.retrying = false;
    }
  }

  /** Every queued block is given up for this run (reported as not having reached the node); a journal keeps it for the next. */
  close(): void {
    this.closed = true;
    for (const [key, q] of this.queue) {
      this.events.emit('event', { kind: 'dropped', hash: key, reason: this.opts.journal ? 'source closed; kept on disk for the next start' : 'source closed' });
      for (const r of q.resolve) r({ accepted: false, reason: NODE_UNREACHABLE, hash: q.hash });
    }
    this.queue.clear();
  }

  private final(a: Attempt, hash: Uint8Array | undefined): SubmitOutcome {
    return 'unreachable' in a ? { accepted: false, reason: NODE_UNREACHABLE, hash } : a;
  }

  private async attempt(block: Uint8Array, hash: Uint8Array | undefined): Promise<Attempt> {
    let answer: string | null;
    try {
      answer = await this.opts.client.call<string | null>('submitblock', [bytesToHex(block)], { timeoutMs: this.opts.timeoutMs ?? 10_000 });
    } catch (e) {
      if (e instanceof RpcError) return { accepted: false, reason: e.detail, hash };
      // No answer (refused, dropped, timed out): the node may have taken the block all the same.
      const known = hash === undefined ? undefined : await this.whereIs(hash).catch(() => undefined);
      return known ?? { unreachable: (e as Error).message };
    }
    if (hash === undefined) return answer === null ? { accepted: true } : { accepted: false, reason: answer };
    // null: valid (Core also answers null for a valid block it keeps off its best chain);
    // duplicate / inconclusive: the node has it, or holds it unchecked off its best chain.
    if (answer === null || answer === 'duplicate' || answer === 'inconclusive' || answer === 'duplicate-inconclusive') {
      const known = await this.whereIs(hash).catch(() => undefined);
      return known ?? (answer === null ? { accepted: true, hash } : { accepted: false, stale: true, reason: answer, hash });
    }
    return { accepted: false, reason: answer, hash };
  }

  /** Whether the node has the block: on its best chain (accepted), off it (stale); undefined when it does not. */
  private async whereIs(hash: Uint8Array): Promise<SubmitOutcome | undefined> {
    let header: { confirmations?: number };
    try {
      header = await this.opts.client.call<{ confirmations?: number }>('getblockheader', [hashToDisplay(hash), true], { timeoutMs: this.opts.timeoutMs ?? 10_000 });
    } catch (e) {
      if (e instanceof RpcError) return undefined; // -5: block not found
      throw e;
    }
    return (header.confirmations ?? 0) >= 1 ? { accepted: true, hash } : { accepted: false, stale: true, reason: 'stale', hash };
  }
}
