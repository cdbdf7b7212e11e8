import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/messages/index.js';
import type { MessageName, Messages } from '../../../src/messages/index.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import { TranslatorCore } from '../../../src/roles/translator/core.js';
import type { TranslatorCoreOptions } from '../../../src/roles/translator/core.js';
import type { MinerSession } from '../../../src/roles/translator/miner.js';
import type { UpstreamAction } from '../../../src/roles/common/upstream.js';
import { SV1_ERROR, bytesToHex, difficultyToTarget, hashMeetsTarget, parseServerLine, targetToDifficulty } from '../../../src/sv1/index.js';
import type { Sv1ClientOptions } from '../../../src/sv1/index.js';
import { MinerModel, RecordingPool, fromMiner, poolHeader, sampleJob, sha256d } from '../../support/translator.js';

const MINER_DIFFICULTY = 2 ** -24; // ~256 hashes per share
const UPSTREAM_TARGET = difficultyToTarget(2 ** -22); // 4× harder than the miner's
const NBITS = 0x1d00ffff;
const PREV_HASH = new Uint8Array(32).map((_, i) => i);

function setup(options: Partial<TranslatorCoreOptions> = {}) {
  let clock = 1_700_000_000_000;
  const actions: UpstreamAction[] = [];
  const core = new TranslatorCore({
    aggregateChannels: true,
    extranonce2Size: 4,
    sharesPerMinute: 60,
    // the hashrate at which 60 shares/min means difficulty 2^-24
    minIndividualMinerHashrate: MINER_DIFFICULTY * 2 ** 32,
    enableVardiff: true,
    jobKeepaliveIntervalSecs: 60,
    maxPastJobs: 16,
    logger: silentLogger(),
    now: () => clock,
    onUpstreamAction: (a) => actions.push(a),
    ...options,
  });
  const pool = new RecordingPool();
  let nextId = 1;
  const deliver = <N extends MessageName>(name: N, message: Messages[N]): void => core.upstreamMessage(decodeFrame(encodeFrame(name, message)));

  const connect = (opts: Partial<Sv1ClientOptions> = {}) => {
    const model = new MinerModel(opts);
    let kicked: string | null = null;
    const id = nextId++;
    const session: MinerSession = core.addMiner({
      id,
      remoteAddress: '127.0.0.1',
      send: (line) => {
        if (kicked !== null) return false;
        for (const reply of model.receive(line)) core.minerMessage(session, fromMiner(reply));
        return true;
      },
      kick: (detail) => {
        kicked = detail;
        core.removeMiner(session, detail);
      },
    });
    const say = (line: string): void => core.minerMessage(session, fromMiner(line));
    for (const line of model.client.start().send) say(line);
    return { model, session, say, kicked: () => kicked };
  };

  /** Opens the pending channel request and starts a block on it: future job, then prev hash. */
  const openChannel = (channelId: number, extranonceSize = 8, prefix = Uint8Array.of(0xee, 0x01, 0x02, 0x03)) => {
    const open = pool.last('OpenExtendedMiningChannel');
    deliver('OpenExtendedMiningChannelSuccess', { requestId: open.requestId, channelId, target: UPSTREAM_TARGET, extranonceSize, extranoncePrefix: prefix, groupChannelId: 0 });
    return { open, prefix };
  };
  const newBlock = (channelId: number, jobId: number, prev = PREV_HASH, nbits = NBITS) => {
    const job = sampleJob(channelId, jobId, null);
    deliver('NewExtendedMiningJob', job);
    const prevHash: Messages['SetNewPrevHash'] = { channelId, jobId, prevHash: prev, minNtime: 1_700_000_000, nbits };
    deliver('SetNewPrevHash', prevHash);
    return { job, prevHash };
  };
  return { core, pool, actions, deliver, connect, openChannel, newBlock, advance: (ms: number) => (clock += ms), now: () => clock };
}

function lastResult(model: MinerModel) {
  const last = model.events.filter((e) => e.type === 'share-accepted' || e.type === 'share-rejected').pop();
  if (last === undefined) throw new Error('no share answer');
  return last;
}

