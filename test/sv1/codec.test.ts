import { describe, expect, it } from 'vitest';
import {
  SV1_ERROR,
  Sv1ProtocolError,
  buildAuthorize,
  buildConfigure,
  buildConfigureResult,
  buildError,
  buildExtranonceSubscribe,
  buildGetVersion,
  buildNotify,
  buildPing,
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
  bytesToHex,
  grantConfigure,
  hexToBytesOrNull,
  negotiateVersionMask,
  parseClientLine,
  parseServerLine,
  readBooleanResult,
  readConfigureResult,
  readSubscribeResult,
} from '../../src/sv1/index.js';
import type { Sv1ClientMessage, Sv1ServerMessage } from '../../src/sv1/index.js';

const hex = (s: string): Uint8Array => {
  const b = hexToBytesOrNull(s);
  if (b === null) throw new Error(`bad hex in test: ${s}`);
  return b;
};

function client<T extends Sv1ClientMessage['type']>(line: string, type: T, options = {}): Extract<Sv1ClientMessage, { type: T }> {
  const m = parseClientLine(line, options);
  expect(m.type).toBe(type);
  return m as Extract<Sv1ClientMessage, { type: T }>;
}

function server<T extends Sv1ServerMessage['type']>(line: string, type: T): Extract<Sv1ServerMessage, { type: T }> {
  const m = parseServerLine(line);
  expect(m.type).toBe(type);
  return m as Extract<Sv1ServerMessage, { type: T }>;
}

function refusal(fn: () => unknown): Sv1ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Sv1ProtocolError);
    expect((error as Error).message).not.toMatch(/\n/);
    return error as Sv1ProtocolError;
  }
  throw new Error('expected a Sv1ProtocolError');
}

// The classic job from the original Stratum protocol description (slush pool docs).
const SLUSH_NOTIFY =
  '{"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008", "072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", [], "00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"}';

describe('mining.subscribe', () => {
  it('builds the exact line with user agent and session id', () => {
    expect(buildSubscribe(1, 'cgminer/4.12.1', 'ae6812eb')).toBe('{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1","ae6812eb"]}\n');
    expect(buildSubscribe(2, 'cpuminer/2.5.1')).toBe('{"id":2,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n');
    expect(buildSubscribe(3)).toBe('{"id":3,"method":"mining.subscribe","params":[]}\n');
  });

  it('parses user agent and session id, and their absence', () => {
    expect(client('{"id": 1, "method": "mining.subscribe", "params": ["bitaxe v2.2"]}', 'subscribe')).toEqual({ type: 'subscribe', id: 1, userAgent: 'bitaxe v2.2', sessionId: null });
    expect(client('{"id":"x","method":"mining.subscribe","params":["cgminer/4.12.1","ae68"]}', 'subscribe')).toMatchObject({ id: 'x', sessionId: 'ae68' });
    expect(client('{"id":1,"method":"mining.subscribe","params":[]}', 'subscribe')).toMatchObject({ userAgent: null, sessionId: null });
    expect(client('{"id":1,"method":"mining.subscribe"}', 'subscribe')).toMatchObject({ userAgent: null });
    expect(client('{"id":1,"method":"mining.subscribe","params":null}', 'subscribe')).toMatchObject({ userAgent: null });
  });

  it('answers with the subscription id, extranonce1 and extranonce2 size, read back by the miner', () => {
    const line = buildSubscribeResult(1, { subscriptionId: 'abc', extranonce1: hex('08000002'), extranonce2Size: 4 });
    expect(line).toBe('{"id":1,"result":[[["mining.set_difficulty","abc"],["mining.notify","abc"]],"08000002",4],"error":null}\n');
    const response = server(line, 'response');
    expect(response.error).toBeNull();
    expect(readSubscribeResult(response.result)).toEqual({
      subscriptions: [
        ['mining.set_difficulty', 'abc'],
        ['mining.notify', 'abc'],
      ],
      extranonce1: hex('08000002'),
      extranonce2Size: 4,
    });
  });

  it('reads the subscription shapes pools actually send', () => {
    expect(readSubscribeResult([['mining.notify', 'ae68'], '08000002', '4'])).toMatchObject({ subscriptions: [['mining.notify', 'ae68']], extranonce2Size: 4 });
    expect(readSubscribeResult([null, 'AABB', 8])).toMatchObject({ subscriptions: [], extranonce1: hex('aabb') });
    expect(refusal(() => readSubscribeResult([[], 'xyz', 4])).reason).toBe('invalid-result');
    expect(refusal(() => readSubscribeResult([[], '00', 33])).reason).toBe('invalid-result');
    expect(refusal(() => readSubscribeResult(true)).reason).toBe('invalid-result');
  });
});

