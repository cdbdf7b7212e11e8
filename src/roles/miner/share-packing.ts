/** Shares found by a hashing thread, packed into a few arrays that cross threads by transfer. */
import type { FoundShare } from './hash-search.js';

export interface PackedShares {
  jobKey: number;
  count: number;
  words: Uint32Array;
  hashes: Uint8Array;
  extranonceSize: number;
  extranonces: Uint8Array | null;
}

export function packShares(jobKey: number, shares: FoundShare[]): PackedShares | null {
  if (shares.length === 0) return null;
  const count = shares.length;
  const extranonceSize = shares[0]!.extranonce?.length ?? 0;
  const packed: PackedShares = { jobKey, count, words: new Uint32Array(count * 3), hashes: new Uint8Array(count * 32), extranonceSize, extranonces: extranonceSize > 0 ? new Uint8Array(count * extranonceSize) : null };
  shares.forEach((s, i) => {
    packed.words[i * 3] = s.nonce;
    packed.words[i * 3 + 1] = s.version;
    packed.words[i * 3 + 2] = s.ntime;
    packed.hashes.set(s.hash, i * 32);
    if (packed.extranonces !== null) packed.extranonces.set(s.extranonce!, i * extranonceSize);
  });
  return packed;
}

/** Transfer (not copy) the packed arrays to the receiving thread. */
export function transferList(p: PackedShares | null): ArrayBuffer[] {
  if (p === null) return [];
  const list = [p.words.buffer, p.hashes.buffer];
  if (p.extranonces !== null) list.push(p.extranonces.buffer);
  return list as ArrayBuffer[];
}

export function unpackShares(p: PackedShares): FoundShare[] {
  const out: FoundShare[] = [];
  for (let i = 0; i < p.count; i++) {
    const share: FoundShare = { jobKey: p.jobKey, nonce: p.words[i * 3]!, version: p.words[i * 3 + 1]!, ntime: p.words[i * 3 + 2]!, hash: p.hashes.subarray(i * 32, i * 32 + 32) };
    if (p.extranonces !== null) share.extranonce = p.extranonces.subarray(i * p.extranonceSize, (i + 1) * p.extranonceSize);
    out.push(share);
  }
  return out;
}
