/**
 * Rebuilding the 80-byte block header an Sv1 miner hashed: the coinbase from coinb1 ‖
 * extranonce1 ‖ extranonce2 ‖ coinb2, the merkle root up the branches, then the header fields
 * (all little-endian in the header, whatever Sv1 writes on the wire). Used by the translator to
 * check a share before forwarding it and by the CPU miner to mine a job. The hashing, merkle fold
 * and header layout are src/bitcoin's; this file adds Sv1's names and its checks on peer input.
 */
import { concatBytes } from '../bitcoin/bytes.js';
import { sha256d } from '../bitcoin/hash.js';
import { HEADER_SIZE, writeHeader } from '../bitcoin/header.js';
import { merkleRootFromPath } from '../bitcoin/merkle.js';
import { Sv1ProtocolError } from './errors.js';
import type { Sv1Job, Sv1Share } from './types.js';

/** txid of the coinbase, then up the merkle path (branches in internal order, deepest first). */
export function merkleRootFromCoinbase(coinbase: Uint8Array, merklePath: readonly Uint8Array[]): Uint8Array {
  for (const node of merklePath) {
    if (node.length !== 32) throw new Sv1ProtocolError('invalid-value', `a merkle branch is 32 bytes, got ${node.length}`);
  }
  return merkleRootFromPath(sha256d(coinbase), merklePath);
}

/** The header fields under Sv1's names. */
export interface HeaderFields {
  version: number;
  /** header byte order */
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  ntime: number;
  nbits: number;
  nonce: number;
}

export function buildHeader(fields: HeaderFields): Uint8Array {
  if (fields.prevHash.length !== 32 || fields.merkleRoot.length !== 32) throw new Sv1ProtocolError('invalid-value', 'prev hash and merkle root are 32 bytes');
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(header, 0, fields.version, fields.prevHash, fields.merkleRoot, fields.ntime, fields.nbits, fields.nonce);
  return header;
}

/** BIP320's 16 general-purpose version bits, the mask most Sv1 pools grant. */
export const BIP320_VERSION_MASK = 0x1fffe000;
/** BIP323's 24 bits (5..28), the mask Sv2 (and SRI) use for version rolling. */
export const BIP323_VERSION_MASK = 0x1fffffe0;

/** How many bits a version-rolling mask lets the miner roll (its population count). */
export function popcount32(mask: number): number {
  let v = mask >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

/** BIP310: the block version of a share given its version bits and the negotiated mask. */
export function rolledVersion(jobVersion: number, versionBits: number | null, mask: number): number {
  if (versionBits === null) return jobVersion >>> 0;
  return ((jobVersion & ~mask) | (versionBits & mask)) >>> 0;
}

/** The merkle root a miner with this extranonce1 and extranonce2 works on. */
export function sv1MerkleRoot(job: Sv1Job, extranonce1: Uint8Array, extranonce2: Uint8Array): Uint8Array {
  return merkleRootFromCoinbase(concatBytes(job.coinb1, extranonce1, extranonce2, job.coinb2), job.merkleBranches);
}

/** The header a share claims to have hashed (double SHA-256 of it is the share hash). */
export function sv1ShareHeader(job: Sv1Job, extranonce1: Uint8Array, share: Sv1Share, versionMask: number): Uint8Array {
  return buildHeader({
    version: rolledVersion(job.version, share.versionBits, versionMask),
    prevHash: job.prevHash,
    merkleRoot: sv1MerkleRoot(job, extranonce1, share.extranonce2),
    ntime: share.ntime,
    nbits: job.nbits,
    nonce: share.nonce,
  });
}