describe('mining.authorize', () => {
  it('builds and parses username and password', () => {
    expect(buildAuthorize(2, 'slush.miner1', 'password')).toBe('{"id":2,"method":"mining.authorize","params":["slush.miner1","password"]}\n');
    expect(buildAuthorize(2, 'u')).toBe('{"id":2,"method":"mining.authorize","params":["u","x"]}\n');
    expect(client('{"id": 3, "method": "mining.authorize", "params": ["tb1q.bitaxe3", "x"]}', 'authorize')).toEqual({ type: 'authorize', id: 3, username: 'tb1q.bitaxe3', password: 'x' });
    expect(client('{"id":3,"method":"mining.authorize","params":["only-user"]}', 'authorize')).toMatchObject({ password: null });
  });

  it('refuses a missing username', () => {
    const e = refusal(() => parseClientLine('{"id":3,"method":"mining.authorize","params":[]}'));
    expect(e).toMatchObject({ reason: 'invalid-params', id: 3, method: 'mining.authorize' });
    expect(e.message).toBe('mining.authorize: username must be a string, got undefined');
  });

  it('answers true, false and errors', () => {
    expect(buildResult(3, true)).toBe('{"id":3,"result":true,"error":null}\n');
    expect(buildError(3, SV1_ERROR.UNAUTHORIZED, 'Unauthorized worker')).toBe('{"id":3,"result":null,"error":[24,"Unauthorized worker",null]}\n');
    expect(readBooleanResult(server(buildResult(3, true), 'response').result)).toBe(true);
    expect(readBooleanResult(server(buildResult(3, false), 'response').result)).toBe(false);
    expect(readBooleanResult(null)).toBe(false);
  });
});

describe('mining.configure (BIP310)', () => {
  it('builds version rolling, minimum difficulty, subscribe-extranonce and info', () => {
    expect(buildConfigure(1, { versionRolling: { mask: 0x1fffe000, minBitCount: 2 } })).toBe(
      '{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":2}]}\n',
    );
    expect(buildConfigure(1, { versionRolling: { mask: 0xffffffff }, minimumDifficulty: 2048, subscribeExtranonce: true, info: { 'hw-version': 'S9' } })).toBe(
      '{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty","subscribe-extranonce","info"],{"version-rolling.mask":"ffffffff","version-rolling.min-bit-count":0,"minimum-difficulty.value":2048,"info.hw-version":"S9"}]}\n',
    );
  });

  it("parses BIP310's own example", () => {
    const line = '{"method": "mining.configure", "id": 1, "params": [["minimum-difficulty", "version-rolling"], {"minimum-difficulty.value": 2048, "version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 2}]}';
    expect(client(line, 'configure')).toMatchObject({
      id: 1,
      extensions: ['minimum-difficulty', 'version-rolling'],
      versionRolling: { mask: 0x1fffe000, minBitCount: 2 },
      minimumDifficulty: 2048,
      subscribeExtranonce: false,
    });
  });

  it('defaults the mask to ffffffff, reads strings as numbers and collects info', () => {
    expect(client('{"id":1,"method":"mining.configure","params":[["version-rolling"]]}', 'configure').versionRolling).toEqual({ mask: 0xffffffff, minBitCount: 0 });
    const m = client(
      '{"id":1,"method":"mining.configure","params":[["version-rolling","subscribe-extranonce","info"],{"version-rolling.mask":"1FFFE000","version-rolling.min-bit-count":"16","info.hw-id":"abc"}]}',
      'configure',
    );
    expect(m).toMatchObject({ versionRolling: { mask: 0x1fffe000, minBitCount: 16 }, subscribeExtranonce: true, info: { 'hw-id': 'abc' } });
  });

  it('refuses malformed extension lists and masks', () => {
    expect(refusal(() => parseClientLine('{"id":1,"method":"mining.configure","params":["version-rolling"]}')).reason).toBe('invalid-params');
    expect(refusal(() => parseClientLine('{"id":1,"method":"mining.configure","params":[[1]]}')).reason).toBe('invalid-params');
    expect(refusal(() => parseClientLine('{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe0001"}]}')).reason).toBe('invalid-params');
    expect(refusal(() => parseClientLine('{"id":1,"method":"mining.configure","params":[["version-rolling"],[]]}')).reason).toBe('invalid-params');
  });

  it('negotiates the mask as the intersection and answers every listed extension', () => {
    expect(negotiateVersionMask(0xffffffff, 0x1fffffe0)).toEqual({ mask: 0x1fffffe0, enough: true });
    expect(negotiateVersionMask(0x00c00000, 0x1fffe000, 4)).toEqual({ mask: 0x00c00000, enough: false });
    const request = client(
      '{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty","subscribe-extranonce","info","future-thing"],{"version-rolling.mask":"ffffffff","minimum-difficulty.value":64}]}',
      'configure',
    );
    const grant = grantConfigure(request, { versionMask: 0x1fffe000, acceptMinimumDifficulty: true, acceptSubscribeExtranonce: false });
    const line = buildConfigureResult(1, grant);
    expect(line).toBe(
      '{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000","minimum-difficulty":true,"subscribe-extranonce":false,"info":true,"future-thing":false},"error":null}\n',
    );
    expect(readConfigureResult(server(line, 'response').result)).toMatchObject({ versionRollingMask: 0x1fffe000, minimumDifficulty: true, subscribeExtranonce: false });
    const refused = grantConfigure(request, { versionMask: null, acceptMinimumDifficulty: false, acceptSubscribeExtranonce: false });
    expect(buildConfigureResult(1, refused)).toContain('"version-rolling":false,');
  });

  it('reads refused, errored and malformed configure results', () => {
    expect(readConfigureResult({ 'version-rolling': false })).toMatchObject({ versionRollingMask: null, versionRollingError: null });
    expect(readConfigureResult({ 'version-rolling': 'mask too small' })).toMatchObject({ versionRollingMask: null, versionRollingError: 'mask too small' });
    expect(readConfigureResult({ 'version-rolling': true, 'version-rolling.mask': '18000000' }).versionRollingMask).toBe(0x18000000);
    expect(refusal(() => readConfigureResult({ 'version-rolling': true })).reason).toBe('invalid-result');
    expect(refusal(() => readConfigureResult([])).reason).toBe('invalid-result');
  });
});

