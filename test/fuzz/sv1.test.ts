import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  Sv1Client,
  Sv1ProtocolError,
  parseClientLine,
  parseServerLine,
  readConfigureResult,
  readSubscribeResult,
} from '../../src/sv1/index.js';

/** Cases per property; `npm run fuzz` raises it (FUZZ_RUNS=2000000 across the properties). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 0) > 0 ? Math.ceil(Number(process.env.FUZZ_RUNS) / 5) : 5000;

/** Runs `fn`; anything thrown must be a Sv1ProtocolError with a one-line message. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof Sv1ProtocolError)) throw error;
    expect(error.message).not.toMatch(/\n/);
    expect(error.reason).toMatch(/^[a-z-]+$/);
  }
}

const DATA = new URL('../data/sv1/', import.meta.url);
const corpus = readdirSync(DATA)
  .filter((f) => f.endsWith('.replay'))
  .flatMap((f) => readFileSync(new URL(f, DATA), 'utf8').split('\n'))
  .filter((l) => /^[<>] /.test(l))
  .map((l) => l.replace(/^[<>] \S+ /, ''));

const METHODS = [
  'mining.subscribe', 'mining.authorize', 'mining.configure', 'mining.extranonce.subscribe', 'mining.suggest_difficulty',
  'mining.suggest_target', 'mining.submit', 'mining.notify', 'mining.set_difficulty', 'mining.set_extranonce',
  'mining.set_version_mask', 'client.reconnect', 'client.show_message', 'client.get_version', 'mining.ping', 'mining.other',
];

/** Values that sit on the edges of what the validators accept. */
const edgy = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 70 }),
  fc.constantFrom('00000000', 'ffffffff', 'FFFFFFFF', '0x1fffe000', '1fffe000', '', '0', '512', '-1', '1e400', 'NaN', 'true', '𝄞', '\u0000'),
  fc.constantFrom(0, -1, 0.5, 1e308, 2 ** 32, Number.MAX_SAFE_INTEGER, true, false, null),
  fc.uint8Array({ minLength: 0, maxLength: 40 }).map((b) => Buffer.from(b).toString('hex')),
);

const structured = fc
  .record({
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
    method: fc.oneof(fc.constantFrom(...METHODS), fc.jsonValue({ maxDepth: 1 })),
    params: fc.oneof(fc.array(edgy, { maxLength: 10 }), edgy),
    result: fc.option(fc.jsonValue({ maxDepth: 3 })),
    error: fc.option(fc.oneof(fc.tuple(edgy, edgy, edgy), edgy)),
    drop: fc.subarray(['id', 'method', 'params', 'result', 'error']),
  })
  .map(({ drop, ...fields }) => {
    const message: Record<string, unknown> = { ...fields };
    for (const key of drop) delete message[key];
    return JSON.stringify(message);
  });

const mutation = fc.record({ kind: fc.constantFrom('insert', 'delete', 'replace'), at: fc.nat(), char: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) });
const mutated = fc.tuple(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([line, edits]) => {
  let s = line;
  for (const { kind, at, char } of edits) {
    const i = s.length === 0 ? 0 : at % s.length;
    s = kind === 'insert' ? s.slice(0, i) + char + s.slice(i) : kind === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + char + s.slice(i + 1);
  }
  return s;
});

const anyLine = fc.oneof(structured, mutated, fc.string({ unit: 'binary', maxLength: 200 }));

describe('Sv1 parser fuzz: only typed errors come out', () => {
  it(`structured JSON-RPC with hostile fields (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(structured, (line) => {
        onlyTypedErrors(() => parseClientLine(line));
        onlyTypedErrors(() => parseClientLine(line, { extranonce2Size: 4 }));
        onlyTypedErrors(() => parseServerLine(line));
      }),
      { numRuns: RUNS },
    );
  });

  it(`mutated real lines (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(mutated, (line) => {
        onlyTypedErrors(() => parseClientLine(line));
        onlyTypedErrors(() => parseServerLine(line));
      }),
      { numRuns: RUNS },
    );
  });

  it(`random text (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => {
        onlyTypedErrors(() => parseClientLine(line));
        onlyTypedErrors(() => parseServerLine(line));
      }),
      { numRuns: RUNS },
    );
  });

  it(`result readers and the client state machine (${RUNS} cases)`, () => {
    const client = new Sv1Client({ userAgent: 'fuzz', username: 'u', versionRolling: { mask: 0xffffffff }, suggestDifficulty: 8, extranonceSubscribe: true });
    client.start();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), anyLine, (result, line) => {
        onlyTypedErrors(() => readSubscribeResult(result));
        onlyTypedErrors(() => readConfigureResult(result));
        onlyTypedErrors(() => client.receive(line));
      }),
      { numRuns: RUNS },
    );
  });

  it(`line splitter with arbitrary bytes and chunking (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }), (chunks) => {
        const splitter = new LineSplitter({ maxLineBytes: 100 });
        onlyTypedErrors(() => {
          for (const chunk of chunks) for (const line of splitter.push(chunk)) expect(line.length).toBeLessThanOrEqual(100);
        });
        expect(splitter.bufferedBytes).toBeLessThanOrEqual(100);
      }),
      { numRuns: RUNS },
    );
  });
});
