import { Sv1ProtocolError } from './errors.js';

/** The longest line a peer may send: a 12-branch notify is ~1.5 KiB, a submit ~150 bytes. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Cuts a byte stream into lines. Chunks may split anywhere (even inside a UTF-8 character);
 * lines end at LF, a trailing CR is dropped, and blank lines are skipped. Memory stays bounded:
 * once the unfinished line exceeds `maxLineBytes` it throws `line-too-long` immediately, without
 * waiting for the newline, and the splitter stays failed (the connection should be closed).
 */
export class LineSplitter {
  readonly maxLineBytes: number;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private failed = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${this.maxLineBytes}`);
  }

  /** Bytes held for the unfinished line. */
  get bufferedBytes(): number {
    return this.pendingLength;
  }

  /** Feeds a chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array): string[] {
    if (this.failed) throw this.tooLong();
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      if (this.pendingLength + (end - start) > this.maxLineBytes) {
        this.failed = true;
        this.pending = [];
        this.pendingLength = 0;
        throw this.tooLong();
      }
      if (newline < 0) {
        if (end > start) {
          // copy: the caller may reuse its buffer
          this.pending.push(chunk.slice(start, end));
          this.pendingLength += end - start;
        }
        return lines;
      }
      const line = this.finishLine(chunk.subarray(start, end));
      if (line !== null) lines.push(line);
      start = newline + 1;
    }
  }

  /** At end of stream: the last line if it lacked a newline (null if none). */
  flush(): string | null {
    if (this.failed) return null;
    return this.finishLine(new Uint8Array(0));
  }

  private finishLine(tail: Uint8Array): string | null {
    let bytes = tail;
    if (this.pendingLength > 0) {
      bytes = new Uint8Array(this.pendingLength + tail.length);
      let offset = 0;
      for (const part of this.pending) {
        bytes.set(part, offset);
        offset += part.length;
      }
      bytes.set(tail, offset);
      this.pending = [];
      this.pendingLength = 0;
    }
    let length = bytes.length;
    if (length > 0 && bytes[length - 1] === CARRIAGE_RETURN) length--;
    const line = this.decoder.decode(bytes.subarray(0, length));
    return line.trim().length === 0 ? null : line;
  }

  private tooLong(): Sv1ProtocolError {
    return new Sv1ProtocolError('line-too-long', `line longer than ${this.maxLineBytes} bytes`);
  }
}
