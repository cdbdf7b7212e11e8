import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageDecl } from '../../src/codec/index.js';
import { allMessages, decodeFrame, encodeFrame, frameFromJson, frameToJson } from '../../src/messages/index.js';
import type { MessageName, Messages } from '../../src/messages/index.js';
import { arbitraryMessage } from '../support/arbitrary.js';

describe('every message round-trips', () => {
  for (const d of allMessages as readonly MessageDecl[]) {
    it(`${d.name}: decode(encode(m)) = m, and through JSON`, () => {
      fc.assert(
        fc.property(arbitraryMessage(d), (m) => {
          const name = d.name as MessageName;
          const bytes = encodeFrame(name, m as Messages[MessageName]);
          const back = decodeFrame(bytes);
          expect(back.name).toBe(d.name);
          expect(back.message).toEqual(m);
          expect(back.channelMsg).toBe(d.channelMsg);
          // JSON is a faithful second form: bytes → JSON text → bytes is the identity.
          const json = JSON.parse(JSON.stringify(frameToJson(back)));
          expect(Buffer.from(frameFromJson(json)).equals(Buffer.from(bytes))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('all 44 messages are declared: 5 common, 21 mining, 8 JD, 7 TDP, 3 extension negotiation', () => {
    expect(allMessages.length).toBe(44);
  });
});
