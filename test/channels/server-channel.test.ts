// Server-side channels: every SubmitShares.Error code, target rules, acks, prefix rotation, custom
// jobs and groups. Shares are real: headers hashed with sha256d, nonces searched when a test needs
// a hash on a given side of a target.
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/bitcoin/bytes.js';
import { hashMeetsTarget, hashrateToTarget } from '../../src/bitcoin/target.js';
import { serializeOutputs } from '../../src/bitcoin/tx.js';
import {
  chainTip,
  ChannelError,
  coinbaseTag,
  customJobCoinbase,
  ExtendedChannel,
  GroupChannel,
  JobIdSequence,
  scriptSigRoom,
  StandardChannel,
  unknownChannel,
  workFromCustomJob,
  workFromTemplate,
} from '../../src/channels/index.js';
import type { ShareResult, Work } from '../../src/channels/index.js';
import type { Messages } from '../../src/messages/index.js';
import { MiningErrorCode } from '../../src/messages/index.js';
import { TOO_MANY_SHARES } from '../../src/channels/share-result.js';
import { channelOptions, MAX_TARGET, REGTEST_BITS, SATS, SRI_PAYOUT_SCRIPT, SRI_TEMPLATE_OUTPUTS, sriPrefix, template, zeroPrefix } from '../support/channels.js';

const T = 1_745_596_910;
const PREV = new Uint8Array(32).fill(7);
const PREV2 = new Uint8Array(32).fill(8);
const MAINNET_BITS = 0x1d00ffff;
const V = 0x20000000;

const codeOf = (r: ShareResult): string => (r.ok ? 'accepted' : r.code);

function work(id: bigint, size: number, future = true): Work {
  return workFromTemplate(template({ templateId: id, futureTemplate: future }), { rewardScript: SRI_PAYOUT_SCRIPT, tag: coinbaseTag('pool'), fullExtranonceSize: size });
}

/** A standard channel with one active job (id 1) on `bits`, target from `hashrate`. */
function standard(bits = REGTEST_BITS, hashrate = 0): StandardChannel {
  const ch = new StandardChannel(channelOptions({ nominalHashrate: hashrate, now: T }));
  ch.addJob(work(1n, 32));
  ch.setNewPrevHash(1n, chainTip(PREV, bits, T));
  return ch;
}

