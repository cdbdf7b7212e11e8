/**
 * The embedded chain's blocks in an append-only file in a data directory, replayed (reindexed) on
 * start. Synchronous on purpose: a block is durable before submitblock answers.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, writeSync, fstatSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import type { BlockRef, BlockStore } from '../../chain/block-store.js';

/** Record: magic (4) ‖ length (u32 LE) ‖ block. A torn last record (crash mid-write) is cut off on open. */
const MAGIC = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda); // regtest network magic, as in blk*.dat
const RECORD_HEADER = 8;

export class FileBlockStore implements BlockStore {
  private readonly fd: number;
  private end: number;

  /** Opens (creating if needed) `<dataDir>/blocks.dat`. */
  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.fd = openSync(path.join(dataDir, 'blocks.dat'), 'a+');
    this.end = fstatSync(this.fd).size;
  }

  append(block: Uint8Array): BlockRef {
    const head = new Uint8Array(RECORD_HEADER);
    head.set(MAGIC, 0);
    new DataView(head.buffer).setUint32(4, block.length, true);
    writeSync(this.fd, head, 0, RECORD_HEADER, this.end);
    writeSync(this.fd, block, 0, block.length, this.end + RECORD_HEADER);
    fsyncSync(this.fd);
    const ref = { offset: this.end + RECORD_HEADER, length: block.length };
    this.end += RECORD_HEADER + block.length;
    return ref;
  }

  read(ref: BlockRef): Uint8Array {
    const out = new Uint8Array(ref.length);
    const n = readSync(this.fd, out, 0, ref.length, ref.offset);
    if (n !== ref.length) throw new Error(`short read of a stored block at ${ref.offset}`);
    return out;
  }

  *replay(): Iterable<{ block: Uint8Array; ref: BlockRef }> {
    let pos = 0;
    const head = new Uint8Array(RECORD_HEADER);
    while (pos + RECORD_HEADER <= this.end) {
      readSync(this.fd, head, 0, RECORD_HEADER, pos);
      const len = new DataView(head.buffer).getUint32(4, true);
      const magicOk = head[0] === MAGIC[0] && head[1] === MAGIC[1] && head[2] === MAGIC[2] && head[3] === MAGIC[3];
      if (!magicOk || pos + RECORD_HEADER + len > this.end) break;
      const ref = { offset: pos + RECORD_HEADER, length: len };
      yield { block: this.read(ref), ref };
      pos += RECORD_HEADER + len;
    }
    if (pos < this.end) this.truncateAt(pos);
  }

  truncate(ref: BlockRef): void {
    this.truncateAt(ref.offset - RECORD_HEADER);
  }

  private truncateAt(pos: number): void {
    ftruncateSync(this.fd, pos);
    fsyncSync(this.fd);
    this.end = pos;
  }

  close(): void {
    closeSync(this.fd);
  }
}
