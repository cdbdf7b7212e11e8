/**
 * SHA256d of an 80-byte block header with the first 64 bytes' midstate kept: a share of the same
 * job, version and prev hash changes only the last 16 bytes (end of the root, time, bits, nonce),
 * so its hash costs two SHA-256 compressions (the header's second block, then the second hash)
 * instead of three, in plain JavaScript without a call into the native hash per share.
 */
import { HEADER_SIZE, writeHeader } from './header.js';
import { be32, compress, compressHeaderTail, digestBytes, H0, hashDigestAgain, W } from './sha256-blocks.js';

export class HeaderHasher {
  /** The 80 bytes last hashed (a found block's header is read from here). */
  readonly header = new Uint8Array(HEADER_SIZE);
  private readonly mid = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private midVersion = 0;
  private midPrev: Uint8Array | null = null;
  private midRoot: Uint8Array | null = null;

  /**
   * The header's SHA256d (internal byte order), a new 32-byte array. The midstate is reused while
   * `version`, `prevHash` and `merkleRoot` are the same values as the last call's (the arrays are
   * compared by identity: a caller must not change their bytes in place between calls).
   */
  hash(version: number, prevHash: Uint8Array, merkleRoot: Uint8Array, time: number, bits: number, nonce: number): Uint8Array {
    const hdr = this.header;
    writeHeader(hdr, 0, version, prevHash, merkleRoot, time, bits, nonce);
    const mid = this.mid;
    if (version !== this.midVersion || prevHash !== this.midPrev || merkleRoot !== this.midRoot) {
      mid.set(H0);
      for (let i = 0; i < 16; i++) W[i] = be32(hdr, i * 4);
      compress(mid);
      this.midVersion = version;
      this.midPrev = prevHash;
      this.midRoot = merkleRoot;
    }
    const s = this.state;
    s.set(mid);
    compressHeaderTail(s, be32(hdr, 64), be32(hdr, 68), be32(hdr, 72), be32(hdr, 76));
    hashDigestAgain(s);
    return digestBytes(s);
  }
}
