import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/index.js';
import type { MessageDecl } from '../../src/codec/index.js';
import { allMessages, decodeFrame, encodeFrame } from '../../src/messages/index.js';

const decls = allMessages as readonly MessageDecl[];
const fixedDecls = decls.filter((d) => d.readFixed !== undefined);

describe('the compiled fixed-size decoder', () => {
  it('exists for the share path messages', () => {
    expect(fixedDecls.map((d) => d.name)).toContain('SubmitSharesStandard');
    expect(fixedDecls.map((d) => d.name)).toContain('SubmitSharesSuccess');
  });

  it('reads at any offset what the schema writer writes back', () => {
    for (const d of fixedDecls) {
      const n = d.fixedSize!;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: n + 3, maxLength: n + 3 }), fc.integer({ min: 0, max: 3 }), (bytes, at) => {
          const viaFixed = d.readFixed!(bytes, at);
          const r = new Reader(bytes, at, at + n);
          expect(d.readPayload(r)).toEqual(viaFixed);
          expect(r.pos).toBe(at + n);
          // What it read re-encodes to the same value through the schema's writer.
          const out = new Uint8Array(n);
          expect(d.writePayload(out, 0, viaFixed)).toBe(n);
          expect(d.readFixed!(out, 0)).toEqual(viaFixed);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('keeps the per-field error for a short payload and reads TLVs after a fixed message', () => {
    const frame = encodeFrame('SubmitSharesStandard', { channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 });
    const short = frame.slice(0, frame.length - 2);
    short[3] = frame[3]! - 2; // a consistent header declaring 22 payload bytes
    expect(() => decodeFrame(short)).toThrow(/version needs 4 bytes, 2 left/);
    const withTlv = new Uint8Array(frame.length + 6);
    withTlv.set(frame);
    withTlv[3] = frame[3]! + 6;
    withTlv.set([0x02, 0x00, 0x01, 0x01, 0x00, 0x41], frame.length);
    const m = decodeFrame(withTlv);
    expect(m.message).toEqual({ channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 });
    expect(m.tlvs).toEqual([{ extensionType: 2, fieldType: 1, value: new Uint8Array([0x41]) }]);
  });
});