function extended(opts: { bits?: number; hashrate?: number; versionRollingAllowed?: boolean } = {}): ExtendedChannel {
  const ch = new ExtendedChannel({ ...channelOptions({ nominalHashrate: opts.hashrate ?? 0, now: T }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8, versionRollingAllowed: opts.versionRollingAllowed });
  ch.addJob(work(1n, 32));
  ch.setNewPrevHash(1n, chainTip(PREV, opts.bits ?? REGTEST_BITS, T));
  return ch;
}

const std = (over: Partial<Messages['SubmitSharesStandard']> = {}): Messages['SubmitSharesStandard'] => ({
  channelId: 1,
  sequenceNumber: 1,
  jobId: 1,
  nonce: 0,
  ntime: T,
  version: V,
  ...over,
});
const ext = (over: Partial<Messages['SubmitSharesExtended']> = {}): Messages['SubmitSharesExtended'] => ({ ...std(), extranonce: new Uint8Array(8), ...over });

/** The first nonce whose share `pick`s says yes to (e.g. "accepted but not a block"). */
function findNonce(ch: StandardChannel, pick: (r: ShareResult) => boolean, base: Partial<Messages['SubmitSharesStandard']> = {}): number {
  for (let nonce = 0; nonce < 100_000; nonce++) {
    const probe = new StandardChannel(channelOptions({ nominalHashrate: 0, now: T }));
    probe.addJob(work(1n, 32));
    probe.setNewPrevHash(1n, ch.tip!);
    if (pick(probe.validateShare(std({ ...base, nonce }), T))) return nonce;
  }
  throw new Error('no nonce found');
}

describe('share rejections: every SubmitShares.Error code', () => {
  it('invalid-channel-id (the role answers shares for unknown channels with this)', () => {
    expect(unknownChannel({ channelId: 9, sequenceNumber: 4 })).toEqual({
      ok: false,
      code: MiningErrorCode.InvalidChannelId,
      error: { channelId: 9, sequenceNumber: 4, errorCode: 'invalid-channel-id' },
    });
  });

  it('invalid-job-id: unknown ids, and future jobs not yet activated', () => {
    const ch = standard();
    expect(codeOf(ch.validateShare(std({ jobId: 42 }), T))).toBe(MiningErrorCode.InvalidJobId);
    ch.addJob(work(2n, 32));
    expect(codeOf(ch.validateShare(std({ jobId: 2 }), T))).toBe(MiningErrorCode.InvalidJobId);
    const r = ch.validateShare(std({ jobId: 42, sequenceNumber: 9 }), T);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ channelId: 1, sequenceNumber: 9, errorCode: 'invalid-job-id' });
  });

  it('stale-share: a job of the previous prev hash', () => {
    const ch = standard();
    ch.addJob(work(2n, 32));
    ch.setNewPrevHash(2n, chainTip(PREV2, REGTEST_BITS, T + 600));
    expect(codeOf(ch.validateShare(std({ jobId: 1, ntime: T + 600 }), T + 600))).toBe(MiningErrorCode.StaleShare);
    expect(codeOf(ch.validateShare(std({ jobId: 2, ntime: T + 600 }), T + 600))).toBe('accepted');
  });

  it('the share whose block made the new tip is credited when it arrives after that tip, once', () => {
    const nonce = findNonce(standard(), (r) => r.ok && r.block !== null);
    const probe = standard();
    const found = probe.validateShare(std({ nonce }), T);
    if (!found.ok) throw new Error('no block');
    // The tip moves to that block before its share reaches this channel.
    const ch = standard();
    ch.addJob(work(2n, 32));
    ch.setNewPrevHash(2n, chainTip(found.hash, REGTEST_BITS, T + 1));
    const late = ch.validateShare(std({ nonce, sequenceNumber: 5 }), T + 1);
    expect(late).toMatchObject({ ok: true, block: null, difficulty: found.difficulty });
    expect(codeOf(ch.validateShare(std({ nonce, sequenceNumber: 6 }), T + 1))).toBe(MiningErrorCode.DuplicateShare);
    // Any other share of that old job is still stale.
    expect(codeOf(ch.validateShare(std({ nonce: nonce + 1 }), T + 1))).toBe(MiningErrorCode.StaleShare);
    // A share credited before its tip came is not credited again after it.
    probe.addJob(work(2n, 32));
    probe.setNewPrevHash(2n, chainTip(found.hash, REGTEST_BITS, T + 1));
    expect(codeOf(probe.validateShare(std({ nonce }), T + 1))).toBe(MiningErrorCode.DuplicateShare);
  });

  it('invalid-share: nTime before min_ntime or more than 2 h ahead of the clock', () => {
    const ch = standard();
    expect(codeOf(ch.validateShare(std({ ntime: T - 1 }), T))).toBe(MiningErrorCode.InvalidShare);
    expect(codeOf(ch.validateShare(std({ ntime: T + 7201 }), T))).toBe(MiningErrorCode.InvalidShare);
    expect(codeOf(ch.validateShare(std({ ntime: T + 7200 }), T))).toBe('accepted');
  });

  it('invalid-non-rollable-version-bit: only BIP323 bits (0x1fffffe0) may change', () => {
    const ch = standard();
    expect(codeOf(ch.validateShare(std({ version: V | 0x1 }), T))).toBe(MiningErrorCode.InvalidNonRollableVersionBit);
    expect(codeOf(ch.validateShare(std({ version: (V | 0x80000000) >>> 0 }), T))).toBe(MiningErrorCode.InvalidNonRollableVersionBit);
    expect(codeOf(ch.validateShare(std({ version: (V | 0x1fffffe0) >>> 0 }), T))).toBe('accepted');
  });

  it('version-rolling-not-allowed: an extended job without rolling needs the exact version', () => {
    const ch = extended({ versionRollingAllowed: false });
    expect(ch.jobMessage(ch.activeJob!).versionRollingAllowed).toBe(false);
    expect(codeOf(ch.validateShare(ext({ version: V | 0x2000 }), T))).toBe(MiningErrorCode.VersionRollingNotAllowed);
    expect(codeOf(ch.validateShare(ext(), T))).toBe('accepted');
  });

  it('bad-extranonce-size: the extranonce must be exactly extranonce_size bytes', () => {
    const ch = extended();
    expect(codeOf(ch.validateShare(ext({ extranonce: new Uint8Array(7) }), T))).toBe(MiningErrorCode.BadExtranonceSize);
    expect(codeOf(ch.validateShare(ext({ extranonce: new Uint8Array(9) }), T))).toBe(MiningErrorCode.BadExtranonceSize);
  });

  it('difficulty-too-low and duplicate-share', () => {
    const hard = standard(MAINNET_BITS, 1e18);
    expect(codeOf(hard.validateShare(std(), T))).toBe(MiningErrorCode.DifficultyTooLow);
    const easy = standard(MAINNET_BITS, 0);
    expect(codeOf(easy.validateShare(std(), T))).toBe('accepted');
    expect(codeOf(easy.validateShare(std({ sequenceNumber: 2 }), T))).toBe(MiningErrorCode.DuplicateShare);
    // The same work at another nTime is a different share.
    expect(codeOf(easy.validateShare(std({ ntime: T + 1 }), T))).toBe('accepted');
    expect(Object.fromEntries(hard.accounting.rejected)).toEqual({ 'difficulty-too-low': 1 });
    expect(Object.fromEntries(easy.accounting.rejected)).toEqual({ 'duplicate-share': 1 });
  });

  it('the duplicate set is bounded (maxSeenShares) and never forgets within a prev hash: past it, shares are refused, never credited twice', () => {
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 0, maxSeenShares: 2, now: T }));
    ch.addJob(work(1n, 32));
    ch.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    for (const nonce of [0, 1]) expect(codeOf(ch.validateShare(std({ nonce }), T))).toBe('accepted');
    expect(codeOf(ch.validateShare(std({ nonce: 2 }), T))).toBe(TOO_MANY_SHARES);
    expect(codeOf(ch.validateShare(std({ nonce: 0 }), T))).toBe(MiningErrorCode.DuplicateShare);
    expect(ch.accounting.accepted).toBe(2);
    // A new block clears it.
    ch.addJob(work(2n, 32));
    ch.setNewPrevHash(2n, chainTip(new Uint8Array(32).fill(7), MAINNET_BITS, T));
    expect(codeOf(ch.validateShare(std({ jobId: 2, nonce: 2 }), T))).toBe('accepted');
  });

  it('a share replayed after 16 385 distinct ones on the same block is a duplicate (the default window)', () => {
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 0, now: T }));
    ch.addJob(work(1n, 32));
    ch.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    const codes = new Map<string, number>();
    for (let nonce = 0; nonce <= 16_385; nonce++) {
      const c = codeOf(ch.validateShare(std({ nonce, sequenceNumber: nonce }), T));
      codes.set(c, (codes.get(c) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ accepted: 16_384, [TOO_MANY_SHARES]: 2 });
    expect(codeOf(ch.validateShare(std({ nonce: 0 }), T))).toBe(MiningErrorCode.DuplicateShare);
    expect(ch.accounting.accepted).toBe(16_384);
  });
});