describe('translator core: handshake', () => {
  it('answers configure with the BIP310 mask ∩ BIP323, subscribe with a 2-byte extranonce1, then difficulty', () => {
    const t = setup();
    const m = t.connect({ versionRolling: { mask: 0xffffffff, minBitCount: 2 } });
    expect(m.model.eventsOf('configured')[0]!.versionRollingMask).toBe(0x1fffffe0);
    const sub = m.model.eventsOf('subscribed')[0]!;
    expect(sub.extranonce1).toHaveLength(2);
    expect(sub.extranonce2Size).toBe(4);
    expect(m.model.eventsOf('authorized')).toHaveLength(1);
    expect(m.model.eventsOf('difficulty').map((e) => e.difficulty)).toEqual([MINER_DIFFICULTY]);
    expect(m.session.ready).toBe(true);
  });

  it('gives every miner a distinct extranonce1 and reuses freed ones last', () => {
    const t = setup();
    const a = t.connect();
    const b = t.connect();
    expect(bytesToHex(a.model.client.extranonce1!)).not.toBe(bytesToHex(b.model.client.extranonce1!));
    const freed = bytesToHex(a.model.client.extranonce1!);
    t.core.removeMiner(a.session, 'test');
    const c = t.connect();
    expect(bytesToHex(c.model.client.extranonce1!)).not.toBe(freed);
  });

  it('answers every request with its own id, unknown methods with an error, and honours suggest_difficulty as a power of two', () => {
    const t = setup();
    const m = t.connect({ suggestDifficulty: 0.0003, extranonceSubscribe: true });
    expect(m.model.client.difficulty).toBe(2 ** -12); // 0.0003 rounded down to a power of two
    m.say('{"id":77,"method":"mining.multi_version","params":[1]}');
    const answer = parseServerLine(m.model.received.at(-1)!);
    expect(answer).toMatchObject({ type: 'response', id: 77, error: { code: SV1_ERROR.METHOD_NOT_FOUND } });
    expect(m.model.eventsOf('response').filter((e) => e.method === 'mining.extranonce.subscribe')[0]!.result).toBe(true);
  });

  it('refuses shares before subscribe and before authorize', () => {
    const t = setup();
    const m = t.connect();
    const fresh = new MinerModel();
    const session = t.core.addMiner({ id: 99, remoteAddress: '', send: (l) => (fresh.receive(l), true), kick: () => undefined });
    t.core.minerMessage(session, fromMiner('{"id":1,"method":"mining.submit","params":["w","1","00000000","00000000","00000000"]}'));
    expect(parseServerLine(fresh.received[0]!)).toMatchObject({ error: { code: SV1_ERROR.NOT_SUBSCRIBED } });
    t.core.minerMessage(session, fromMiner('{"id":2,"method":"mining.subscribe","params":[]}'));
    t.core.minerMessage(session, fromMiner('{"id":3,"method":"mining.submit","params":["w","1","00000000","00000000","00000000"]}'));
    expect(parseServerLine(fresh.received.at(-1)!)).toMatchObject({ error: { code: SV1_ERROR.UNAUTHORIZED } });
    expect(m.session.stats.sharesRejected).toBe(0);
  });
});

