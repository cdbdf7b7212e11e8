import { createHash } from 'node:crypto';

/** SHA256d on node:crypto directly: tests check the library against it, not against itself. */
export const sha256d = (data: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

/**
 * The 80-byte header a pool rebuilds for an extended share (spec §7.2), written straight from the
 * spec with Buffers, as an independent reference for the library's own header code.
 */
export function referenceExtendedHeader(
  job: { coinbaseTxPrefix: Uint8Array; coinbaseTxSuffix: Uint8Array; merklePath: readonly Uint8Array[] },
  prev: { prevHash: Uint8Array; nbits: number },
  channelPrefix: Uint8Array,
  share: { extranonce: Uint8Array; version: number; ntime: number; nonce: number },
): Buffer {
  let root = sha256d(Buffer.concat([job.coinbaseTxPrefix, channelPrefix, share.extranonce, job.coinbaseTxSuffix]));
  for (const node of job.merklePath) root = sha256d(Buffer.concat([root, node]));
  const header = Buffer.alloc(80);
  header.writeUInt32LE(share.version, 0);
  Buffer.from(prev.prevHash).copy(header, 4);
  root.copy(header, 36);
  header.writeUInt32LE(share.ntime, 68);
  header.writeUInt32LE(prev.nbits, 72);
  header.writeUInt32LE(share.nonce, 76);
  return header;
}
