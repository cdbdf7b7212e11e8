/** Job declaration on one upstream, driven with plain messages: what goes to the JDS and the pool, in which order, and when it falls back. */
import { describe, expect, it } from 'vitest';
import { concatBytes, encodeCompactSize } from '../../../src/bitcoin/bytes.js';
import { serializeOutputs } from '../../../src/bitcoin/tx.js';
import { parseDeclaredCoinbase } from '../../../src/channels/jd-coinbase.js';
import { coinbaseTag, workFromCustomJob } from '../../../src/channels/work.js';
import type { AnyMessage, MessageName, Messages } from '../../../src/messages/index.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import type { UpstreamAction } from '../../../src/roles/common/upstream.js';
import type { JdMode } from '../../../src/roles/jd-client/config.js';
import { Declarator } from '../../../src/roles/jd-client/declarator.js';
import { poolWork, type UpstreamBasis } from '../../../src/roles/jd-client/jobs.js';
import { MAX_TARGET, REGTEST_BITS, SATS, template } from '../../support/channels.js';

const POOL_SCRIPT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x22)]);
const POOL_OUTPUTS = concatBytes(encodeCompactSize(1), serializeOutputs([{ value: 0n, script: POOL_SCRIPT }]));
const TIP: Messages['SetNewPrevHashTdp'] = { templateId: 1n, prevHash: new Uint8Array(32).fill(3), headerTimestamp: 1_700_000_000, nbits: REGTEST_BITS, target: MAX_TARGET };
const WTXID = new Uint8Array(32).fill(5);
const TX = Uint8Array.of(1, 2, 3);

