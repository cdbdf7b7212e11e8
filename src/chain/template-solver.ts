/** A CPU solver for templates: regtest targets need about two hashes, so this is instant there. */
import { serializeBlock } from '../bitcoin/block.js';
import { joinCoinbase } from '../bitcoin/coinbase.js';
import { sha256d } from '../bitcoin/hash.js';
import { HEADER_SIZE, writeHeader } from '../bitcoin/header.js';
import { merkleRootFromPath } from '../bitcoin/merkle.js';
import { hashMeetsTarget } from '../bitcoin/target.js';
import { templateCoinbase, type BlockTemplate } from './template.js';

export interface SolveOptions {
  /** Where the whole coinbase value goes. */
  payoutScript: Uint8Array;
  /** Nonces to try before giving up (bitcoind's generatetoaddress maxtries). */
  maxTries?: number;
  tag?: Uint8Array;
  /** Extranonce bytes placed in the coinbase (they make coinbases of equal templates differ). */
  extranonce?: Uint8Array;
}

/** Finds a nonce for the template; returns the serialized block, or null after maxTries. */
export function solveTemplate(t: BlockTemplate, opts: SolveOptions): Uint8Array | null {
  const extranonce = opts.extranonce ?? new Uint8Array(8);
  const parts = templateCoinbase(t, { outputs: [{ value: t.coinbaseValue, script: opts.payoutScript }], tag: opts.tag, extranonceSize: extranonce.length });
  const stripped = joinCoinbase(parts.strippedPrefix, extranonce, parts.strippedSuffix);
  const merkleRoot = merkleRootFromPath(sha256d(stripped), t.merklePath);
  const header = new Uint8Array(HEADER_SIZE);
  const view = new DataView(header.buffer);
  writeHeader(header, 0, t.version, t.prevHash, merkleRoot, t.time, t.bits, 0);
  const maxTries = opts.maxTries ?? 1_000_000;
  for (let nonce = 0; nonce < maxTries && nonce <= 0xffffffff; nonce++) {
    view.setUint32(76, nonce, true);
    if (hashMeetsTarget(sha256d(header), t.target)) {
      const coinbase = joinCoinbase(parts.prefix, extranonce, parts.suffix);
      return serializeBlock(header, [coinbase, ...t.transactions.map((x) => x.data)]);
    }
  }
  return null;
}
