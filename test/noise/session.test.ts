import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CipherState } from '../../src/noise/cipher-state.js';
import { DecryptError, FrameTooLargeError } from '../../src/noise/errors.js';
import {
  ciphertextLength,
  ENCRYPTED_HEADER_SIZE,
  encryptedFrameLength,
  MAX_CIPHERTEXT_CHUNK,
  MAX_PLAINTEXT_CHUNK,
  NoiseSession,
} from '../../src/noise/session.js';

/** Two sessions wired back to back, as a handshake would leave them. */
function pair(maxPayload?: number): [NoiseSession, NoiseSession] {
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  return [
    new NoiseSession(new CipherState(k1), new CipherState(k2)),
    new NoiseSession(new CipherState(k2), new CipherState(k1), { maxPayload }),
  ];
}

function frame(payloadLength: number, msgType = 0x1a, fill = (i: number) => (i * 31 + payloadLength) & 0xff): Uint8Array {
  const out = new Uint8Array(6 + payloadLength);
  out[0] = 0;
  out[1] = 0x80;
  out[2] = msgType;
  out[3] = payloadLength & 0xff;
  out[4] = (payloadLength >> 8) & 0xff;
  out[5] = (payloadLength >> 16) & 0xff;
  for (let i = 0; i < payloadLength; i++) out[6 + i] = fill(i);
  return out;
}

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);

