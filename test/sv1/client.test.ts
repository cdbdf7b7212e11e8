import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BIP320_VERSION_MASK,
  SV1_ERROR,
  Sv1Client,
  Sv1ProtocolError,
  buildConfigureResult,
  buildError,
  buildGetVersion,
  buildNotify,
  buildPing,
  buildReconnect,
  buildResult,
  buildSetDifficulty,
  buildSetExtranonce,
  buildSetVersionMask,
  buildShowMessage,
  buildSubscribeResult,
  difficultyToTarget,
  hashMeetsTarget,
  hexToBytesOrNull,
  parseClientLine,
  sv1ShareHeader,
} from '../../src/sv1/index.js';
import type { Sv1ClientEvent, Sv1Job } from '../../src/sv1/index.js';

const hex = (s: string): Uint8Array => hexToBytesOrNull(s)!;
const sha256d = (data: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

const JOB: Sv1Job = {
  jobId: 'j1',
  prevHash: new Uint8Array(32).fill(7),
  coinb1: hex('01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0d03c94325'),
  coinb2: hex('ffffffff0100f2052a010000000000000000'),
  merkleBranches: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)],
  version: 0x20000000,
  nbits: 0x1d00ffff,
  ntime: 0x66000000,
  cleanJobs: true,
};

function types(events: Sv1ClientEvent[]): string[] {
  return events.map((e) => e.type);
}

function bitaxeLike(): Sv1Client {
  return new Sv1Client({
    userAgent: 'bitaxe/BM1366/v2.4.2',
    username: 'bc1q.bitaxe',
    versionRolling: { mask: 0xffffffff },
    suggestDifficulty: 1000,
    extranonceSubscribe: true,
  });
}

describe('Sv1Client handshake', () => {
  it('pipelines configure, subscribe, suggest_difficulty, authorize and extranonce.subscribe', () => {
    expect(bitaxeLike().start()).toEqual({
      send: [
        '{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff","version-rolling.min-bit-count":0}]}\n',
        '{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1366/v2.4.2"]}\n',
        '{"id":3,"method":"mining.suggest_difficulty","params":[1000]}\n',
        '{"id":4,"method":"mining.authorize","params":["bc1q.bitaxe","x"]}\n',
        '{"id":5,"method":"mining.extranonce.subscribe","params":[]}\n',
      ],
      events: [],
    });
  });

  it('can configure after subscribe, resume a session, and skip configure entirely', () => {
    const late = new Sv1Client({ userAgent: 'cgminer/4.12.1', username: 'u', password: 'p', sessionId: 'ae68', versionRolling: { mask: BIP320_VERSION_MASK, minBitCount: 2 }, configureOrder: 'after-subscribe' });
    const { send } = late.start();
    expect(send.map((l) => parseClientLine(l).type)).toEqual(['subscribe', 'configure', 'authorize']);
    expect(send[0]).toBe('{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1","ae68"]}\n');
    const plain = new Sv1Client({ userAgent: 'cpuminer/2.5.1', username: 'u' });
    expect(plain.start().send.map((l) => parseClientLine(l).type)).toEqual(['subscribe', 'authorize']);
    expect(() => plain.start()).toThrow(Sv1ProtocolError);
  });

  it('reaches the mining state whatever order the answers come in', () => {
    const client = bitaxeLike();
    client.start();
    const events = [
      buildSetDifficulty(1024),
      buildResult(4, true),
      buildSubscribeResult(2, { subscriptionId: 's', extranonce1: hex('e9695791'), extranonce2Size: 4 }),
      buildNotify(JOB),
      buildConfigureResult(1, { versionRolling: { mask: BIP320_VERSION_MASK } }),
      buildResult(3, true),
      buildResult(5, true),
    ].flatMap((line) => client.receive(line).events);
    expect(types(events)).toEqual(['difficulty', 'authorized', 'subscribed', 'job', 'configured', 'response', 'response']);
    expect(events[3]).toEqual({ type: 'job', job: JOB, difficulty: 1024 });
    expect(events[5]).toMatchObject({ method: 'mining.suggest_difficulty', result: true });
    expect(client).toMatchObject({ subscribed: true, authorized: true, extranonce2Size: 4, difficulty: 1024, versionMask: BIP320_VERSION_MASK, latestJob: JOB });
    expect(client.extranonce1).toEqual(hex('e9695791'));
  });

  it('mines without version rolling when the pool does not know mining.configure', () => {
    const client = bitaxeLike();
    client.start();
    const { events } = client.receive(buildError(1, SV1_ERROR.METHOD_NOT_FOUND, 'Method not found'));
    expect(events).toEqual([{ type: 'configured', versionRollingMask: null, result: null, error: { code: -32601, message: 'Method not found', data: null } }]);
    expect(client.receive('{"id":1,"result":{"version-rolling":"no bits left"},"error":null}').events).toMatchObject([{ type: 'response', method: null }]);
    expect(client.versionMask).toBeNull();
  });

  it('reports failed subscribe and authorize', () => {
    const client = bitaxeLike();
    client.start();
    expect(client.receive(buildError(2, 20, 'Unsupported user agent')).events).toEqual([{ type: 'subscribe-failed', reason: '20 Unsupported user agent' }]);
    expect(client.receive(buildResult(4, false)).events).toEqual([{ type: 'authorize-failed', username: 'bc1q.bitaxe', error: null }]);
    expect(client).toMatchObject({ subscribed: false, authorized: false });
    const other = bitaxeLike();
    other.start();
    expect(other.receive(buildResult(2, [[], 'zz', 4])).events[0]).toMatchObject({ type: 'subscribe-failed' });
  });
});