describe('targets', () => {
  it('SetTarget leaves the active job at its target; later jobs and future jobs take the new one', () => {
    const ch = standard(MAINNET_BITS, 0);
    const hard = hashrateToTarget(1e18, 1);
    expect(ch.setTarget(hard)).toEqual({ channelId: 1, maximumTarget: hard });
    expect(ch.activeJob!.target).toEqual(MAX_TARGET);
    expect(codeOf(ch.validateShare(std(), T))).toBe('accepted');
    ch.addJob(work(2n, 32, false));
    expect(ch.activeJob!.target).toEqual(hard);
    expect(codeOf(ch.validateShare(std({ jobId: 2 }), T))).toBe(MiningErrorCode.DifficultyTooLow);
    expect(ch.setTarget(hard)).toBeNull();
  });

  it('an eased target is honoured at once on the old job (a miner may apply SetTarget immediately)', () => {
    const ch = standard(MAINNET_BITS, 1e18);
    expect(codeOf(ch.validateShare(std(), T))).toBe(MiningErrorCode.DifficultyTooLow);
    ch.setTarget(MAX_TARGET);
    const r = ch.validateShare(std({ sequenceNumber: 2 }), T);
    expect(codeOf(r)).toBe('accepted');
    if (r.ok) expect(r.difficulty).toBe(ch.difficulty);
  });

  it('a target is never easier than max_target, and a zero max_target is refused', () => {
    const maxTarget = hashrateToTarget(1000, 1);
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 1, maxTarget }));
    expect(ch.target).toEqual(maxTarget);
    expect(ch.setTarget(MAX_TARGET)).toBeNull();
    expect(() => new StandardChannel(channelOptions({ maxTarget: new Uint8Array(32) }))).toThrow(ChannelError);
    expect(() => new StandardChannel(channelOptions({ nominalHashrate: NaN }))).toThrow(expect.objectContaining({ errorCode: 'invalid-nominal-hashrate' }));
  });
});

