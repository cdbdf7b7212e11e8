import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sv2DecodeError } from '../../src/codec/index.js';
import { FrameDecoder, HEADER_SIZE } from '../../src/framing/index.js';
import { decodePayload, encodeFrame } from '../../src/messages/index.js';

function sampleStream(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 50; i++) {
    frames.push(encodeFrame('SubmitSharesStandard', { channelId: i, sequenceNumber: i, jobId: 1, nonce: i * 7, ntime: 1, version: 0x20000000 }));
    frames.push(encodeFrame('SetupConnectionSuccess', { usedVersion: 2, flags: i }));
    frames.push(encodeFrame('RequestTransactionData', { templateId: BigInt(i) }));
  }
  return frames;
}

describe('FrameDecoder', () => {
  it('decodes a stream dribbled one byte at a time exactly as the whole stream', () => {
    const frames = sampleStream();
    const all = Buffer.concat(frames);
    const whole = new FrameDecoder().push(all);
    const dribbler = new FrameDecoder();
    const dribbled = [];
    for (let i = 0; i < all.length; i++) {
      expect(dribbler.bytesNeeded).toBeGreaterThan(0);
      dribbled.push(...dribbler.push(all.subarray(i, i + 1)));
    }
    expect(whole.length).toBe(frames.length);
    expect(dribbled).toEqual(whole);
    expect(whole.map((f) => decodePayload(f.header, f.payload).name).slice(0, 3)).toEqual([
      'SubmitSharesStandard', 'SetupConnectionSuccess', 'RequestTransactionData',
    ]);
  });

  it('yields the same frames for any chunking', () => {
    const all = Buffer.concat(sampleStream());
    const expected = new FrameDecoder().push(all);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 40 }), (cuts) => {
        const d = new FrameDecoder();
        const got = [];
        let at = 0;
        let k = 0;
        while (at < all.length) {
          const n = cuts[k++ % cuts.length]!;
          got.push(...d.push(all.subarray(at, at + n)));
          at += n;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('says how many bytes it needs next', () => {
    const d = new FrameDecoder();
    expect(d.bytesNeeded).toBe(HEADER_SIZE);
    d.push(Uint8Array.of(0, 0, 1, 6, 0, 0));
    expect(d.bytesNeeded).toBe(6);
    d.push(Uint8Array.of(2, 0));
    expect(d.bytesNeeded).toBe(4);
  });

  it('refuses a payload over its limit from the header alone', () => {
    const d = new FrameDecoder({ maxPayload: 1024 });
    expect(() => d.push(Uint8Array.of(0, 0, 0x57, 0x01, 0x04, 0x00))).toThrow(Sv2DecodeError);
    const big = new FrameDecoder();
    try {
      big.push(Uint8Array.of(0, 0, 0x57, 0xff, 0xff, 0xff));
      expect.unreachable();
    } catch (e) {
      expect((e as Sv2DecodeError).reason).toBe('frame-too-large');
    }
  });
});

describe('a frame announced large and sent slowly', () => {
  it('holds only the bytes that arrived, never the size the header announced', () => {
    const d = new FrameDecoder();
    // A header announcing 1 MiB - 1, then 10 bytes of it.
    expect(d.push(Uint8Array.of(0, 0, 0x58, 0xff, 0xff, 0x0f, ...new Uint8Array(10)))).toEqual([]);
    expect(d.bytesNeeded).toBe(0xfffff - 10);
    expect(d.heldBytes).toBe(HEADER_SIZE + 10);
    const frames = d.push(new Uint8Array(0xfffff - 10).fill(7));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.payload.length).toBe(0xfffff);
    expect(d.heldBytes).toBe(0);
  });
});