describe('translator core: aggregated mode', () => {
  it('opens one extended channel for all miners, with room for extranonce1 + extranonce2 and their hashrate', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'pool-user', 'pool:1');
    expect(t.pool.all('OpenExtendedMiningChannel')).toHaveLength(0); // no miner yet: nothing to announce
    t.connect();
    t.connect();
    const opens = t.pool.all('OpenExtendedMiningChannel');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ userIdentity: 'pool-user', minExtranonceSize: 6 });
    expect(opens[0]!.nominalHashRate).toBeCloseTo(MINER_DIFFICULTY * 2 ** 32, 0);
    t.openChannel(5);
    t.connect();
    expect(t.pool.all('OpenExtendedMiningChannel')).toHaveLength(1);
  });

  it('turns the pool job into one notify for every miner: prefix and pad end coinb1, clean on a new block', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const a = t.connect();
    const b = t.connect();
    const { prefix } = t.openChannel(5, 9); // 9 = 2 (extranonce1) + 4 (extranonce2) + 3 of pad
    const { job } = t.newBlock(5, 1);
    const ja = a.model.job;
    expect(ja.cleanJobs).toBe(true);
    expect(bytesToHex(ja.coinb1)).toBe(bytesToHex(job.coinbaseTxPrefix) + bytesToHex(prefix) + '000000');
    expect(bytesToHex(ja.coinb2)).toBe(bytesToHex(job.coinbaseTxSuffix));
    expect(ja.prevHash).toEqual(PREV_HASH);
    expect(ja.nbits).toBe(NBITS);
    expect(ja.ntime).toBe(1_700_000_000);
    expect(b.model.received.at(-1)).toBe(a.model.received.at(-1)); // the very same line
    // a non-future job on the same block: not clean
    t.deliver('NewExtendedMiningJob', sampleJob(5, 2, 1_700_000_005, 1));
    expect(a.model.job.cleanJobs).toBe(false);
    expect(a.model.job.ntime).toBe(1_700_000_005);
  });

  it('checks shares locally, answers honestly and forwards only those meeting the upstream target, exactly as the pool rebuilds them', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect({ versionRolling: { mask: 0x1fffe000 } });
    const { prefix } = t.openChannel(5, 8);
    const { job, prevHash } = t.newBlock(5, 1);
    const minerTarget = difficultyToTarget(MINER_DIFFICULTY);

    // below the miner's target: false with "low difficulty", never forwarded
    const low = m.model.findShare(minerTarget, { miss: true });
    m.say(low.line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.LOW_DIFFICULTY } });
    expect(t.pool.all('SubmitSharesExtended')).toHaveLength(0);

    // meets the miner's but not the upstream target: true, not forwarded
    let easy;
    do easy = m.model.findShare(minerTarget);
    while (hashMeetsTarget(easy.hash, UPSTREAM_TARGET));
    m.say(easy.line);
    expect(lastResult(m.model).type).toBe('share-accepted');
    expect(t.pool.all('SubmitSharesExtended')).toHaveLength(0);

    // meets the upstream target, with rolled version bits: forwarded, and the pool's rebuild hashes to the same value
    const good = m.model.findShare(UPSTREAM_TARGET, { versionBits: 0x00ffe000 });
    m.say(good.line);
    expect(lastResult(m.model).type).toBe('share-accepted');
    const sent = t.pool.last('SubmitSharesExtended');
    expect(sent).toMatchObject({ channelId: 5, jobId: 1, nonce: good.share.nonce, ntime: good.share.ntime, version: (0x20000000 & ~0x1fffe000) | 0x00ffe000 });
    expect(sent.extranonce).toHaveLength(8);
    const header = poolHeader(job, prevHash, prefix, { ...sent, extranonce: Uint8Array.from(sent.extranonce) });
    expect(sha256d(header).equals(good.hash)).toBe(true);
    expect(hashMeetsTarget(sha256d(header), UPSTREAM_TARGET)).toBe(true);

    // the same share again: duplicate
    m.say(m.model.client.submit(good.share).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.DUPLICATE_SHARE } });
    // a job id never sent, a wrong extranonce2 size
    m.say(m.model.client.submit({ ...good.share, jobId: 'ffff' }).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.JOB_NOT_FOUND } });
    m.say(m.model.client.submit({ ...good.share, extranonce2: new Uint8Array(3) }).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.OTHER } });

    expect(m.session.stats).toMatchObject({ sharesAccepted: 2, sharesRejected: 4, sharesForwarded: 1 });
    expect(m.session.stats.rejectedBy).toEqual({ 'low-difficulty': 1, duplicate: 1, stale: 1, 'bad-extranonce2': 1 });
  });

  it('a share on the previous block is stale; the new block cleans jobs', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    const oldJob = m.model.job;
    t.newBlock(5, 2, new Uint8Array(32).fill(9));
    expect(m.model.job.cleanJobs).toBe(true);
    const share = m.model.findShare(difficultyToTarget(MINER_DIFFICULTY), { job: oldJob });
    m.say(share.line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.JOB_NOT_FOUND } });
  });

  it('counts pool acknowledgements and rejections per miner (the miner was already told true)', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    for (let i = 0; i < 3; i++) m.say(m.model.findShare(UPSTREAM_TARGET).line);
    const seqs = t.pool.all('SubmitSharesExtended').map((s) => s.sequenceNumber);
    expect(seqs).toEqual([0, 1, 2]);
    t.deliver('SubmitSharesError', { channelId: 5, sequenceNumber: 1, errorCode: 'invalid-share' });
    t.deliver('SubmitSharesSuccess', { channelId: 5, lastSequenceNumber: 2, newSubmitsAcceptedCount: 2, newSharesSum: 2n });
    expect(m.session.stats).toMatchObject({ sharesAccepted: 3, upstreamAccepted: 2, upstreamRejected: 1 });
    expect(t.core.totals.upstreamRejected).toEqual({ 'invalid-share': 1 });
  });

  it('counts a block when a share meets the network target', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1, PREV_HASH, 0x207fffff); // regtest: every share at the miner's difficulty is a block
    m.say(m.model.findShare(UPSTREAM_TARGET).line);
    expect(t.core.totals.blocksFound).toBe(1);
    expect(t.pool.all('SubmitSharesExtended')).toHaveLength(1);
    // a block under the (harder) channel target still goes up: the pool takes blocks whatever the channel target
    let share;
    do share = m.model.findShare(difficultyToTarget(MINER_DIFFICULTY));
    while (hashMeetsTarget(share.hash, UPSTREAM_TARGET));
    m.say(share.line);
    expect(t.core.totals.blocksFound).toBe(2);
    expect(t.pool.all('SubmitSharesExtended')).toHaveLength(2);
  });

  it('jobs and targets addressed to a group channel reach its member channels', () => {
    const t = setup({ aggregateChannels: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const a = t.connect();
    t.deliver('OpenExtendedMiningChannelSuccess', { requestId: t.pool.last('OpenExtendedMiningChannel').requestId, channelId: 7, target: UPSTREAM_TARGET, extranonceSize: 8, extranoncePrefix: Uint8Array.of(1), groupChannelId: 100 });
    const b = t.connect();
    t.deliver('OpenExtendedMiningChannelSuccess', { requestId: t.pool.last('OpenExtendedMiningChannel').requestId, channelId: 8, target: UPSTREAM_TARGET, extranonceSize: 8, extranoncePrefix: Uint8Array.of(2), groupChannelId: 100 });
    t.newBlock(100, 1);
    expect(a.model.job.coinb1.at(-3)).toBe(1); // prefix 01, then two bytes of pad
    expect(b.model.job.coinb1.at(-3)).toBe(2);
    t.deliver('SetTarget', { channelId: 100, maximumTarget: difficultyToTarget(1) });
    expect([...t.core.upstreamChannels].map((c) => targetToDifficulty(c.target))).toEqual([1, 1]);
  });

  it('SetExtranoncePrefix applies to jobs sent after it: the next notify carries it, the current job keeps its own', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    const { prefix } = t.openChannel(5);
    const { job, prevHash } = t.newBlock(5, 1);
    const before = m.model.job;
    t.deliver('SetExtranoncePrefix', { channelId: 5, extranoncePrefix: Uint8Array.of(0xaa, 0xbb) });
    expect(m.model.job).toBe(before); // nothing re-sent
    const next = sampleJob(5, 2, 1_700_000_001, 3);
    t.deliver('NewExtendedMiningJob', next);
    const after = m.model.job;
    expect(bytesToHex(after.coinb1)).toBe(bytesToHex(next.coinbaseTxPrefix) + 'aabb0000');
    // a share on each job goes up and rebuilds with that job's prefix
    m.say(m.model.findShare(UPSTREAM_TARGET, { job: before }).line);
    const first = t.pool.last('SubmitSharesExtended');
    expect(hashMeetsTarget(sha256d(poolHeader(job, prevHash, prefix, first)), UPSTREAM_TARGET)).toBe(true);
    m.say(m.model.findShare(UPSTREAM_TARGET, { job: after }).line);
    const second = t.pool.last('SubmitSharesExtended');
    expect(second.jobId).toBe(2);
    expect(hashMeetsTarget(sha256d(poolHeader(next, prevHash, Uint8Array.of(0xaa, 0xbb), second)), UPSTREAM_TARGET)).toBe(true);
  });

  it('a share whose ntime is older than the job or two hours ahead is refused', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    const target = difficultyToTarget(MINER_DIFFICULTY);
    m.say(m.model.findShare(target, { job: { ...m.model.job, ntime: 1_699_999_999 } }).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.OTHER, message: 'ntime older than the job' } });
    m.say(m.model.findShare(target, { job: { ...m.model.job, ntime: Math.floor(t.now() / 1000) + 3 * 3600 } }).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { message: 'ntime too far in the future' } });
    expect(m.session.stats.rejectedBy).toEqual({ 'invalid-ntime': 2 });
  });
});

