/**
 * Transport phase: Sv2 frames encrypted as the spec's section 4.7 lays out. The 6-byte header is its
 * own AEAD message (22 bytes on the wire); the payload follows in chunks of at most 65 535 ciphertext
 * bytes, each with the next nonce; an empty payload adds nothing after the header.
 */
import { HEADER_SIZE, MAX_PAYLOAD } from '../framing/header.js';
import { ByteQueue } from './byte-queue.js';
import type { CipherState } from './cipher-state.js';
import { DecryptError, FrameTooLargeError, NoiseError } from './errors.js';
import { MAC_SIZE } from './primitives.js';

export const ENCRYPTED_HEADER_SIZE = HEADER_SIZE + MAC_SIZE;
export const MAX_CIPHERTEXT_CHUNK = 65_535;
export const MAX_PLAINTEXT_CHUNK = MAX_CIPHERTEXT_CHUNK - MAC_SIZE;

function payloadLength(header: Uint8Array): number {
  return header[3]! | (header[4]! << 8) | (header[5]! << 16);
}

/** Bytes a payload of `plaintextLength` takes on the wire once encrypted (header block excluded). */
export function ciphertextLength(plaintextLength: number): number {
  const full = Math.floor(plaintextLength / MAX_PLAINTEXT_CHUNK);
  const rest = plaintextLength % MAX_PLAINTEXT_CHUNK;
  return full * MAX_CIPHERTEXT_CHUNK + (rest > 0 ? rest + MAC_SIZE : 0);
}

/** Bytes a whole plaintext frame (header ‖ payload) takes on the wire once encrypted. */
export function encryptedFrameLength(plainFrameLength: number): number {
  return ENCRYPTED_HEADER_SIZE + ciphertextLength(plainFrameLength - HEADER_SIZE);
}

export interface SessionOptions {
  /** largest payload accepted from the peer; larger frames are refused before allocation */
  maxPayload?: number;
}

/** An established Noise session: encrypts outgoing frames and decrypts a byte stream into frames. */
export class NoiseSession {
  private readonly inbox = new ByteQueue();
  // A frame whose header is decrypted and whose payload is still arriving. Its buffer is made only
  // once every byte is in, so a peer that announces a large frame and stalls holds only what it sent.
  private pendingHeader: Uint8Array | undefined;
  private readonly headerBytes = new Uint8Array(HEADER_SIZE);
  private pendingLength = 0;
  private pendingParts: Uint8Array[] = [];
  private pendingReceived = 0;
  private failed: NoiseError | undefined;
  maxPayload: number;

  constructor(
    private readonly sender: CipherState,
    private readonly receiver: CipherState,
    options: SessionOptions = {},
  ) {
    this.maxPayload = options.maxPayload ?? MAX_PAYLOAD;
  }

  /** AEAD messages (not frames) sent and received so far; for diagnostics and tests. */
  get nonces(): { sent: number; received: number } {
    return { sent: this.sender.counter, received: this.receiver.counter };
  }

  /** Encrypts one plaintext frame (6-byte header whose bytes 3..5 hold the payload length, then the payload). */
  encryptFrame(plainFrame: Uint8Array): Uint8Array {
    const out = new Uint8Array(encryptedFrameLength(this.checkFrame(plainFrame)));
    this.encryptFrameInto(plainFrame, out, 0);
    return out;
  }

  /**
   * `encryptFrame` into `out` at `offset` (which must have `encryptedFrameLength(plainFrame.length)`
   * bytes free there), so many frames can share one buffer and one socket write; returns the bytes written.
   */
  encryptFrameInto(plainFrame: Uint8Array, out: Uint8Array, offset: number): number {
    const end = this.checkFrame(plainFrame);
    const at = offset;
    offset += this.sender.encryptInto(undefined, plainFrame.subarray(0, HEADER_SIZE), out, offset);
    for (let start = HEADER_SIZE; start < end; start += MAX_PLAINTEXT_CHUNK) {
      const chunk = plainFrame.subarray(start, Math.min(start + MAX_PLAINTEXT_CHUNK, end));
      offset += this.sender.encryptInto(undefined, chunk, out, offset);
    }
    return offset - at;
  }