describe('mining.extranonce.subscribe, suggest_difficulty, suggest_target', () => {
  it('round-trips each', () => {
    expect(buildExtranonceSubscribe(4)).toBe('{"id":4,"method":"mining.extranonce.subscribe","params":[]}\n');
    expect(client(buildExtranonceSubscribe(4), 'extranonce-subscribe')).toEqual({ type: 'extranonce-subscribe', id: 4 });
    expect(buildSuggestDifficulty(5, 512)).toBe('{"id":5,"method":"mining.suggest_difficulty","params":[512]}\n');
    expect(client('{"id":5,"method":"mining.suggest_difficulty","params":["512"]}', 'suggest-difficulty').difficulty).toBe(512);
    expect(client('{"id":5,"method":"mining.suggest_difficulty","params":[0.25]}', 'suggest-difficulty').difficulty).toBe(0.25);
    const target = new Uint8Array(32);
    target[27] = 0xff;
    target[26] = 0xff;
    const line = buildSuggestTarget(6, target);
    expect(line).toBe('{"id":6,"method":"mining.suggest_target","params":["00000000ffff0000000000000000000000000000000000000000000000000000"]}\n');
    expect(client(line, 'suggest-target').target).toEqual(target);
  });

  it('refuses a zero, negative or non-numeric difficulty', () => {
    for (const bad of ['[0]', '[-1]', '["abc"]', '[]', '[null]', '[true]']) {
      expect(refusal(() => parseClientLine(`{"id":5,"method":"mining.suggest_difficulty","params":${bad}}`)).reason).toBe('invalid-params');
    }
  });
});

