/**
 * SHA256d of an 80-byte block header with the first 64 bytes' midstate kept: a share of the same
 * job, version and prev hash changes only the last 16 bytes (end of the root, time, bits, nonce),
 * so its hash costs two SHA-256 compressions (the header's second block, then the second hash)
 * instead of three, in plain JavaScript without a call into the native hash per share.
 */
import { HEADER_SIZE, writeHeader } from './header.js';
import { be32, compress, compressHeaderTail, digestBytes, H0, hashDigestAgain, W } from './sha256-blocks.js';

const swap32 = (x: number): number => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff);

function putLe32(b: Uint8Array, o: number, x: number): void {
  b[o] = x & 0xff;
  b[o + 1] = (x >>> 8) & 0xff;
  b[o + 2] = (x >>> 16) & 0xff;
  b[o + 3] = (x >>> 24) & 0xff;
}

export class HeaderHasher {
  /** The 80 bytes last hashed (a found block's header is read from here). */
  readonly header = new Uint8Array(HEADER_SIZE);
  private readonly mid = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private midVersion = 0;
  private midPrev: Uint8Array | null = null;
  private midRoot: Uint8Array | null = null;
  /** The root's last 4 bytes as the second block's first word. */
  private rootTail = 0;

  /**
   * The header's SHA256d (internal byte order), a new 32-byte array. The midstate is reused while
   * `version`, `prevHash` and `merkleRoot` are the same values as the last call's (the arrays are
   * compared by identity: a caller must not change their bytes in place between calls).
   */
  hash(version: number, prevHash: Uint8Array, merkleRoot: Uint8Array, time: number, bits: number, nonce: number): Uint8Array {
    const hdr = this.header;
    const mid = this.mid;
    if (version !== this.midVersion || prevHash !== this.midPrev || merkleRoot !== this.midRoot) {
      writeHeader(hdr, 0, version, prevHash, merkleRoot, time, bits, nonce);
      mid.set(H0);
      for (let i = 0; i < 16; i++) W[i] = be32(hdr, i * 4);
      compress(mid);
      this.midVersion = version;
      this.midPrev = prevHash;
      this.midRoot = merkleRoot;
      this.rootTail = be32(hdr, 64);
    } else {
      // The first 68 bytes are those of the last call (same version, prev hash and root): only
      // time, bits and nonce change, little-endian.
      putLe32(hdr, 68, time);
      putLe32(hdr, 72, bits);
      putLe32(hdr, 76, nonce);
    }
    const s = this.state;
    s.set(mid);
    // A header field is little-endian, a SHA-256 word big-endian: the word is the field byte-swapped.
    compressHeaderTail(s, this.rootTail, swap32(time), swap32(bits), swap32(nonce));
    hashDigestAgain(s);
    return digestBytes(s);
  }
}