describe('Sv1Client in session', () => {
  function ready(): Sv1Client {
    const client = bitaxeLike();
    client.start();
    client.receive(buildConfigureResult(1, { versionRolling: { mask: BIP320_VERSION_MASK } }));
    client.receive(buildSubscribeResult(2, { subscriptionId: 's', extranonce1: hex('e9695791'), extranonce2Size: 4 }));
    client.receive(buildResult(4, true));
    return client;
  }

  it('follows set_extranonce, set_version_mask, show_message and reconnect', () => {
    const client = ready();
    expect(client.receive(buildSetExtranonce(hex('0102'), 6)).events).toEqual([{ type: 'extranonce', extranonce1: hex('0102'), extranonce2Size: 6 }]);
    expect(client.receive(buildSetVersionMask(0x1fffffe0)).events).toEqual([{ type: 'version-mask', mask: 0x1fffffe0 }]);
    expect(client.receive(buildShowMessage('maintenance')).events).toEqual([{ type: 'message', message: 'maintenance' }]);
    expect(client.receive(buildReconnect('pool.example.com', 3334, 5)).events).toEqual([{ type: 'reconnect', host: 'pool.example.com', port: 3334, waitSeconds: 5 }]);
    expect(client).toMatchObject({ extranonce2Size: 6, versionMask: 0x1fffffe0 });
  });

  it('answers client.get_version and mining.ping, and refuses unknown server requests', () => {
    const client = ready();
    expect(client.receive(buildGetVersion(40)).send).toEqual(['{"id":40,"result":"bitaxe/BM1366/v2.4.2","error":null}\n']);
    expect(client.receive(buildPing('p')).send).toEqual(['{"id":"p","result":"pong","error":null}\n']);
    expect(client.receive('{"id":41,"method":"mining.capabilities","params":[]}')).toEqual({
      send: ['{"id":41,"result":null,"error":[-32601,"Method not found",null]}\n'],
      events: [{ type: 'unknown-request', id: 41, method: 'mining.capabilities' }],
    });
    expect(client.receive('{"id":null,"method":"mining.whatever"}').send).toEqual([]);
  });

  it('keeps jobs until clean_jobs, bounded', () => {
    const client = new Sv1Client({ userAgent: 'ua', username: 'u', maxJobs: 3 });
    client.start();
    for (let i = 0; i < 5; i++) client.receive(buildNotify({ ...JOB, jobId: `j${i}`, cleanJobs: false }));
    expect(client.job('j0')).toBeUndefined();
    expect(client.job('j2')?.jobId).toBe('j2');
    expect(client.job('j4')?.jobId).toBe('j4');
    client.receive(buildNotify({ ...JOB, jobId: 'fresh', cleanJobs: true }));
    expect(client.job('j4')).toBeUndefined();
    expect(client.latestJob?.jobId).toBe('fresh');
  });

  it('throws a typed error for a garbage line and keeps its state', () => {
    const client = ready();
    expect(() => client.receive('HTTP/1.1 400 Bad Request')).toThrow(Sv1ProtocolError);
    expect(client.subscribed).toBe(true);
  });

  it('mines a share the server side verifies, then reads accept and reject', () => {
    const client = ready();
    const difficulty = 2 ** -28; // target 0x0fff…: about one share per 16 hashes
    client.receive(buildSetDifficulty(difficulty));
    const job = (client.receive(buildNotify(JOB)).events[0] as Extract<Sv1ClientEvent, { type: 'job' }>).job;
    const target = difficultyToTarget(client.difficulty);
    const extranonce2 = new Uint8Array(client.extranonce2Size);
    const versionBits = 0x00006000;
    let found: { nonce: number } | null = null;
    for (let nonce = 0; nonce < 100_000 && found === null; nonce++) {
      const share = { workerName: 'w', jobId: job.jobId, extranonce2, ntime: job.ntime, nonce, versionBits };
      if (hashMeetsTarget(sha256d(sv1ShareHeader(job, client.extranonce1!, share, client.versionMask!)), target)) found = { nonce };
    }
    expect(found).not.toBeNull();
    const { id, line } = client.submit({ jobId: job.jobId, extranonce2, ntime: job.ntime, nonce: found!.nonce, versionBits });
    // what the server sees: the submitted share rebuilds to a header meeting the target
    const received = parseClientLine(line, { extranonce2Size: 4 });
    if (received.type !== 'submit') throw new Error('submit expected');
    expect(received.share.workerName).toBe('bc1q.bitaxe');
    expect(hashMeetsTarget(sha256d(sv1ShareHeader(JOB, hex('e9695791'), received.share, BIP320_VERSION_MASK)), target)).toBe(true);

    expect(client.receive(buildResult(id, true)).events).toEqual([{ type: 'share-accepted', id, share: received.share }]);
    const again = client.submit({ jobId: job.jobId, extranonce2, ntime: job.ntime, nonce: found!.nonce, versionBits });
    expect(client.receive(buildError(again.id, SV1_ERROR.DUPLICATE_SHARE, 'Duplicate share')).events).toEqual([
      { type: 'share-rejected', id: again.id, share: received.share, error: { code: 22, message: 'Duplicate share', data: null } },
    ]);
    // an answer for an id never sent (or already answered) is reported, not misattributed
    expect(client.receive(buildResult(id, true)).events).toEqual([{ type: 'response', id, method: null, result: true, error: null }]);
  });

  it('forgets the oldest unanswered requests past its bound', () => {
    const client = ready();
    const first = client.submit({ jobId: 'j', extranonce2: new Uint8Array(4), ntime: 0, nonce: 0, versionBits: null });
    for (let i = 0; i < 1100; i++) client.submit({ jobId: 'j', extranonce2: new Uint8Array(4), ntime: 0, nonce: i, versionBits: null });
    expect(client.receive(buildResult(first.id, true)).events[0]?.type).toBe('response');
  });
});