describe('mining.submit', () => {
  it('builds the exact line with and without version bits', () => {
    const share = { workerName: 'slush.miner1', jobId: 'bf', extranonce2: hex('00000001'), ntime: 0x504e86ed, nonce: 0xb2957c02, versionBits: null };
    expect(buildSubmit(4, share)).toBe('{"id":4,"method":"mining.submit","params":["slush.miner1","bf","00000001","504e86ed","b2957c02"]}\n');
    expect(buildSubmit(4, { ...share, versionBits: 0x2000 })).toBe('{"id":4,"method":"mining.submit","params":["slush.miner1","bf","00000001","504e86ed","b2957c02","00002000"]}\n');
  });

  it("parses cgminer's params-first line and Bitaxe's six params", () => {
    expect(client('{"params": ["slush.miner1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"}', 'submit')).toEqual({
      type: 'submit',
      id: 4,
      share: { workerName: 'slush.miner1', jobId: 'bf', extranonce2: hex('00000001'), ntime: 0x504e86ed, nonce: 0xb2957c02, versionBits: null },
    });
    const bitaxe = client('{"id": 5, "method": "mining.submit", "params": ["tb1q.bitaxe3", "1", "c7080000", "64b3f3ec", "ed460d91", "00002000"]}', 'submit');
    expect(bitaxe.share).toMatchObject({ jobId: '1', ntime: 0x64b3f3ec, nonce: 0xed460d91, versionBits: 0x2000 });
  });

  it('takes upper-case hex, numeric job ids, a null 6th param and extra params', () => {
    expect(client('{"id":5,"method":"mining.submit","params":["w","BF","0000000A","504E86ED","B2957C02","1FFFE000"]}', 'submit').share).toMatchObject({
      jobId: 'BF',
      extranonce2: hex('0000000a'),
      nonce: 0xb2957c02,
      versionBits: 0x1fffe000,
    });
    expect(client('{"id":5,"method":"mining.submit","params":["w",191,"01","504e86ed","b2957c02",null,"x"]}', 'submit').share).toMatchObject({ jobId: '191', versionBits: null });
  });

  it('is strict about nonce, ntime, extranonce2 and version bits', () => {
    const bad = [
      '["w","bf","00000001","504e86ed","b2957c0"]', // nonce 7 digits
      '["w","bf","00000001","504e86ed","0xb2957c02"]',
      '["w","bf","00000001","504e86e","b2957c02"]', // ntime 7 digits
      '["w","bf","00000001","504e86eg","b2957c02"]',
      '["w","bf","0000001","504e86ed","b2957c02"]', // odd extranonce2
      '["w","bf","","504e86ed","b2957c02"]',
      '["w","bf","00000001","504e86ed","b2957c02","2000"]', // short version bits
      '["w","bf","00000001","504e86ed",3000000000]',
      '["w","bf","00000001","504e86ed"]', // too few
      '["w",null,"00000001","504e86ed","b2957c02"]',
    ];
    for (const params of bad) {
      const e = refusal(() => parseClientLine(`{"id":9,"method":"mining.submit","params":${params}}`));
      expect(e).toMatchObject({ reason: 'invalid-params', id: 9, method: 'mining.submit' });
    }
  });

  it('enforces the negotiated extranonce2 size when given', () => {
    const line = '{"id":9,"method":"mining.submit","params":["w","bf","000001","504e86ed","b2957c02"]}';
    expect(client(line, 'submit', { extranonce2Size: 3 }).share.extranonce2).toEqual(hex('000001'));
    expect(refusal(() => parseClientLine(line, { extranonce2Size: 4 })).message).toBe('mining.submit: extranonce2 must be 4 bytes, got 3');
  });
});

describe('mining.notify', () => {
  it('parses the classic job, turning the word-swapped prevhash into header order', () => {
    const { job } = server(SLUSH_NOTIFY, 'notify');
    expect(job.jobId).toBe('bf');
    // display hash 00000000440b921e1b77c6c0487ae5616de67f788f44ae2a5af6e2194d16b6f8, header order is its reverse
    expect(bytesToHex(job.prevHash)).toBe('f8b6164d19e2f65a2aae448f787fe66d61e57a48c0c6771b1e920b4400000000');
    expect(job.coinb1.length).toBe(58); // version, input count, outpoint, scriptSig length, 16 script bytes
    expect(job.merkleBranches).toEqual([]);
    expect(job).toMatchObject({ version: 2, nbits: 0x1c2ac4af, ntime: 0x504e86b9, cleanJobs: false });
  });

  it('builds the exact line back', () => {
    const { job } = server(SLUSH_NOTIFY, 'notify');
    expect(buildNotify(job)).toBe(
      '{"id":null,"method":"mining.notify","params":["bf","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008","072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",[],"00000002","1c2ac4af","504e86b9",false]}\n',
    );
    const branch = new Uint8Array(32).fill(0xab);
    expect(buildNotify({ ...job, merkleBranches: [branch, branch], cleanJobs: true })).toContain(`,["${'ab'.repeat(32)}","${'ab'.repeat(32)}"],"00000002","1c2ac4af","504e86b9",true]}\n`);
  });

  it('defaults clean_jobs to false and reads its string form', () => {
    const base = '"bf","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01","02",[],"00000002","1c2ac4af","504e86b9"';
    expect(server(`{"id":null,"method":"mining.notify","params":[${base}]}`, 'notify').job.cleanJobs).toBe(false);
    expect(server(`{"id":null,"method":"mining.notify","params":[${base},"true"]}`, 'notify').job.cleanJobs).toBe(true);
  });

  it('is strict about hash lengths, hex and u32 fields', () => {
    const good = ['"bf"', '"4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000"', '"01"', '"02"', '[]', '"00000002"', '"1c2ac4af"', '"504e86b9"', 'false'];
    const mutations: Array<[number, string]> = [
      [1, '"4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e000000"'],
      [2, '"0g"'],
      [3, '"123"'],
      [4, '["abcd"]'],
      [4, '"not-a-list"'],
      [5, '"2"'],
      [6, 'null'],
      [7, '"504e86b9ff"'],
      [8, '"maybe"'],
    ];
    for (const [index, value] of mutations) {
      const params = [...good];
      params[index] = value;
      expect(refusal(() => parseServerLine(`{"id":null,"method":"mining.notify","params":[${params.join(',')}]}`)).reason).toBe('invalid-params');
    }
    expect(refusal(() => parseServerLine('{"id":null,"method":"mining.notify","params":["bf"]}')).message).toBe('mining.notify: needs 9 params, got 1');
  });
});

