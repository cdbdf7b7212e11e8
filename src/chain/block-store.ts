/**
 * Where the embedded chain keeps its blocks: the interface, and the in-memory store. The file
 * store (roles/common/file-block-store.ts) lives with the roles, as it needs the file system.
 * Synchronous on purpose: a block is durable before submitblock answers, and the chain's core
 * stays synchronous.
 */

/** Opaque location of a stored block. */
export interface BlockRef {
  offset: number;
  length: number;
}

export interface BlockStore {
  append(block: Uint8Array): BlockRef;
  read(ref: BlockRef): Uint8Array;
  /** Every stored block in append order (for the reindex on load). */
  replay(): Iterable<{ block: Uint8Array; ref: BlockRef }>;
  /** Drops every block from `ref` on (used when a replayed block turns out invalid). */
  truncate(ref: BlockRef): void;
  close(): void;
}

export class MemoryBlockStore implements BlockStore {
  private readonly blocks: Uint8Array[] = [];

  append(block: Uint8Array): BlockRef {
    this.blocks.push(block);
    return { offset: this.blocks.length - 1, length: block.length };
  }

  read(ref: BlockRef): Uint8Array {
    const b = this.blocks[ref.offset];
    if (!b) throw new Error(`no stored block at ${ref.offset}`);
    return b;
  }

  *replay(): Iterable<{ block: Uint8Array; ref: BlockRef }> {
    for (let i = 0; i < this.blocks.length; i++) yield { block: this.blocks[i]!, ref: { offset: i, length: this.blocks[i]!.length } };
  }

  truncate(ref: BlockRef): void {
    this.blocks.length = ref.offset;
  }

  close(): void {}
}