describe('acks and blocks', () => {
  it('acks every share_batch_size accepted shares and flushes on demand', () => {
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 0, shareBatchSize: 3, now: T }));
    ch.addJob(work(1n, 32));
    ch.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    const acks = [1, 2, 3, 4].map((n) => {
      const r = ch.validateShare(std({ nonce: n, sequenceNumber: 10 + n }), T);
      return r.ok ? r.ack : 'rejected';
    });
    expect(acks.slice(0, 2)).toEqual([null, null]);
    expect(acks[2]).toMatchObject({ channelId: 1, lastSequenceNumber: 13, newSubmitsAcceptedCount: 3 });
    expect(acks[3]).toBeNull();
    expect(ch.flushAck()).toMatchObject({ lastSequenceNumber: 14, newSubmitsAcceptedCount: 1 });
    expect(ch.flushAck()).toBeNull();
  });

  it('a block is acked at once and carries what SubmitSolution needs', () => {
    const ch = standard();
    const blockNonce = findNonce(ch, (r) => r.ok && r.block !== null);
    const r = ch.validateShare(std({ nonce: blockNonce, sequenceNumber: 5 }), T);
    expect(r.ok && r.block !== null).toBe(true);
    if (!r.ok || r.block === null) return;
    expect(r.ack).toMatchObject({ lastSequenceNumber: 5, newSubmitsAcceptedCount: 1 });
    expect(r.block.templateId).toBe(1n);
    expect(hashMeetsTarget(r.block.hash, ch.tip!.networkTarget)).toBe(true);
    expect(r.block.extranonce).toEqual(sriPrefix(32));
  });

  it('a share meeting the channel target but not the network target is no block', () => {
    const ch = standard();
    const nonce = findNonce(ch, (r) => r.ok && r.block === null);
    const r = ch.validateShare(std({ nonce }), T);
    expect(r.ok && r.block === null).toBe(true);
    expect(ch.accounting.blocksFound).toBe(0);
  });
});