describe('other server messages', () => {
  it('mining.set_difficulty', () => {
    expect(buildSetDifficulty(512)).toBe('{"id":null,"method":"mining.set_difficulty","params":[512]}\n');
    expect(buildSetDifficulty(0.001)).toBe('{"id":null,"method":"mining.set_difficulty","params":[0.001]}\n');
    expect(server(buildSetDifficulty(1e21), 'set-difficulty').difficulty).toBe(1e21);
    expect(server('{"id":null,"method":"mining.set_difficulty","params":["8192"]}', 'set-difficulty').difficulty).toBe(8192);
    expect(refusal(() => parseServerLine('{"id":null,"method":"mining.set_difficulty","params":[0]}')).reason).toBe('invalid-params');
    expect(refusal(() => buildSetDifficulty(Number.NaN)).reason).toBe('invalid-value');
  });

  it('mining.set_extranonce', () => {
    const line = buildSetExtranonce(hex('e9695791'), 4);
    expect(line).toBe('{"id":null,"method":"mining.set_extranonce","params":["e9695791",4]}\n');
    expect(server(line, 'set-extranonce')).toMatchObject({ extranonce1: hex('e9695791'), extranonce2Size: 4 });
    expect(server('{"id":null,"method":"mining.set_extranonce","params":["AABB","8"]}', 'set-extranonce').extranonce2Size).toBe(8);
    expect(refusal(() => parseServerLine('{"id":null,"method":"mining.set_extranonce","params":["aabb",33]}')).reason).toBe('invalid-params');
  });

  it('mining.set_version_mask', () => {
    expect(buildSetVersionMask(0x1fffe000)).toBe('{"id":null,"method":"mining.set_version_mask","params":["1fffe000"]}\n');
    expect(server('{"params":["00003000"], "id":null, "method": "mining.set_version_mask"}', 'set-version-mask').mask).toBe(0x3000);
  });

  it('client.reconnect with and without a target', () => {
    expect(buildReconnect()).toBe('{"id":null,"method":"client.reconnect","params":[]}\n');
    expect(buildReconnect('pool.example.com', 3333, 5)).toBe('{"id":null,"method":"client.reconnect","params":["pool.example.com",3333,5]}\n');
    expect(server(buildReconnect('pool.example.com', 3333, 5), 'reconnect')).toMatchObject({ host: 'pool.example.com', port: 3333, waitSeconds: 5 });
    expect(server(buildReconnect(), 'reconnect')).toMatchObject({ host: null, port: null, waitSeconds: null });
    expect(server('{"id":null,"method":"client.reconnect","params":["h","3334","10"]}', 'reconnect')).toMatchObject({ port: 3334, waitSeconds: 10 });
    expect(refusal(() => parseServerLine('{"id":null,"method":"client.reconnect","params":["h",70000]}')).reason).toBe('invalid-params');
  });

  it('client.show_message, client.get_version, mining.ping', () => {
    expect(buildShowMessage('hi "there"')).toBe('{"id":null,"method":"client.show_message","params":["hi \\"there\\""]}\n');
    expect(server(buildShowMessage('hi "there"'), 'show-message').message).toBe('hi "there"');
    expect(server(buildGetVersion(7), 'get-version').id).toBe(7);
    expect(server(buildPing('p1'), 'ping').id).toBe('p1');
  });

  it('unknown methods come back as typed unknown requests, both directions', () => {
    expect(client('{"id":6,"method":"mining.get_transactions","params":["bf"]}', 'unknown-request')).toEqual({ type: 'unknown-request', id: 6, method: 'mining.get_transactions', params: ['bf'] });
    expect(server('{"id":7,"method":"mining.capabilities"}', 'unknown-request')).toMatchObject({ method: 'mining.capabilities', params: [] });
  });
});

