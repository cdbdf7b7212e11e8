import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadLineBudget, DEFAULT_MAX_LINE_BYTES, LineSplitter, Sv1ProtocolError } from '../../src/sv1/index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function feedAll(splitter: LineSplitter, chunks: Uint8Array[]): string[] {
  return chunks.flatMap((c) => splitter.push(c));
}

describe('LineSplitter', () => {
  const stream = '{"id":1,"method":"mining.subscribe","params":["bitaxe/BM1366/v2.4.2"]}\r\n{"id":2,"method":"mining.authorize","params":["ü-user ✓","x"]}\n\n  \r\n{"id":3}\n';
  const expected = ['{"id":1,"method":"mining.subscribe","params":["bitaxe/BM1366/v2.4.2"]}', '{"id":2,"method":"mining.authorize","params":["ü-user ✓","x"]}', '{"id":3}'];

  it('splits on LF, drops a trailing CR and skips blank lines', () => {
    expect(new LineSplitter().push(utf8(stream))).toEqual(expected);
  });

  it('gives the same lines when fed one byte at a time (UTF-8 split mid-character)', () => {
    const bytes = utf8(stream);
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i++) lines.push(...splitter.push(bytes.subarray(i, i + 1)));
    expect(lines).toEqual(expected);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('gives the same lines for any chunking', () => {
    const bytes = utf8(stream);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
        expect(feedAll(new LineSplitter(), chunks)).toEqual(expected);
      }),
    );
  });

  it('does not keep a reference to the caller buffer', () => {
    const splitter = new LineSplitter();
    const buffer = utf8('{"id":1');
    expect(splitter.push(buffer)).toEqual([]);
    buffer.fill(0x20);
    expect(splitter.push(utf8('}\n'))).toEqual(['{"id":1}']);
  });

  it('returns an unterminated last line on flush', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(utf8('a\nb'))).toEqual(['a']);
    expect(splitter.flush()).toBe('b');
    expect(splitter.flush()).toBeNull();
  });

  it('raises line-too-long as soon as the unfinished line passes the limit, without buffering it', () => {
    expect(new LineSplitter().maxLineBytes).toBe(DEFAULT_MAX_LINE_BYTES);
    const splitter = new LineSplitter({ maxLineBytes: 16 });
    expect(splitter.push(utf8('0123456789abcdef\n'))).toEqual(['0123456789abcdef']); // exactly the limit is fine
    expect(splitter.push(utf8('0123456789'))).toEqual([]);
    let error: unknown;
    try {
      splitter.push(utf8('abcdefg')); // 17 bytes and still no newline
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Sv1ProtocolError);
    expect(error).toMatchObject({ reason: 'line-too-long', message: 'line longer than 16 bytes' });
    expect(splitter.bufferedBytes).toBe(0);
    // the splitter stays failed: the connection is to be dropped
    expect(() => splitter.push(utf8('\n'))).toThrow(Sv1ProtocolError);
    expect(splitter.flush()).toBeNull();
  });

  it('stops a 16 KiB+ line dribbled in small chunks before it grows past the limit', () => {
    const splitter = new LineSplitter();
    const chunk = new Uint8Array(1000).fill(0x61);
    let fed = 0;
    expect(() => {
      for (;;) {
        splitter.push(chunk);
        fed += chunk.length;
        expect(splitter.bufferedBytes).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES);
      }
    }).toThrow(Sv1ProtocolError);
    expect(fed).toBe(16_000);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new LineSplitter({ maxLineBytes: 0 })).toThrow(RangeError);
  });
});

describe('BadLineBudget', () => {
  it('disconnects on the Nth bad line within the window', () => {
    const budget = new BadLineBudget({ maxBadLines: 3, windowLines: 10 });
    expect(budget.record(true)).toBe(false);
    expect(budget.record(false)).toBe(false);
    expect(budget.record(true)).toBe(false);
    expect(budget.badLines).toBe(2);
    expect(budget.record(true)).toBe(true);
  });

  it('forgives bad lines that slid out of the window', () => {
    const budget = new BadLineBudget({ maxBadLines: 2, windowLines: 4 });
    expect(budget.record(true)).toBe(false);
    for (let i = 0; i < 3; i++) expect(budget.record(false)).toBe(false);
    expect(budget.record(true)).toBe(false); // the first bad line just left the window
    expect(budget.badLines).toBe(1);
    expect(budget.record(true)).toBe(true);
  });

  it('a miner with a rare glitch stays; a flood is cut quickly', () => {
    const glitchy = new BadLineBudget();
    for (let i = 0; i < 10_000; i++) expect(glitchy.record(i % 50 === 0)).toBe(false);
    const flood = new BadLineBudget();
    let lines = 0;
    while (!flood.record(true)) lines++;
    expect(lines + 1).toBe(10);
  });

  it('matches a sliding-window count for any sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 5, max: 12 }), fc.array(fc.boolean(), { maxLength: 80 }), (maxBad, window, seq) => {
        const budget = new BadLineBudget({ maxBadLines: maxBad, windowLines: window });
        seq.forEach((bad, i) => {
          const inWindow = seq.slice(Math.max(0, i - window + 1), i + 1).filter(Boolean).length;
          expect(budget.record(bad)).toBe(inWindow >= maxBad);
          expect(budget.badLines).toBe(inWindow);
        });
      }),
    );
  });

  it('refuses a window smaller than the budget', () => {
    expect(() => new BadLineBudget({ maxBadLines: 5, windowLines: 4 })).toThrow(RangeError);
  });
});
