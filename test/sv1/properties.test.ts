import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorize,
  buildConfigure,
  buildConfigureResult,
  buildError,
  buildExtranonceSubscribe,
  buildNotify,
  buildReconnect,
  buildResult,
  buildSetDifficulty,
  buildSetExtranonce,
  buildSetVersionMask,
  buildShowMessage,
  buildSubmit,
  buildSubscribe,
  buildSubscribeResult,
  buildSuggestDifficulty,
  buildSuggestTarget,
  parseClientLine,
  parseServerLine,
  readConfigureResult,
  readSubscribeResult,
} from '../../src/sv1/index.js';
import type { Sv1Job, Sv1Share } from '../../src/sv1/index.js';

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.constant(null));
const u32 = fc.nat({ max: 0xffffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const difficulty = fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true, noDefaultInfinity: true });

const share: fc.Arbitrary<Sv1Share> = fc.record({
  workerName: text,
  jobId: text,
  extranonce2: bytes(1, 32),
  ntime: u32,
  nonce: u32,
  versionBits: fc.option(u32),
});

const job: fc.Arbitrary<Sv1Job> = fc.record({
  jobId: text,
  prevHash: bytes(32, 32),
  coinb1: bytes(0, 200),
  coinb2: bytes(0, 200),
  merkleBranches: fc.array(bytes(32, 32), { maxLength: 14 }),
  version: u32,
  nbits: u32,
  ntime: u32,
  cleanJobs: fc.boolean(),
});

/** Every built line is one line of JSON ending in a single newline. */
function oneLine(line: string): string {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
  return line;
}

describe('builder → parser round trips (miner → server)', () => {
  it('mining.subscribe', () => {
    fc.assert(
      fc.property(id, fc.option(text), fc.option(text), (i, userAgent, sessionId) => {
        const m = parseClientLine(oneLine(buildSubscribe(i, userAgent, sessionId)));
        expect(m).toEqual({ type: 'subscribe', id: i, userAgent: userAgent ?? null, sessionId: sessionId ?? null });
      }),
    );
  });

  it('mining.authorize', () => {
    fc.assert(
      fc.property(id, text, text, (i, u, p) => {
        expect(parseClientLine(oneLine(buildAuthorize(i, u, p)))).toEqual({ type: 'authorize', id: i, username: u, password: p });
      }),
    );
  });

  it('mining.configure', () => {
    fc.assert(
      fc.property(
        id,
        fc.option(fc.record({ mask: u32, minBitCount: fc.nat({ max: 32 }) })),
        fc.option(fc.double({ min: 0, max: 1e12, noNaN: true })),
        fc.boolean(),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), text, { maxKeys: 3 }),
        (i, versionRolling, minimumDifficulty, subscribeExtranonce, info) => {
          const line = buildConfigure(i, {
            ...(versionRolling ? { versionRolling } : {}),
            ...(minimumDifficulty !== null ? { minimumDifficulty } : {}),
            subscribeExtranonce,
            info,
          });
          const m = parseClientLine(oneLine(line));
          expect(m).toMatchObject({ type: 'configure', id: i, versionRolling, minimumDifficulty, subscribeExtranonce, info });
        },
      ),
    );
  });

  it('mining.extranonce.subscribe, suggest_difficulty, suggest_target', () => {
    fc.assert(
      fc.property(id, difficulty, bytes(32, 32), (i, d, target) => {
        expect(parseClientLine(oneLine(buildExtranonceSubscribe(i)))).toEqual({ type: 'extranonce-subscribe', id: i });
        expect(parseClientLine(oneLine(buildSuggestDifficulty(i, d)))).toEqual({ type: 'suggest-difficulty', id: i, difficulty: d });
        expect(parseClientLine(oneLine(buildSuggestTarget(i, target)))).toEqual({ type: 'suggest-target', id: i, target });
      }),
    );
  });

  it('mining.submit, with and without version bits', () => {
    fc.assert(
      fc.property(id, share, (i, s) => {
        expect(parseClientLine(oneLine(buildSubmit(i, s)), { extranonce2Size: s.extranonce2.length })).toEqual({ type: 'submit', id: i, share: s });
      }),
    );
  });
});

describe('builder → parser round trips (server → miner)', () => {
  it('mining.notify', () => {
    fc.assert(
      fc.property(job, (j) => {
        expect(parseServerLine(oneLine(buildNotify(j)))).toEqual({ type: 'notify', id: null, job: j });
      }),
    );
  });

  it('set_difficulty, set_extranonce, set_version_mask, show_message, reconnect', () => {
    fc.assert(
      fc.property(difficulty, bytes(0, 32), fc.nat({ max: 32 }), u32, text, (d, e1, e2, mask, message) => {
        expect(parseServerLine(oneLine(buildSetDifficulty(d)))).toEqual({ type: 'set-difficulty', id: null, difficulty: d });
        expect(parseServerLine(oneLine(buildSetExtranonce(e1, e2)))).toEqual({ type: 'set-extranonce', id: null, extranonce1: e1, extranonce2Size: e2 });
        expect(parseServerLine(oneLine(buildSetVersionMask(mask)))).toEqual({ type: 'set-version-mask', id: null, mask });
        expect(parseServerLine(oneLine(buildShowMessage(message)))).toEqual({ type: 'show-message', id: null, message });
      }),
    );
    fc.assert(
      fc.property(fc.option(fc.string({ minLength: 1, maxLength: 30 })), fc.option(fc.integer({ min: 1, max: 65535 })), fc.option(fc.nat({ max: 3600 })), (host, port, wait) => {
        const m = parseServerLine(oneLine(buildReconnect(host ?? undefined, port ?? undefined, wait ?? undefined)));
        expect(m).toEqual({ type: 'reconnect', id: null, host, port, waitSeconds: wait });
      }),
    );
  });

  it('responses: results, errors, subscribe and configure answers', () => {
    fc.assert(
      fc.property(id, fc.jsonValue(), fc.integer({ min: -32768, max: 100 }), text, (i, result, code, message) => {
        expect(parseServerLine(oneLine(buildResult(i, result)))).toEqual({ type: 'response', id: i, result: JSON.parse(JSON.stringify(result)), error: null });
        expect(parseClientLine(oneLine(buildError(i, code, message)))).toEqual({ type: 'response', id: i, result: null, error: { code, message, data: null } });
      }),
    );
    fc.assert(
      fc.property(id, text, bytes(0, 32), fc.nat({ max: 32 }), fc.option(u32), (i, sid, extranonce1, extranonce2Size, mask) => {
        const sub = parseServerLine(oneLine(buildSubscribeResult(i, { subscriptionId: sid, extranonce1, extranonce2Size })));
        if (sub.type !== 'response') throw new Error('response expected');
        expect(readSubscribeResult(sub.result)).toEqual({ subscriptions: [['mining.set_difficulty', sid], ['mining.notify', sid]], extranonce1, extranonce2Size });
        const conf = parseServerLine(oneLine(buildConfigureResult(i, { versionRolling: mask === null ? false : { mask } })));
        if (conf.type !== 'response') throw new Error('response expected');
        expect(readConfigureResult(conf.result).versionRollingMask).toBe(mask);
      }),
    );
  });
});