describe('jobs', () => {
  it('refuses work for another extranonce size, non-future jobs before a prev hash, unknown templates', () => {
    const ch = new StandardChannel(channelOptions());
    expect(() => ch.addJob(work(1n, 31))).toThrow(expect.objectContaining({ errorCode: 'extranonce-size-mismatch' }));
    expect(() => ch.addJob(work(1n, 32, false))).toThrow(expect.objectContaining({ errorCode: 'no-chain-tip' }));
    expect(() => ch.setNewPrevHash(5n, chainTip(PREV, REGTEST_BITS, T))).toThrow(expect.objectContaining({ errorCode: 'unknown-template' }));
    expect(ch.tip).toBeNull();
  });

  it('a first job can be forced future and activated on the current template (channel opened mid-block)', () => {
    const ch = new StandardChannel(channelOptions());
    const w = work(9n, 32, false);
    expect(ch.addJob(w, { future: true }).minNtime).toBeNull();
    expect(ch.setNewPrevHash(9n, chainTip(PREV, REGTEST_BITS, T)).jobId).toBe(1);
  });

  it('checks the payout against coinbase_tx_value_remaining and the scriptSig room', () => {
    const t = template();
    expect(() => workFromTemplate(t, { outputs: [{ value: SATS + 1n, script: SRI_PAYOUT_SCRIPT }], fullExtranonceSize: 8 })).toThrow(
      expect.objectContaining({ errorCode: 'invalid-coinbase-outputs-sum' }),
    );
    const split = workFromTemplate(t, {
      outputs: [
        { value: SATS - 1000n, script: SRI_PAYOUT_SCRIPT },
        { value: 1000n, script: SRI_PAYOUT_SCRIPT },
      ],
      fullExtranonceSize: 8,
    });
    expect(split.coinbase.extranonceSize).toBe(8);
    expect(() => workFromTemplate(t, { fullExtranonceSize: 8 })).toThrow(expect.objectContaining({ errorCode: 'invalid-coinbase-outputs' }));
    const longTag = coinbaseTag('x'.repeat(60));
    expect(scriptSigRoom(longTag, 32)).toBeLessThan(2);
    expect(() => workFromTemplate(t, { rewardScript: SRI_PAYOUT_SCRIPT, tag: longTag, fullExtranonceSize: 32 })).toThrow(expect.objectContaining({ errorCode: 'invalid-coinbase' }));
    expect(() => workFromTemplate(template({ coinbaseTxOutputsCount: 2 }), { rewardScript: SRI_PAYOUT_SCRIPT, fullExtranonceSize: 8 })).toThrow(
      expect.objectContaining({ errorCode: 'invalid-template' }),
    );
  });

  it('a template without a witness commitment gets a legacy coinbase (no BIP141 fields)', () => {
    const w = workFromTemplate(template({ coinbaseTxOutputsCount: 0, coinbaseTxOutputs: new Uint8Array(0) }), { rewardScript: SRI_PAYOUT_SCRIPT, fullExtranonceSize: 8 });
    expect(w.coinbase.segwit).toBe(false);
    expect(w.coinbase.prefix).toEqual(w.coinbase.strippedPrefix);
  });

  it('bounds past jobs: the oldest becomes stale', () => {
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 0, jobStoreLimits: { maxPastJobs: 2 } }));
    ch.addJob(work(1n, 32));
    ch.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    for (let i = 2; i <= 4; i++) ch.addJob(work(BigInt(i), 32, false));
    expect(codeOf(ch.validateShare(std({ jobId: 1 }), T))).toBe(MiningErrorCode.StaleShare);
    expect(codeOf(ch.validateShare(std({ jobId: 2 }), T))).toBe('accepted');
  });

  it('SetExtranoncePrefix: old jobs keep the old prefix until stale, then it is handed back', () => {
    const ch = standard(MAINNET_BITS, 0);
    const oldPrefix = ch.extranoncePrefix;
    const newPrefix = sriPrefix(32).fill(9, 20, 31);
    expect(() => ch.setExtranoncePrefix(new Uint8Array(8))).toThrow(expect.objectContaining({ errorCode: 'invalid-extranonce-prefix' }));
    expect(ch.setExtranoncePrefix(newPrefix)).toEqual({ channelId: 1, extranoncePrefix: newPrefix });
    const j2 = ch.addJob(work(2n, 32, false));
    expect(ch.job(1)!.extranoncePrefix).toBe(oldPrefix);
    expect(ch.job(2)!.extranoncePrefix).toBe(newPrefix);
    expect(j2.merkleRoot).not.toEqual(ch.rootOf(ch.job(1)!));
    expect(j2.merkleRoot).toEqual(ch.rootOf(ch.job(2)!));
    expect(codeOf(ch.validateShare(std({ jobId: 1 }), T))).toBe('accepted');
    expect(ch.takeRetiredPrefixes()).toEqual([]);
    ch.addJob(work(3n, 32));
    ch.setNewPrevHash(3n, chainTip(PREV2, MAINNET_BITS, T));
    expect(ch.takeRetiredPrefixes()).toEqual([oldPrefix]);
    expect(ch.takeRetiredPrefixes()).toEqual([]);
  });
});