  /** The frame's length, once its header is seen to announce exactly the payload that follows. */
  private checkFrame(plainFrame: Uint8Array): number {
    if (plainFrame.length < HEADER_SIZE) throw new RangeError(`a frame needs at least ${HEADER_SIZE} bytes, got ${plainFrame.length}`);
    const length = payloadLength(plainFrame);
    if (plainFrame.length !== HEADER_SIZE + length) {
      throw new RangeError(`frame header announces ${length} payload bytes but ${plainFrame.length - HEADER_SIZE} follow`);
    }
    return plainFrame.length;
  }

  /**
   * Feeds received ciphertext (any chunking) and calls `onFrame` for each plaintext frame it completes,
   * in order. Throws DecryptError or FrameTooLargeError after delivering the frames that came before
   * the bad one; the session is then dead and every later call throws the same error.
   */
  feed(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    if (this.failed) throw this.failed;
    this.inbox.push(chunk);
    for (;;) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.nextFrame();
      } catch (err) {
        this.failed = err instanceof NoiseError ? err : new DecryptError('frame decryption failed', { cause: err });
        throw this.failed;
      }
      if (frame === undefined) return;
      onFrame(frame);
    }
  }

  /** `feed` returning the completed frames as an array. */
  decryptChunk(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.feed(chunk, (frame) => frames.push(frame));
    return frames;
  }

  private nextFrame(): Uint8Array | undefined {
    for (;;) {
      if (this.pendingHeader === undefined) {
        if (this.inbox.length < ENCRYPTED_HEADER_SIZE) return undefined;
        // Into the session's own 6 bytes: a frame with a payload copies them into its buffer.
        const header = this.headerBytes;
        this.receiver.decryptInto(undefined, this.inbox.read(ENCRYPTED_HEADER_SIZE), header, 0);
        const length = payloadLength(header);
        if (length > this.maxPayload) throw new FrameTooLargeError(length, this.maxPayload);
        if (length === 0) return header.slice();
        this.pendingHeader = header;
        this.pendingLength = length;
      }
      const plain = Math.min(MAX_PLAINTEXT_CHUNK, this.pendingLength - this.pendingReceived);
      if (this.inbox.length < plain + MAC_SIZE) return undefined;
      const ciphertext = this.inbox.read(plain + MAC_SIZE);
      if (this.pendingReceived === 0 && plain === this.pendingLength) {
        // The common case, a payload in one AEAD chunk: decrypt it straight into the frame.
        const frame = new Uint8Array(HEADER_SIZE + plain);
        frame.set(this.pendingHeader);
        this.receiver.decryptInto(undefined, ciphertext, frame, HEADER_SIZE);
        this.pendingHeader = undefined;
        return frame;
      }
      const part = new Uint8Array(plain);
      this.receiver.decryptInto(undefined, ciphertext, part, 0);
      this.pendingParts.push(part);
      this.pendingReceived += plain;
      if (this.pendingReceived === this.pendingLength) return this.assemblePending();
    }
  }

  private assemblePending(): Uint8Array {
    const frame = new Uint8Array(HEADER_SIZE + this.pendingLength);
    frame.set(this.pendingHeader!);
    let at = HEADER_SIZE;
    for (const p of this.pendingParts) {
      frame.set(p, at);
      at += p.length;
    }
    this.pendingHeader = undefined;
    this.pendingParts = [];
    this.pendingReceived = 0;
    return frame;
  }

  /** Ciphertext bytes received but not yet part of a whole AEAD message. */
  get bufferedBytes(): number {
    return this.inbox.length;
  }

  /** Bytes this session holds for frames not yet complete: what the peer sent, never what it announced. */
  get heldBytes(): number {
    return this.inbox.length + this.pendingReceived + (this.pendingHeader === undefined ? 0 : HEADER_SIZE);
  }

  /** True while part of a frame has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.pendingHeader !== undefined || this.inbox.length > 0;
  }
}
