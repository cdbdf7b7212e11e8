import type { Codec, Json, ValueOf } from './types.js';
import { Sv2EncodeError } from './errors.js';
import type { Reader } from './reader.js';

export type Field = readonly [name: string, codec: Codec<never> | Codec<unknown>];
export type FieldList = readonly Field[];

/** The TypeScript value of a message, derived from its field list. */
export type ValuesOf<F extends FieldList> = { [E in F[number] as E[0]]: ValueOf<E[1]> };

export interface MessageSpec<N extends string, F extends FieldList> {
  name: N;
  /** 0 for core messages; the extension's id for messages an extension defines. */
  extensionType?: number;
  msgType: number;
  /** The channel_msg bit this message must carry (spec's message-type table). */
  channelMsg: boolean;
  fields: F;
}

/**
 * A message declared once: from this come its encoder, decoder, JSON form and TS type.
 * Field codecs run in declaration order, which is wire order.
 */
export interface MessageDecl<N extends string = string, V = unknown> {
  readonly name: N;
  readonly extensionType: number;
  readonly msgType: number;
  readonly channelMsg: boolean;
  readonly fieldNames: readonly string[];
  readonly fields: readonly (readonly [string, Codec<unknown>])[];
  /** Payload size in bytes; validates every field on the way. */
  payloadSize(value: V): number;
  writePayload(buf: Uint8Array, offset: number, value: V): number;
  readPayload(r: Reader): V;
  /** Encoded size when every field has a fixed size (no TLVs), otherwise undefined. */
  readonly fixedSize: number | undefined;
  /**
   * For a message of fixed-size fields only: reads it from `buf` at `o`, the caller having
   * checked that `fixedSize` bytes are there (one bounds check for the whole message).
   */
  readonly readFixed: ((buf: Uint8Array, o: number) => V) | undefined;
  toJson(value: V): { [key: string]: Json };
  fromJson(json: unknown): V;
}

type AnyCodec = Codec<unknown>;

export function defineMessage<const N extends string, const F extends FieldList>(
  spec: MessageSpec<N, F>,
): MessageDecl<N, ValuesOf<F>> {
  type V = ValuesOf<F>;
  const names = spec.fields.map((f) => f[0]);
  const codecs = spec.fields.map((f) => f[1] as AnyCodec);
  const count = names.length;
  const fixed = codecs.every((c) => c.fixedSize !== undefined) ? codecs.reduce((n, c) => n + c.fixedSize!, 0) : undefined;
  const label = (i: number): string => `${spec.name}.${names[i]}`;

  // Field access is compiled into straight-line code once per message: objects decoded this way
  // all share one hidden class, which keeps the share path fast. Names come from our own
  // declarations (validated below), never from the wire.
  for (const n of names) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new Error(`bad field name ${n}`);
  const labels = names.map((_, i) => label(i));
  const compiledSize = new Function(
    'c',
    'l',
    `return function (v) { return ${names.map((n, i) => `c[${i}].size(v.${n}, l[${i}])`).join(' + ') || '0'}; };`,
  )(codecs, labels) as (v: Record<string, unknown>) => number;
  const compiledWrite = new Function(
    'c',
    `return function (buf, o, v) { ${names.map((n, i) => `o = c[${i}].write(buf, o, v.${n});`).join(' ')} return o; };`,
  )(codecs) as (buf: Uint8Array, o: number, v: Record<string, unknown>) => number;
  const fieldRead = new Function(
    'c',
    'l',
    `return function (r) { return { ${names.map((n, i) => `${n}: c[${i}].read(r, l[${i}])`).join(', ')} }; };`,
  )(codecs, labels) as (r: Reader) => V;
  // A message of fixed-size fields with inline readers: one straight-line function reading every
  // field at its constant offset. A short buffer goes the per-field way, for its precise error.
  let readFixed: ((buf: Uint8Array, o: number) => V) | undefined;
  let compiledRead = fieldRead;
  if (fixed !== undefined && codecs.every((c) => c.readExpr !== undefined)) {
    let at = 0;
    const parts = names.map((n, i) => {
      const expr = codecs[i]!.readExpr!('b', at === 0 ? 'o' : `(o + ${at})`);
      at += codecs[i]!.fixedSize!;
      return `${n}: ${expr}`;
    });
    readFixed = new Function(`return function (b, o) { return { ${parts.join(', ')} }; };`)() as (buf: Uint8Array, o: number) => V;
    const rf = readFixed;
    compiledRead = (r: Reader): V => {
      const o = r.pos;
      if (r.end - o < fixed) return fieldRead(r);
      r.pos = o + fixed;
      return rf(r.buf, o);
    };
  }

  return {
    name: spec.name,
    extensionType: spec.extensionType ?? 0,
    msgType: spec.msgType,
    channelMsg: spec.channelMsg,
    fieldNames: names,
    fields: spec.fields as unknown as readonly (readonly [string, Codec<unknown>])[],
    payloadSize(value: V): number {
      if (value === null || typeof value !== 'object') throw new Sv2EncodeError(spec.name, 'message must be an object');
      const n = compiledSize(value as Record<string, unknown>);
      return fixed ?? n;
    },
    writePayload(buf: Uint8Array, offset: number, value: V): number {
      return compiledWrite(buf, offset, value as Record<string, unknown>);
    },
    readPayload: compiledRead,
    fixedSize: fixed,
    readFixed,
    toJson(value: V) {
      const rec = value as Record<string, unknown>;
      const out: { [key: string]: Json } = {};
      for (let i = 0; i < count; i++) out[names[i]!] = codecs[i]!.toJson(rec[names[i]!]);
      return out;
    },
    fromJson(json: unknown): V {
      if (json === null || typeof json !== 'object' || Array.isArray(json)) {
        throw new Sv2EncodeError(spec.name, 'message must be a JSON object');
      }
      const rec = json as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        if (!names.includes(key)) throw new Sv2EncodeError(`${spec.name}.${key}`, 'unknown field');
      }
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        if (!(names[i]! in rec)) throw new Sv2EncodeError(label(i), 'missing field');
        out[names[i]!] = codecs[i]!.fromJson(rec[names[i]!], label(i));
      }
      return out as V;
    },
  };
}
