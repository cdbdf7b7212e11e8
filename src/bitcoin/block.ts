/** Blocks: parse, serialize, and assemble one from a template plus a mining solution. */
import { BitcoinDecodeError, ByteReader, ByteWriter, compactSizeLength } from './bytes.js';
import { HEADER_SIZE, headerHash, parseHeader, serializeHeader, type BlockHeader } from './header.js';
import { merkleRootFromPath } from './merkle.js';
import { parseTransaction, readTransaction, type ParsedTransaction } from './tx.js';

/** Consensus limits (BIP141). */
export const MAX_BLOCK_WEIGHT = 4_000_000;
export const MAX_BLOCK_SIGOPS_COST = 80_000;
export const WITNESS_SCALE_FACTOR = 4;

export interface ParsedBlock {
  header: BlockHeader;
  /** SHA256d of the header, internal order. */
  hash: Uint8Array;
  transactions: ParsedTransaction[];
  /** Serialized size with witness data. */
  size: number;
  /** Serialized size without witness data. */
  strippedSize: number;
  weight: number;
}

/** Parses a serialized block; every transaction is parsed, ids computed. */
export function parseBlock(bytes: Uint8Array): ParsedBlock {
  if (bytes.length < HEADER_SIZE + 1) throw new BitcoinDecodeError(`a block is at least 81 bytes, got ${bytes.length}`);
  const header = parseHeader(bytes, 0);
  const r = new ByteReader(bytes, HEADER_SIZE);
  // A transaction is at least 60 bytes; this bounds the count before anything is allocated.
  const n = r.compactSize('transaction count', Math.ceil(bytes.length / 60));
  const transactions: ParsedTransaction[] = [];
  for (let i = 0; i < n; i++) transactions.push(readTransaction(r));
  if (r.remaining !== 0) throw new BitcoinDecodeError(`${r.remaining} trailing bytes after the block's transactions`);
  let strippedSize = HEADER_SIZE + compactSizeLength(n);
  for (const tx of transactions) strippedSize += tx.baseSize;
  return {
    header,
    hash: headerHash(bytes),
    transactions,
    size: bytes.length,
    strippedSize,
    weight: strippedSize * 3 + bytes.length,
  };
}

/** header ‖ tx count ‖ transactions (each as given: witness serialization when it has witnesses). */
export function serializeBlock(header: BlockHeader | Uint8Array, transactions: readonly Uint8Array[]): Uint8Array {
  let size = HEADER_SIZE + 9;
  for (const t of transactions) size += t.length;
  const w = new ByteWriter(size);
  w.bytes(header instanceof Uint8Array ? header.subarray(0, HEADER_SIZE) : serializeHeader(header));
  w.compactSize(transactions.length);
  for (const t of transactions) w.bytes(t);
  return w.finish();
}

export interface BlockSolution {
  version: number;
  prevHash: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
  /** The full coinbase transaction, with its BIP141 fields when segwit (SubmitSolution.coinbase_tx). */
  coinbase: Uint8Array;
  /** The template's non-coinbase transactions in order, witness serialization. */
  transactions: readonly Uint8Array[];
  /** The template's coinbase merkle path, deepest first. */
  merklePath: readonly Uint8Array[];
}

export interface AssembledBlock {
  block: Uint8Array;
  header: BlockHeader;
  hash: Uint8Array;
}

/** Builds the block a solution completes: the merkle root from the coinbase txid and the path. */
export function assembleBlock(s: BlockSolution): AssembledBlock {
  const coinbase = parseTransaction(s.coinbase);
  const header: BlockHeader = {
    version: s.version,
    prevHash: s.prevHash,
    merkleRoot: merkleRootFromPath(coinbase.txid, s.merklePath),
    time: s.time,
    bits: s.bits,
    nonce: s.nonce,
  };
  const headerBytes = serializeHeader(header);
  return { block: serializeBlock(headerBytes, [s.coinbase, ...s.transactions]), header, hash: headerHash(headerBytes) };
}
