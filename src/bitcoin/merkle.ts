/** Merkle trees as Bitcoin builds them: raw internal-order hashes, an odd last node paired with itself. */
import { sha256d } from './hash.js';
import { foldPath } from './sha256-blocks.js';

export interface MerkleResult {
  root: Uint8Array;
  /**
   * True when some level paired a node with an identical sibling (CVE-2012-2459): the same root
   * then also commits to a different transaction list, so a block with it is rejected as mutated.
   */
  mutated: boolean;
}

/** The merkle root of `hashes` (txids or wtxids, internal order); all zeros for an empty list. */
export function computeMerkleRoot(hashes: readonly Uint8Array[]): MerkleResult {
  if (hashes.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = hashes.slice();
  let mutated = false;
  const pair = new Uint8Array(64);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      if (i + 1 < level.length && equal32(left, right)) mutated = true;
      pair.set(left, 0);
      pair.set(right, 32);
      next.push(sha256d(pair));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}

export function merkleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  return computeMerkleRoot(hashes).root;
}

/**
 * The merkle path of the coinbase (position 0), deepest first: the siblings that, folded onto the
 * coinbase txid with {@link merkleRootFromPath}, give the block's merkle root. `txids` are the
 * non-coinbase transactions in block order. This is NewTemplate/NewExtendedMiningJob.merkle_path.
 */
export function coinbaseMerklePath(txids: readonly Uint8Array[]): Uint8Array[] {
  const path: Uint8Array[] = [];
  // Index 0 of every level depends on the coinbase; only the other nodes are computed.
  let level: (Uint8Array | null)[] = [null, ...txids];
  const pair = new Uint8Array(64);
  while (level.length > 1) {
    path.push(level[1]!);
    const next: (Uint8Array | null)[] = [null];
    for (let i = 2; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      pair.set(left, 0);
      pair.set(right, 32);
      next.push(sha256d(pair));
    }
    level = next;
  }
  return path;
}

/**
 * Folds a merkle path onto a leaf: root = SHA256d(root ‖ node) for each node, deepest first.
 * Position 0 only (the coinbase), which is all Stratum needs. SHA-256 in JS (sha256-blocks.ts):
 * for 64-byte pairs it beats two native calls a step, and allocates only the root.
 */
export function merkleRootFromPath(leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array {
  return path.length === 0 ? leaf.slice() : foldPath(leaf, path);
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