describe('translator core: non-aggregated mode', () => {
  it('opens one channel per miner and closes it when the miner leaves', () => {
    const t = setup({ aggregateChannels: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const a = t.connect();
    t.openChannel(1, 6, Uint8Array.of(0x0a));
    const b = t.connect();
    t.openChannel(2, 6, Uint8Array.of(0x0b));
    expect(t.pool.all('OpenExtendedMiningChannel')).toHaveLength(2);
    t.newBlock(1, 1);
    expect(a.model.client.latestJob).not.toBeNull();
    expect(b.model.client.latestJob).toBeNull(); // channel 2 has no job yet
    t.newBlock(2, 1);
    expect(bytesToHex(b.model.job.coinb1).endsWith('0b')).toBe(true);
    b.say(b.model.findShare(UPSTREAM_TARGET).line);
    expect(t.pool.last('SubmitSharesExtended').channelId).toBe(2);
    t.core.removeMiner(a.session, 'test');
    expect(t.pool.last('CloseChannel')).toEqual({ channelId: 1, reasonCode: 'downstream disconnected' });
  });

  it('a channel the pool refuses costs only that miner', () => {
    const t = setup({ aggregateChannels: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const a = t.connect();
    t.deliver('OpenMiningChannelError', { requestId: t.pool.last('OpenExtendedMiningChannel').requestId, errorCode: 'unknown-user' });
    expect(a.kicked()).toContain('unknown-user');
    const b = t.connect();
    t.openChannel(3);
    t.newBlock(3, 1);
    expect(b.model.client.latestJob).not.toBeNull();
    expect(t.actions).toEqual([]);
  });
});

describe('translator core: time', () => {
  it('keep-alive: re-sends the current work under a new job id with a fresh ntime; shares on it count', () => {
    const t = setup({ jobKeepaliveIntervalSecs: 30, enableVardiff: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    const first = m.model.job;
    t.advance(29_000);
    t.core.tick();
    expect(m.model.job).toBe(first);
    t.advance(2_000);
    t.core.tick();
    const kept = m.model.job;
    expect(kept.jobId).not.toBe(first.jobId);
    expect(kept.cleanJobs).toBe(false);
    expect(kept.ntime).toBe(Math.floor(t.now() / 1000));
    expect(kept.coinb1).toEqual(first.coinb1);
    m.say(m.model.findShare(UPSTREAM_TARGET).line);
    expect(lastResult(m.model).type).toBe('share-accepted');
    expect(t.pool.last('SubmitSharesExtended').jobId).toBe(1);
    expect(t.core.totals.keepaliveJobs).toBe(1);
  });

  it('vardiff: a fast miner moves up in powers of two; a share on a job from before the change still counts', () => {
    const t = setup({ enableVardiff: true });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    const oldTarget = difficultyToTarget(MINER_DIFFICULTY);
    // 64 shares in 4 s at 60/min wanted: ~16× too fast
    for (let i = 0; i < 64; i++) m.say(m.model.findShare(oldTarget).line);
    t.advance(4_000);
    t.core.tick();
    const difficulty = m.model.client.difficulty;
    expect(Math.log2(difficulty / MINER_DIFFICULTY)).toBeGreaterThanOrEqual(3);
    expect(Number.isInteger(Math.log2(difficulty))).toBe(true);
    // set_difficulty is followed by the job again so firmware applies it now
    expect(parseServerLine(m.model.received.at(-2)!).type).toBe('set-difficulty');
    expect(parseServerLine(m.model.received.at(-1)!).type).toBe('notify');
    // a share at the old difficulty on the job sent before the change is still accepted
    let share;
    do share = m.model.findShare(oldTarget);
    while (hashMeetsTarget(share.hash, difficultyToTarget(difficulty)));
    m.say(share.line);
    expect(lastResult(m.model).type).toBe('share-accepted');
    // a new job: now only the new difficulty counts
    t.deliver('NewExtendedMiningJob', sampleJob(5, 2, 1_700_000_010, 2));
    let low;
    do low = m.model.findShare(oldTarget);
    while (hashMeetsTarget(low.hash, difficultyToTarget(difficulty)));
    m.say(low.line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.LOW_DIFFICULTY } });
  });

  it('vardiff off: the miner difficulty follows the upstream target (rounded down to a power of two)', () => {
    const t = setup({ enableVardiff: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    expect(m.model.client.difficulty).toBe(2 ** -22);
    t.deliver('SetTarget', { channelId: 5, maximumTarget: difficultyToTarget(3) });
    expect(m.model.client.difficulty).toBe(2);
  });

  it('aggregated: UpdateChannel follows the miners’ total, debounced', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    t.connect();
    t.openChannel(5);
    t.advance(2_000);
    t.core.tick();
    expect(t.pool.all('UpdateChannel')).toHaveLength(0); // unchanged
    t.connect();
    t.core.tick();
    const update = t.pool.last('UpdateChannel');
    expect(update.channelId).toBe(5);
    expect(update.nominalHashRate).toBeCloseTo(2 * MINER_DIFFICULTY * 2 ** 32, 0);
  });
});

describe('translator core: upstream loss, reconnect and pool requests', () => {
  it('miners stay: keep-alive jobs continue, shares are answered false (not forwarded), then a new channel takes over', () => {
    const t = setup({ jobKeepaliveIntervalSecs: 10, enableVardiff: false });
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    const m = t.connect();
    t.openChannel(5);
    t.newBlock(5, 1);
    t.core.upstreamDisconnected('test: pool gone');
    t.advance(11_000);
    t.core.tick();
    expect(m.model.job.cleanJobs).toBe(false); // keep-alive of the last work
    m.say(m.model.findShare(UPSTREAM_TARGET).line);
    expect(lastResult(m.model)).toMatchObject({ type: 'share-rejected', error: { code: SV1_ERROR.OTHER, message: expect.stringContaining('Upstream') } });
    expect(m.kicked()).toBeNull();

    const second = new RecordingPool();
    t.core.upstreamConnected(second, 'u', 'pool:2');
    const open = second.last('OpenExtendedMiningChannel');
    t.core.upstreamMessage(decodeFrame(encodeFrame('OpenExtendedMiningChannelSuccess', { requestId: open.requestId, channelId: 9, target: UPSTREAM_TARGET, extranonceSize: 6, extranoncePrefix: Uint8Array.of(0x99), groupChannelId: 0 })));
    const extranonce1 = bytesToHex(m.model.client.extranonce1!);
    t.core.upstreamMessage(decodeFrame(encodeFrame('NewExtendedMiningJob', sampleJob(9, 1, null))));
    t.core.upstreamMessage(decodeFrame(encodeFrame('SetNewPrevHash', { channelId: 9, jobId: 1, prevHash: PREV_HASH, minNtime: 1_700_000_100, nbits: NBITS })));
    expect(m.model.job.cleanJobs).toBe(true);
    expect(bytesToHex(m.model.job.coinb1).endsWith('99')).toBe(true);
    m.say(m.model.findShare(UPSTREAM_TARGET).line);
    expect(lastResult(m.model).type).toBe('share-accepted');
    expect(second.last('SubmitSharesExtended').channelId).toBe(9);
    expect(bytesToHex(m.model.client.extranonce1!)).toBe(extranonce1); // no set_extranonce, no reconnect
  });

  it('Reconnect and ChannelEndpointChanged are handled; a closed aggregated channel asks for the next upstream', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    t.connect();
    t.openChannel(5);
    t.deliver('ChannelEndpointChanged', { channelId: 5 });
    expect(t.core.totals.endpointChanges).toBe(1);
    t.deliver('Reconnect', { newHost: '', newPort: 3334 });
    t.deliver('Reconnect', { newHost: 'pool2.example', newPort: 0 });
    t.deliver('CloseChannel', { channelId: 5, reasonCode: 'maintenance' });
    expect(t.actions).toEqual([
      { type: 'reconnect', host: null, port: 3334 },
      { type: 'reconnect', host: 'pool2.example', port: null },
      { type: 'fallback', reason: 'pool closed the channel: maintenance' },
    ]);
  });

  it('a pool that never answers OpenExtendedMiningChannel is given up on after 10 s', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    t.connect();
    t.advance(9_999);
    t.core.tick();
    expect(t.actions).toEqual([]);
    t.advance(1);
    t.core.tick();
    expect(t.actions).toEqual([{ type: 'fallback', reason: 'no answer to OpenExtendedMiningChannel within 10 s' }]);
    // a late answer is not taken for a channel: it is closed again
    t.deliver('OpenExtendedMiningChannelSuccess', { requestId: t.pool.all('OpenExtendedMiningChannel')[0]!.requestId, channelId: 4, target: UPSTREAM_TARGET, extranonceSize: 8, extranoncePrefix: Uint8Array.of(1), groupChannelId: 0 });
    expect(t.pool.last('CloseChannel')).toMatchObject({ channelId: 4 });
  });

  it('a pool granting too little extranonce space is refused and the next upstream asked for', () => {
    const t = setup();
    t.core.upstreamConnected(t.pool, 'u', 'pool:1');
    t.connect();
    t.openChannel(5, 5);
    expect(t.pool.last('CloseChannel')).toMatchObject({ channelId: 5 });
    expect(t.actions[0]).toMatchObject({ type: 'fallback' });
  });
});
