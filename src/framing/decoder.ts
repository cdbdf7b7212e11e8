import { Sv2DecodeError } from '../codec/errors.js';
import { DEFAULT_MAX_PAYLOAD, HEADER_SIZE, readHeader } from './header.js';
import type { FrameHeader } from './header.js';

/** A whole plaintext frame: its header and a payload of exactly `header.msgLength` bytes. */
export interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
}

/**
 * Turns a byte stream cut anywhere (down to single bytes) into whole frames.
 * `bytesNeeded` says how many more bytes complete the current header or payload.
 */
export class FrameDecoder {
  private readonly maxPayload: number;
  private readonly headerBuf = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  private header: FrameHeader | undefined;
  // The payload's pieces as they arrive; its buffer is made only when it is whole, so a peer that
  // announces a large frame and stalls holds only what it sent.
  private parts: Uint8Array[] = [];
  private payloadFill = 0;

  constructor(opts: { maxPayload?: number } = {}) {
    this.maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  get bytesNeeded(): number {
    return this.header === undefined ? HEADER_SIZE - this.headerFill : this.header.msgLength - this.payloadFill;
  }

  /** Feeds bytes and returns every frame they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.header === undefined) {
        const n = Math.min(HEADER_SIZE - this.headerFill, chunk.length - i);
        // A whole header inside the chunk needs no copy.
        if (this.headerFill === 0 && n === HEADER_SIZE) {
          this.startFrame(readHeader(chunk, i));
        } else {
          this.headerBuf.set(chunk.subarray(i, i + n), this.headerFill);
          this.headerFill += n;
          if (this.headerFill === HEADER_SIZE) this.startFrame(readHeader(this.headerBuf));
        }
        i += n;
      } else {
        const need = this.header.msgLength - this.payloadFill;
        const n = Math.min(need, chunk.length - i);
        // Copied: the caller may reuse its chunk once push returns.
        this.parts.push(new Uint8Array(chunk.subarray(i, i + n)));
        this.payloadFill += n;
        i += n;
      }
      if (this.header !== undefined && this.payloadFill === this.header.msgLength) {
        frames.push({ header: this.header, payload: this.takePayload() });
        this.header = undefined;
        this.headerFill = 0;
        this.payloadFill = 0;
      }
    }
    return frames;
  }

  private startFrame(h: FrameHeader): void {
    if (h.msgLength > this.maxPayload) {
      throw new Sv2DecodeError('frame-too-large', `payload of ${h.msgLength} bytes is over the limit of ${this.maxPayload}`);
    }
    this.header = h;
    this.parts = [];
    this.payloadFill = 0;
  }

  /** Bytes held for the frame not yet complete. */
  get heldBytes(): number {
    return this.header === undefined ? this.headerFill : HEADER_SIZE + this.payloadFill;
  }

  private takePayload(): Uint8Array {
    const parts = this.parts;
    this.parts = [];
    if (parts.length === 1) return parts[0]!;
    const payload = new Uint8Array(this.payloadFill);
    let at = 0;
    for (const p of parts) {
      payload.set(p, at);
      at += p.length;
    }
    return payload;
  }
}