describe('responses and envelopes', () => {
  it('normalises every error form pools send', () => {
    expect(server('{"id":5,"result":null,"error":[21,"Job not found (=stale)",null]}', 'response').error).toEqual({ code: 21, message: 'Job not found (=stale)', data: null });
    expect(server('{"id":5,"result":null,"error":{"code":"23","message":"Low difficulty"}}', 'response').error).toEqual({ code: 23, message: 'Low difficulty', data: null });
    expect(server('{"id":5,"result":null,"error":"Stale"}', 'response').error).toEqual({ code: 20, message: 'Stale', data: null });
    expect(server('{"id":5,"result":false,"error":null,"reject-reason":"Above target"}', 'response').error).toEqual({ code: 20, message: 'Above target', data: null });
    expect(server('{"id":5,"error":null}', 'response')).toEqual({ type: 'response', id: 5, result: null, error: null });
  });

  it('keeps string and reused ids as sent, and a missing id as null', () => {
    expect(client('{"id":"abc","method":"mining.extranonce.subscribe"}', 'extranonce-subscribe').id).toBe('abc');
    expect(client('{"id":0,"method":"mining.extranonce.subscribe"}', 'extranonce-subscribe').id).toBe(0);
    expect(client('{"method":"mining.extranonce.subscribe"}', 'extranonce-subscribe').id).toBeNull();
    expect(buildResult('abc', 'pong')).toBe('{"id":"abc","result":"pong","error":null}\n');
  });

  it('tolerates CRLF, surrounding whitespace and a jsonrpc member', () => {
    expect(client('  {"jsonrpc": "2.0", "id": 1, "method": "mining.subscribe", "params": ["bitaxe/BM1366/v2.4.2"]}  \r', 'subscribe').userAgent).toBe('bitaxe/BM1366/v2.4.2');
  });

  it('refuses non-JSON, non-objects, bad ids, bad methods and object params with typed errors', () => {
    expect(refusal(() => parseClientLine('INVALID')).reason).toBe('invalid-json');
    expect(refusal(() => parseClientLine('')).reason).toBe('invalid-json');
    expect(refusal(() => parseClientLine('[{"id":1,"method":"mining.subscribe"}]')).reason).toBe('invalid-message');
    expect(refusal(() => parseClientLine('42')).reason).toBe('invalid-message');
    expect(refusal(() => parseClientLine('{"id":{"a":1},"method":"mining.subscribe"}')).reason).toBe('invalid-message');
    expect(refusal(() => parseClientLine('{"id":1,"method":7}')).reason).toBe('invalid-message');
    expect(refusal(() => parseClientLine('{"id":1}')).reason).toBe('invalid-message');
    expect(refusal(() => parseServerLine('{"id":1,"method":"mining.notify","params":{"job":"bf"}}'))).toMatchObject({ reason: 'invalid-params', id: 1, method: 'mining.notify' });
    expect(refusal(() => parseClientLine(`x${'y'.repeat(5000)}`)).message.length).toBeLessThan(80);
  });

  it('refuses builder input that would put a wrong value on the wire', () => {
    const share = { workerName: 'w', jobId: 'j', extranonce2: hex('00'), ntime: 2 ** 32, nonce: 0, versionBits: null };
    expect(refusal(() => buildSubmit(1, share)).reason).toBe('invalid-value');
    expect(refusal(() => buildSetVersionMask(-1)).reason).toBe('invalid-value');
    expect(refusal(() => buildResult(Number.POSITIVE_INFINITY, true)).reason).toBe('invalid-value');
    expect(refusal(() => buildSetExtranonce(hex('00'), 40)).reason).toBe('invalid-value');
    expect(refusal(() => buildReconnect('h', 0)).reason).toBe('invalid-value');
  });
});
