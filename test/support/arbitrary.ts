import fc from 'fast-check';
import type { Codec, MessageDecl } from '../../src/codec/index.js';

const MAX_BYTES: Record<string, number> = { B0_32: 32, B0_255: 255, B0_64K: 600, B0_16M: 600 };

/** A fast-check arbitrary that produces any valid value of an Sv2 data type. */
export function arbitraryFor(c: Codec<unknown>): fc.Arbitrary<unknown> {
  switch (c.kind) {
    case 'U8':
      return fc.integer({ min: 0, max: 0xff });
    case 'U16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'U24':
      return fc.integer({ min: 0, max: 0xffffff });
    case 'U32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'U64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'F32':
      return fc.float({ noNaN: true });
    case 'BOOL':
      return fc.boolean();
    case 'U256':
    case 'PUBKEY':
      return fc.uint8Array({ minLength: 32, maxLength: 32 });
    case 'SIGNATURE':
      return fc.uint8Array({ minLength: 64, maxLength: 64 });
    case 'STR0_255':
      return fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => new TextEncoder().encode(s).length <= 255);
  }
  if (c.kind in MAX_BYTES) return fc.uint8Array({ maxLength: MAX_BYTES[c.kind] });
  if (c.kind.startsWith('SEQ0_')) return fc.array(arbitraryFor(c.item!), { maxLength: 8 });
  if (c.kind.startsWith('OPTION[')) return fc.option(arbitraryFor(c.item!), { nil: null });
  throw new Error(`no arbitrary for ${c.kind}`);
}

export function arbitraryMessage(d: MessageDecl): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, codec] of d.fields) rec[name] = arbitraryFor(codec);
  return fc.record(rec);
}