describe('encrypted frame layout (spec §4.7)', () => {
  it('computes ciphertext sizes as the spec function does', () => {
    expect(ciphertextLength(0)).toBe(0);
    expect(ciphertextLength(1)).toBe(17);
    expect(ciphertextLength(MAX_PLAINTEXT_CHUNK)).toBe(MAX_CIPHERTEXT_CHUNK);
    expect(ciphertextLength(MAX_PLAINTEXT_CHUNK + 1)).toBe(MAX_CIPHERTEXT_CHUNK + 17);
    expect(ciphertextLength(3 * MAX_PLAINTEXT_CHUNK)).toBe(3 * MAX_CIPHERTEXT_CHUNK);
    expect(encryptedFrameLength(6)).toBe(22);
  });

  it.each([0, 1, 24, 65_518, 65_519, 65_520, 65_535, 131_038, 131_039, 200_000])(
    'a %i-byte payload: 22-byte header block, chunks of ≤ 65 535 bytes, one nonce per block',
    (length) => {
      const [a, b] = pair();
      const plain = frame(length);
      const wire = a.encryptFrame(plain);
      expect(wire.length).toBe(ENCRYPTED_HEADER_SIZE + ciphertextLength(length));
      expect(a.nonces.sent).toBe(1 + Math.ceil(length / MAX_PLAINTEXT_CHUNK));
      const got = b.decryptChunk(wire);
      expect(got.length).toBe(1);
      expect(eq(got[0]!, plain)).toBe(true);
      expect(b.nonces.received).toBe(a.nonces.sent);
    },
  );

  it('refuses a plaintext frame whose header disagrees with its length', () => {
    const [a] = pair();
    const bad = frame(10).subarray(0, 12);
    expect(() => a.encryptFrame(bad)).toThrow('announces 10 payload bytes but 6 follow');
    expect(() => a.encryptFrame(new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('streaming decryption', () => {
  it('reassembles any sequence of frames from any chunking, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(65_519, 65_520, 70_000)), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 30 }),
        (lengths, cuts) => {
          const [a, b] = pair();
          const plains = lengths.map((n, i) => frame(n, i & 0xff));
          const wire = Buffer.concat(plains.map((p) => a.encryptFrame(p)));
          const got: Uint8Array[] = [];
          let offset = 0;
          for (let i = 0; offset < wire.length; i++) {
            const size = cuts[i % cuts.length]!;
            b.feed(wire.subarray(offset, offset + size), (f) => got.push(f));
            offset += size;
          }
          expect(got.length).toBe(plains.length);
          got.forEach((f, i) => expect(eq(f, plains[i]!)).toBe(true));
          expect(b.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('delivers 10 000 frames split into random-size chunks intact and in order', () => {
    const [a, b] = pair();
    const wireParts: Uint8Array[] = [];
    for (let i = 0; i < 10_000; i++) {
      const f = frame(24 + (i % 50));
      new DataView(f.buffer).setUint32(6, i, true);
      wireParts.push(a.encryptFrame(f));
    }
    const wire = Buffer.concat(wireParts);
    let next = 0;
    let offset = 0;
    let seed = 12345;
    while (offset < wire.length) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const size = 1 + (seed % 1500);
      b.feed(wire.subarray(offset, offset + size), (f) => {
        expect(new DataView(f.buffer, f.byteOffset).getUint32(6, true)).toBe(next);
        expect(f.length).toBe(6 + 24 + (next % 50));
        next++;
      });
      offset += size;
    }
    expect(next).toBe(10_000);
  });

  it('takes a 200 000-byte frame one byte at a time in time linear in its size', () => {
    // Each byte is its own chunk, as a peer trickling 1-byte TCP segments can arrange; dropping
    // consumed chunks one by one from the queue's front made this take seconds (quadratic).
    const [a, b] = pair();
    const plain = frame(200_000);
    const wire = a.encryptFrame(plain);
    const got: Uint8Array[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < wire.length; i++) b.feed(wire.subarray(i, i + 1), (f) => got.push(f));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(got.length).toBe(1);
    expect(eq(got[0]!, plain)).toBe(true);
    expect(b.bufferedBytes).toBe(0);
    expect(ms).toBeLessThan(2_000); // well under 0.1 s; the quadratic queue took ~7 s
  });

  it('a flipped bit anywhere kills the session after delivering the frames before it', () => {
    const [a0] = pair();
    const sample = [frame(10), frame(70_000), frame(0), frame(5)].map((f) => a0.encryptFrame(f));
    const total = sample.reduce((n, w) => n + w.length, 0);
    for (const bit of [0, 8 * 21 + 7, 8 * 22, 8 * 40, 8 * (22 + 26 + 22 + 65_535 + 3), 8 * total - 1]) {
      const [a, b] = pair();
      const wire = Buffer.concat([frame(10), frame(70_000), frame(0), frame(5)].map((f) => a.encryptFrame(f)));
      wire[bit >> 3]! ^= 1 << (bit & 7);
      const got: Uint8Array[] = [];
      expect(() => b.feed(wire, (f) => got.push(f)), `bit ${bit}`).toThrow(DecryptError);
      // the frame holding the flipped bit, and everything after it, never come out
      const firstBad = [22 + 26, 22 + 26 + 22 + 70_000 + 32, 22 + 26 + 22 + 70_000 + 32 + 22].findIndex((end) => bit >> 3 < end);
      expect(got.length, `bit ${bit}`).toBe(firstBad === -1 ? 3 : firstBad);
      expect(() => b.feed(new Uint8Array(1), () => undefined)).toThrow(DecryptError);
    }
  });

  it('refuses an oversized frame on its header alone, before allocating or reading the payload', () => {
    const [a, b] = pair(1024);
    const wire = a.encryptFrame(frame(1025));
    const error = (() => {
      try {
        b.decryptChunk(wire.subarray(0, ENCRYPTED_HEADER_SIZE));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect((error as FrameTooLargeError).message).toBe('frame payload of 1025 bytes exceeds the limit of 1024 bytes');
    const [c, d] = pair(1024);
    expect(d.decryptChunk(c.encryptFrame(frame(1024))).length).toBe(1);
  });
});

describe('a frame announced large and sent slowly', () => {
  it('holds only the bytes that arrived, never the size the header announced', () => {
    const [a, b] = pair();
    const wire = a.encryptFrame(frame(1 << 20));
    // The header and 100 bytes of a 1 MiB frame.
    expect(b.decryptChunk(wire.subarray(0, ENCRYPTED_HEADER_SIZE + 100))).toEqual([]);
    expect(b.midFrame).toBe(true);
    expect(b.heldBytes).toBeLessThan(200);
    // Sixteen chunks in: what is held grows with what was sent, and the frame comes whole at the end.
    const sixteen = ENCRYPTED_HEADER_SIZE + 16 * MAX_CIPHERTEXT_CHUNK;
    expect(b.decryptChunk(wire.subarray(ENCRYPTED_HEADER_SIZE + 100, sixteen))).toEqual([]);
    expect(b.heldBytes).toBeGreaterThan(16 * MAX_PLAINTEXT_CHUNK);
    expect(b.heldBytes).toBeLessThan(17 * MAX_CIPHERTEXT_CHUNK);
    const out = b.decryptChunk(wire.subarray(sixteen));
    expect(out).toHaveLength(1);
    expect(eq(out[0]!, frame(1 << 20))).toBe(true);
    expect(b.heldBytes).toBe(0);
    expect(b.midFrame).toBe(false);
  });
});