function rig(mode: JdMode = 'FULLTEMPLATE', answerTimeoutMs = 1_000) {
  const sent: { name: MessageName; message: unknown }[] = [];
  const actions: UpstreamAction[] = [];
  const ready: UpstreamBasis[] = [];
  const answered: boolean[] = [];
  const changed: UpstreamBasis[] = [];
  const d = new Declarator(
    { send: (name, message) => sent.push({ name, message }) },
    'pool:1',
    { mode, deviceExtranonceSize: 8, answerTimeoutMs, userIdentity: 'miner', epoch: 1 },
    {
      action: (a) => actions.push(a),
      ready: (b) => ready.push(b),
      outputsChanged: (b) => changed.push(b),
      transactions: () => Promise.resolve({ transactions: [TX], wtxids: [WTXID], excessData: new Uint8Array(32) }),
      answered: (_d, ok) => answered.push(ok),
    },
    silentLogger(),
  );
  const feed = <N extends MessageName>(name: N, message: Messages[N]): boolean => d.onMessage({ name, message, tlvs: [] } as unknown as AnyMessage, 0);
  const last = <N extends MessageName>(name: N): Messages[N] => sent.filter((s) => s.name === name).at(-1)!.message as Messages[N];
  d.start(1e6, 0);
  feed('AllocateMiningJobTokenSuccess', { requestId: last('AllocateMiningJobToken').requestId, miningJobToken: Uint8Array.of(1), coinbaseTxOutputs: POOL_OUTPUTS });
  feed('OpenExtendedMiningChannelSuccess', { requestId: last('OpenExtendedMiningChannel').requestId, channelId: 7, target: MAX_TARGET, extranonceSize: 12, extranoncePrefix: Uint8Array.of(9, 9, 9, 9), groupChannelId: 0 });
  const work = poolWork(template(), ready[0]!, { tag: coinbaseTag('', 'test'), deviceExtranonceSize: 8 });
  return { d, sent, actions, ready, answered, changed, feed, last, work };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const share = { nonce: 1, ntime: TIP.headerTimestamp, version: 0x20000000 };
const device = { connectionId: 1, channelId: 2 };
const HASH = new Uint8Array(32);

describe('Declarator (Full-Template)', () => {
  it('a token that names other outputs (a coinbase-payout pool\'s payees moved): the waiting job is not declared on it, the work is made again with them', async () => {
    const r = rig();
    r.d.declare(r.work, TIP, 0);
    await tick();
    expect(r.last('DeclareMiningJob').miningJobToken).toEqual(Uint8Array.of(1));
    const payee = { value: 1_000n, script: Uint8Array.of(0x00, 0x14, ...new Array<number>(20).fill(0x33)) };
    const outputs = [{ value: 0n, script: POOL_SCRIPT }, payee];
    r.feed('AllocateMiningJobTokenSuccess', { requestId: r.last('AllocateMiningJobToken').requestId, miningJobToken: Uint8Array.of(2), coinbaseTxOutputs: concatBytes(encodeCompactSize(2), serializeOutputs(outputs)) });
    // The next template's work, made before the token came: built on the old outputs.
    const stale = poolWork(template({ templateId: 2n }), r.ready[0]!, { tag: coinbaseTag('', 'test'), deviceExtranonceSize: 8 });
    r.d.declare(stale, TIP, 0);
    await tick();
    expect(r.sent.filter((s) => s.name === 'DeclareMiningJob')).toHaveLength(1);
    expect(r.changed).toHaveLength(1);
    expect(r.changed[0]!.outputs).toEqual(outputs);
    // Made again on the new basis: declared on that token, the payee paid as told, the pool output funded with the rest.
    const again = poolWork(template({ templateId: 2n }), r.changed[0]!, { tag: coinbaseTag('', 'test'), deviceExtranonceSize: 8 });
    r.d.declare(again, TIP, 0);
    await tick();
    const declared = r.last('DeclareMiningJob');
    expect(declared.miningJobToken).toEqual(Uint8Array.of(2));
    const paid = parseDeclaredCoinbase(declared.coinbaseTxPrefix, declared.coinbaseTxSuffix).tx.outputs;
    expect(paid.slice(0, 2)).toEqual([{ value: template().coinbaseTxValueRemaining - 1_000n, script: POOL_SCRIPT }, payee]);
    expect(r.actions).toEqual([]);
  });

  it('token and channel make it ready; a template is declared with its wtxids, missing transactions are given, then SetCustomMiningJob; held shares go up with the job id', async () => {
    const r = rig();
    expect(r.sent.map((s) => s.name).slice(0, 2)).toEqual(['AllocateMiningJobToken', 'OpenExtendedMiningChannel']);
    expect(r.ready).toHaveLength(1);
    r.d.declare(r.work, TIP, 0);
    await tick();
    const declared = r.last('DeclareMiningJob');
    expect(declared).toMatchObject({ miningJobToken: Uint8Array.of(1), wtxidList: [WTXID], version: r.work.version });
    // The next token is asked for at once, so the next template waits for none.
    expect(r.sent.filter((s) => s.name === 'AllocateMiningJobToken')).toHaveLength(2);
    // Optimistic mining: a share before the pool's answer is held.
    expect(r.d.forward(r.work, share, new Uint8Array(8).fill(0xab), HASH, device)).toBe('held');
    expect(r.sent.some((s) => s.name === 'SubmitSharesExtended')).toBe(false);
    r.feed('ProvideMissingTransactions', { requestId: declared.requestId, unknownTxPositionList: [0] });
    expect(r.last('ProvideMissingTransactionsSuccess')).toEqual({ requestId: declared.requestId, transactionList: [TX] });
    r.feed('DeclareMiningJobSuccess', { requestId: declared.requestId, newMiningJobToken: Uint8Array.of(2) });
    const custom = r.last('SetCustomMiningJob');
    expect(custom).toMatchObject({ channelId: 7, miningJobToken: Uint8Array.of(2), prevHash: TIP.prevHash, nbits: REGTEST_BITS, minNtime: TIP.headerTimestamp });
    // The pool rebuilds exactly the coinbase the devices hash: its prefix ‖ channel prefix ‖ pad ‖ device extranonce.
    const pool = workFromCustomJob(custom, 4 + 12);
    const devEn = new Uint8Array(8).fill(0xab);
    const poolCoinbase = concatBytes(pool.coinbase.strippedPrefix, Uint8Array.of(9, 9, 9, 9), new Uint8Array(4), devEn, pool.coinbase.strippedSuffix);
    expect(concatBytes(r.work.coinbase.strippedPrefix, devEn, r.work.coinbase.strippedSuffix)).toEqual(poolCoinbase);
    expect(pool.coinbase.prefix).toEqual(r.work.pool!.base.coinbase.prefix);
    r.feed('SetCustomMiningJobSuccess', { channelId: 7, requestId: custom.requestId, jobId: 42 });
    expect(r.last('SubmitSharesExtended')).toMatchObject({ channelId: 7, jobId: 42, extranonce: concatBytes(new Uint8Array(4), devEn) });
    expect(r.d.forward(r.work, share, devEn, HASH, device)).toBe('forwarded');
    r.feed('SubmitSharesSuccess', { channelId: 7, lastSequenceNumber: 1, newSubmitsAcceptedCount: 2, newSharesSum: 2n });
    expect(r.answered).toEqual([true, true]);
    expect(r.actions).toEqual([]);
  });

  it('the pool payout output gets the reward (funded, as the spec asks)', () => {
    const r = rig();
    const outs = r.work.pool!.base.coinbase.strippedSuffix;
    // value of the first output: 8 bytes little-endian after nSequence (4) and the count (1)
    expect(new DataView(outs.buffer, outs.byteOffset + 5, 8).getBigUint64(0, true)).toBe(SATS);
  });

  it('DeclareMiningJob.Error, SetCustomMiningJob.Error and a missing answer each fall back, once', async () => {
    const a = rig();
    a.d.declare(a.work, TIP, 0);
    await tick();
    a.feed('DeclareMiningJobError', { requestId: a.last('DeclareMiningJob').requestId, errorCode: 'invalid-mining-job-token', errorDetails: new Uint8Array() });
    expect(a.actions).toEqual([{ type: 'fallback', reason: 'the JDS refused the job: invalid-mining-job-token' }]);
    // Dead after that: nothing more is declared.
    a.d.declare(poolWork(template({ templateId: 2n }), a.ready[0]!, { tag: new Uint8Array(), deviceExtranonceSize: 8 }), TIP, 0);
    a.d.tick(10_000);
    expect(a.actions).toHaveLength(1);

    const b = rig();
    b.d.declare(b.work, TIP, 0);
    await tick();
    b.feed('DeclareMiningJobSuccess', { requestId: b.last('DeclareMiningJob').requestId, newMiningJobToken: Uint8Array.of(2) });
    b.feed('SetCustomMiningJobError', { channelId: 7, requestId: b.last('SetCustomMiningJob').requestId, errorCode: 'invalid-job' });
    expect(b.actions).toEqual([{ type: 'fallback', reason: 'the pool refused the custom job: invalid-job' }]);

    const c = rig();
    c.d.declare(c.work, TIP, 0);
    await tick();
    c.feed('AllocateMiningJobTokenSuccess', { requestId: c.last('AllocateMiningJobToken').requestId, miningJobToken: Uint8Array.of(3), coinbaseTxOutputs: POOL_OUTPUTS });
    c.d.tick(500);
    expect(c.actions).toEqual([]);
    c.d.tick(1_001);
    expect(c.actions).toEqual([{ type: 'fallback', reason: 'the JDS did not answer DeclareMiningJob in time' }]);
  });
});

describe('Declarator: a stale-chain-tip refusal', () => {
  it('is a fallback only when no newer tip comes within 3 s (the tip may have moved while the job travelled)', async () => {
    const r = rig('FULLTEMPLATE', 60_000);
    r.d.declare(r.work, TIP, 0);
    await tick();
    r.feed('AllocateMiningJobTokenSuccess', { requestId: r.last('AllocateMiningJobToken').requestId, miningJobToken: Uint8Array.of(4), coinbaseTxOutputs: POOL_OUTPUTS });
    r.feed('DeclareMiningJobError', { requestId: r.last('DeclareMiningJob').requestId, errorCode: 'stale-chain-tip', errorDetails: new Uint8Array() });
    r.d.tick(2_000);
    expect(r.actions).toEqual([]);
    // The new tip arrives: its template is declared and the refusal is forgotten.
    const next = poolWork(template({ templateId: 2n }), r.ready[0]!, { tag: new Uint8Array(), deviceExtranonceSize: 8 });
    r.d.declare(next, { ...TIP, templateId: 2n, prevHash: new Uint8Array(32).fill(4) }, 2_000);
    r.d.tick(4_000);
    expect(r.actions).toEqual([]);

    const s = rig('FULLTEMPLATE', 60_000);
    s.d.declare(s.work, TIP, 0);
    await tick();
    s.feed('AllocateMiningJobTokenSuccess', { requestId: s.last('AllocateMiningJobToken').requestId, miningJobToken: Uint8Array.of(4), coinbaseTxOutputs: POOL_OUTPUTS });
    s.feed('DeclareMiningJobError', { requestId: s.last('DeclareMiningJob').requestId, errorCode: 'stale-chain-tip', errorDetails: new Uint8Array() });
    s.d.tick(3_001);
    expect(s.actions).toEqual([{ type: 'fallback', reason: 'the JDS refused the job: stale-chain-tip' }]);
  });
});

describe('Declarator (Coinbase-only)', () => {
  it('no declaration: the token goes straight into SetCustomMiningJob', async () => {
    const r = rig('COINBASEONLY');
    r.d.declare(r.work, TIP, 0);
    await tick();
    expect(r.sent.some((s) => s.name === 'DeclareMiningJob')).toBe(false);
    expect(r.last('SetCustomMiningJob').miningJobToken).toEqual(Uint8Array.of(1));
    expect(r.d.pushSolution(r.work, {} as never)).toBe(false);
  });
});
