import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { MessageDecl } from '../../src/codec/index.js';
import { Sv2DecodeError } from '../../src/codec/index.js';
import { FrameDecoder } from '../../src/framing/index.js';
import { allMessages, decodeFrame, decodePayload, encodeFrame } from '../../src/messages/index.js';
import type { MessageName, Messages } from '../../src/messages/index.js';
import { arbitraryMessage } from '../support/arbitrary.js';

// `npm run fuzz` raises this; `npm test` keeps it to a few seconds.
const RUNS = Number(process.env.FUZZ_RUNS ?? 60_000);

/** Decoding must return a message or throw Sv2DecodeError: nothing else escapes. */
function decodeOrTypedError(bytes: Uint8Array): void {
  try {
    decodeFrame(bytes);
  } catch (e) {
    if (!(e instanceof Sv2DecodeError)) throw e;
  }
}

const validFrame = fc.constantFrom(...(allMessages as readonly MessageDecl[])).chain((d) =>
  arbitraryMessage(d).map((m) => encodeFrame(d.name as MessageName, m as Messages[MessageName])),
);

/** A valid frame with bytes flipped, replaced, cut or appended. */
const mutatedFrame = fc
  .tuple(validFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 4 }))
  .map(([frame, edits]) => {
    let b = Uint8Array.from(frame);
    for (const [pos, val, op] of edits) {
      const at = pos % Math.max(1, b.length);
      if (op === 0) b[at] = val;
      else if (op === 1) b[at] = b[at]! ^ (1 << (val % 8));
      else if (op === 2) b = b.subarray(0, at);
      else b = Uint8Array.from([...b, val]);
    }
    return b;
  });

describe('decoder fuzz', () => {
  it(`random bytes with a plausible header (${RUNS} cases) only ever raise Sv2DecodeError`, () => {
    const header = fc.tuple(fc.constantFrom(0, 0x80, 0x01, 0x81, 0x7f), fc.integer({ min: 0, max: 0x7f }));
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 0, max: 3 }), header, fc.uint8Array({ maxLength: 80 })), ([extLo, [extHi, type], body]) => {
        const len = body.length;
        const frame = Uint8Array.from([extLo, extHi, type, len & 0xff, len >> 8, 0, ...body]);
        decodeOrTypedError(frame);
        decodeOrTypedError(frame.subarray(0, frame.length - 1));
      }),
      { numRuns: RUNS },
    );
  });

  it(`mutated valid frames (${Math.round(RUNS / 2)} cases) only ever raise Sv2DecodeError`, () => {
    fc.assert(
      fc.property(mutatedFrame, (b) => {
        decodeOrTypedError(b);
        // The streaming path too: header limits, then the payload decode.
        try {
          for (const f of new FrameDecoder({ maxPayload: 4096 }).push(b)) decodePayload(f.header, f.payload);
        } catch (e) {
          if (!(e instanceof Sv2DecodeError)) throw e;
        }
      }),
      { numRuns: Math.round(RUNS / 2) },
    );
  });

  it('fully random bytes never escape as another error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => decodeOrTypedError(b)), { numRuns: Math.round(RUNS / 3) });
  });
});