describe('custom jobs (SetCustomMiningJob)', () => {
  const PREV_FUTURE = Uint8Array.from([
    200, 53, 253, 129, 214, 31, 43, 84, 179, 58, 58, 76, 128, 213, 24, 53, 38, 144, 205, 88, 172, 20, 251, 22, 217, 141, 21, 221, 21, 0, 0, 0,
  ]);
  const tag = coinbaseTag('Stratum V2 SRI Pool', 'Stratum V2 SRI Miner');

  function customJob(over: Partial<Messages['SetCustomMiningJob']> = {}): Messages['SetCustomMiningJob'] {
    const outputs = new ByteWriter().compactSize(2).bytes(serializeOutputs([{ value: SATS, script: SRI_PAYOUT_SCRIPT }])).bytes(SRI_TEMPLATE_OUTPUTS).finish();
    return {
      channelId: 1,
      requestId: 1,
      miningJobToken: Uint8Array.of(0),
      version: 536870912,
      prevHash: PREV_FUTURE,
      minNtime: 1746839905,
      nbits: 503543726,
      coinbaseTxVersion: 2,
      coinbasePrefix: Uint8Array.from([82, 0, tag.length, ...tag, 32]),
      coinbaseTxInputNSequence: 4294967295,
      coinbaseTxOutputs: outputs,
      coinbaseTxLocktime: 0,
      merklePath: [],
      ...over,
    };
  }

  it("reproduces SRI's test_new_extended_job_from_custom_job", () => {
    const ch = new ExtendedChannel({ ...channelOptions(), extranoncePrefix: sriPrefix(27), extranonceSize: 5 });
    const ok = ch.addCustomJob(workFromCustomJob(customJob(), 32), 1);
    expect(ok).toEqual({ channelId: 1, requestId: 1, jobId: 1 });
    const job = ch.jobMessage(ch.activeJob!);
    expect(job.minNtime).toBe(1746839905);
    expect([...job.coinbaseTxPrefix]).toEqual([2, 0, 0, 0, 1, ...new Array<number>(32).fill(0), 255, 255, 255, 255, 81, 82, 0, 45, ...tag, 32]);
    expect(job.coinbaseTxSuffix).toEqual(work(1n, 32).coinbase.strippedSuffix);
    expect(ch.tip!.prevHash).toEqual(PREV_FUTURE);
  });

  it('a custom job on a new prev hash makes the earlier jobs stale; shares get no template id', () => {
    const ch = new ExtendedChannel({ ...channelOptions({ nominalHashrate: 0 }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
    ch.addCustomJob(workFromCustomJob(customJob({ nbits: REGTEST_BITS }), 32), 1);
    ch.addCustomJob(workFromCustomJob(customJob({ nbits: REGTEST_BITS }), 32), 2);
    expect(ch.job(1)).toBeDefined();
    ch.addCustomJob(workFromCustomJob(customJob({ nbits: REGTEST_BITS, prevHash: PREV2 }), 32), 3);
    expect(codeOf(ch.validateShare(ext({ jobId: 1, ntime: 1746839905 }), 1746839905))).toBe(MiningErrorCode.StaleShare);
    for (let nonce = 0; ; nonce++) {
      const r = ch.validateShare(ext({ jobId: 3, nonce, ntime: 1746839905 }), 1746839905);
      if (r.ok && r.block !== null) {
        expect(r.block.templateId).toBeNull();
        break;
      }
    }
  });

  it('a JD client\'s block share overtaken by its own tip is credited on its custom job', () => {
    const ch = new ExtendedChannel({ ...channelOptions({ nominalHashrate: 0 }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
    const twin = new ExtendedChannel({ ...channelOptions({ nominalHashrate: 0 }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
    for (const c of [ch, twin]) c.addCustomJob(workFromCustomJob(customJob({ nbits: REGTEST_BITS }), 32), 1);
    let nonce = 0;
    let hash: Uint8Array | undefined;
    for (; hash === undefined; nonce++) {
      const r = twin.validateShare(ext({ jobId: 1, nonce, ntime: 1746839905 }), 1746839905);
      if (r.ok && r.block !== null) hash = r.hash;
    }
    ch.onChainTip(chainTip(hash, REGTEST_BITS, 1746839906));
    expect(ch.validateShare(ext({ jobId: 1, nonce: nonce - 1, ntime: 1746839905 }), 1746839906)).toMatchObject({ ok: true, block: null });
  });

  it('a JD client declares its work with customJobCoinbase; the pool rebuilds the identical coinbase', () => {
    const w = workFromTemplate(template(), { rewardScript: SRI_PAYOUT_SCRIPT, tag, fullExtranonceSize: 32 });
    const fields = customJobCoinbase(w);
    expect(fields.coinbasePrefix).toEqual(customJob().coinbasePrefix);
    expect(fields.coinbaseTxOutputs).toEqual(customJob().coinbaseTxOutputs);
    const rebuilt = workFromCustomJob({ ...customJob(), ...fields }, 32);
    expect(rebuilt.coinbase).toEqual(w.coinbase);
  });

  it('rejects malformed custom jobs with SRI codes', () => {
    expect(() => workFromCustomJob(customJob({ coinbaseTxOutputs: Uint8Array.of(5, 1) }), 32)).toThrow(expect.objectContaining({ errorCode: 'invalid-coinbase-tx-outputs' }));
    expect(() => workFromCustomJob(customJob({ coinbasePrefix: new Uint8Array(80) }), 32)).toThrow(expect.objectContaining({ errorCode: 'invalid-coinbase-prefix' }));
  });
});

describe('group channels', () => {
  function members(requiresStandardJobs: boolean): { group: GroupChannel; a: StandardChannel; b: StandardChannel; e: ExtendedChannel | null } {
    const jobIds = new JobIdSequence();
    const group = new GroupChannel({ groupChannelId: 100, fullExtranonceSize: 32, jobIds, requiresStandardJobs });
    const a = new StandardChannel(channelOptions({ channelId: 1, nominalHashrate: 0, extranoncePrefix: zeroPrefix(32), jobIds, groupChannelId: 100 }));
    const b = new StandardChannel(channelOptions({ channelId: 2, nominalHashrate: 0, extranoncePrefix: zeroPrefix(32).fill(2, 0, 1), jobIds, groupChannelId: 100 }));
    group.add(a);
    group.add(b);
    let e: ExtendedChannel | null = null;
    if (!requiresStandardJobs) {
      e = new ExtendedChannel({ ...channelOptions({ channelId: 3, nominalHashrate: 0, jobIds }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
      group.add(e);
    }
    return { group, a, b, e };
  }

  it('broadcasts one extended job and one SetNewPrevHash to a proxy connection; members validate their own shares', () => {
    const { group, a, b, e } = members(false);
    expect(group.setGroupChannel()).toEqual({ groupChannelId: 100, channelIds: [1, 2, 3] });
    const job = group.addJob(work(1n, 32));
    expect(job.perChannel).toEqual([]);
    expect(job.broadcast).toMatchObject({ channelId: 100, jobId: 1, minNtime: null });
    const snph = group.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    expect(snph).toEqual({ broadcast: { channelId: 100, jobId: 1, prevHash: PREV, minNtime: T, nbits: MAINNET_BITS }, perChannel: [] });
    // The same job id on each member, with each member's own merkle root, computed only when first needed.
    expect(a.job(1)!.merkleRoot).toBeNull();
    expect(a.rootOf(a.job(1)!)).not.toEqual(b.rootOf(b.job(1)!));
    expect(codeOf(a.validateShare(std({ channelId: 1 }), T))).toBe('accepted');
    expect(codeOf(b.validateShare(std({ channelId: 2 }), T))).toBe('accepted');
    expect(codeOf(e!.validateShare(ext({ channelId: 3 }), T))).toBe('accepted');
    // A later non-future job: min_ntime from the group's tip.
    expect(group.addJob(work(2n, 32, false)).broadcast!.minNtime).toBe(T);
    // Own jobs of a member draw from the same sequence: no id clash with the group's.
    expect(a.addJob(work(3n, 32, false)).jobId).toBe(3);
    expect(() => b.recordJob(work(4n, 32, false), { jobId: 2 })).toThrow(expect.objectContaining({ errorCode: 'duplicate-job-id' }));
  });

  it('sends per-channel NewMiningJob and SetNewPrevHash on a REQUIRES_STANDARD_JOBS connection', () => {
    const { group, a, b } = members(true);
    const job = group.addJob(work(1n, 32));
    expect(job.broadcast).toBeNull();
    expect(job.perChannel.map((m) => [m.channelId, m.jobId])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    const snph = group.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T));
    expect(job.perChannel[0]!.merkleRoot).toEqual(a.activeJob!.merkleRoot);
    expect(job.perChannel[1]!.merkleRoot).toEqual(b.activeJob!.merkleRoot);
    expect(a.activeJob!.merkleRoot).not.toBeNull();
    expect(snph.broadcast).toBeNull();
    expect(snph.perChannel.map((m) => m.channelId)).toEqual([1, 2]);
    expect(b.activeJob!.jobId).toBe(1);
    const extra = new ExtendedChannel({ ...channelOptions({ channelId: 9 }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
    expect(() => group.add(extra)).toThrow(expect.objectContaining({ errorCode: MiningErrorCode.ExtendedChannelsNotSupportedForStandardJobs }));
  });

  it('refuses members with another full extranonce length, and non-future jobs before a prev hash', () => {
    const { group } = members(false);
    const short = new StandardChannel(channelOptions({ channelId: 4, extranoncePrefix: zeroPrefix(16) }));
    expect(() => group.add(short)).toThrow(expect.objectContaining({ errorCode: 'full-extranonce-size-mismatch' }));
    const fixed = new StandardChannel({ ...channelOptions({ channelId: 5, extranoncePrefix: zeroPrefix(32) }), versionRollingAllowed: false });
    expect(() => group.add(fixed)).toThrow(expect.objectContaining({ errorCode: 'version-rolling-mismatch' }));
    expect(() => group.addJob(work(1n, 32, false))).toThrow(expect.objectContaining({ errorCode: 'no-chain-tip' }));
    expect(() => group.setNewPrevHash(1n, chainTip(PREV, MAINNET_BITS, T))).toThrow(expect.objectContaining({ errorCode: 'unknown-template' }));
    expect(group.remove(1)).toBe(true);
    expect(group.size).toBe(2);
  });
});
