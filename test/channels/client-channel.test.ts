import { describe, expect, it } from 'vitest';
import { hashrateToTarget } from '../../src/bitcoin/target.js';
import {
  chainTip,
  ChannelError,
  ClientChannel,
  coinbaseTag,
  ExtendedChannel,
  GroupChannel,
  JobIdSequence,
  StandardChannel,
  standardJobFromExtended,
  workFromTemplate,
} from '../../src/channels/index.js';
import type { Messages } from '../../src/messages/index.js';
import { MiningErrorCode } from '../../src/messages/index.js';
import { channelOptions, MAX_TARGET, REGTEST_BITS, SRI_PAYOUT_SCRIPT, template, zeroPrefix } from '../support/channels.js';

const T = 1_745_596_910;
const PREV = new Uint8Array(32).fill(3);
const work = (id: bigint, future = true) => workFromTemplate(template({ templateId: id, futureTemplate: future }), { rewardScript: SRI_PAYOUT_SCRIPT, tag: coinbaseTag('p'), fullExtranonceSize: 32 });

function extJob(jobId: number, minNtime: number | null, channelId = 1): Messages['NewExtendedMiningJob'] {
  const w = work(BigInt(jobId));
  return {
    channelId,
    jobId,
    minNtime,
    version: 0x20000000,
    versionRollingAllowed: true,
    merklePath: [],
    coinbaseTxPrefix: w.coinbase.strippedPrefix,
    coinbaseTxSuffix: w.coinbase.strippedSuffix,
  };
}

const snph = (jobId: number, minNtime = T): Messages['SetNewPrevHash'] => ({ channelId: 1, jobId, prevHash: PREV, minNtime, nbits: REGTEST_BITS });

describe('client channel', () => {
  it('tracks future jobs until SetNewPrevHash, then active, past and stale jobs', () => {
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(24), extranonceSize: 8, target: MAX_TARGET });
    expect(c.kind).toBe('extended');
    c.onNewExtendedMiningJob(extJob(1, null));
    c.onNewExtendedMiningJob(extJob(2, null));
    expect(c.activeJob).toBeNull();
    expect(() => c.onSetNewPrevHash(snph(7))).toThrow(expect.objectContaining({ errorCode: 'unknown-job' }));
    const active = c.onSetNewPrevHash(snph(2));
    expect(active.minNtime).toBe(T);
    expect(c.futureJob(1)).toBeUndefined(); // every other queued job is invalid now
    c.onNewExtendedMiningJob(extJob(3, T));
    expect(c.activeJob!.jobId).toBe(3);
    expect(c.job(2)!.jobId).toBe(2);
    c.onNewExtendedMiningJob(extJob(4, null));
    c.onSetNewPrevHash(snph(4, T + 600));
    expect(c.isStale(2) && c.isStale(3)).toBe(true);
    expect(c.checkShare(2, { nonce: 0, ntime: T + 600, version: 0x20000000, extranonce: new Uint8Array(8) })).toBe(MiningErrorCode.StaleShare);
    expect(c.checkShare(99, { nonce: 0, ntime: T, version: 0x20000000 })).toBe(MiningErrorCode.InvalidJobId);
  });

  it('bounds its future jobs (an upstream withholding SetNewPrevHash cannot grow memory)', () => {
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(24), extranonceSize: 8, target: MAX_TARGET, jobStoreLimits: { maxFutureJobs: 4 } });
    for (let id = 1; id <= 10; id++) c.onNewExtendedMiningJob(extJob(id, null));
    expect(c.futureJob(6)).toBeUndefined();
    expect(c.futureJob(7)).toBeDefined();
  });

  it('applies SetTarget to future and later jobs, never to the active one', () => {
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(32), target: MAX_TARGET });
    const w = work(1n);
    const server = new StandardChannel(channelOptions({ extranoncePrefix: zeroPrefix(32) }));
    c.onNewMiningJob(server.addJob(w));
    c.onSetNewPrevHash(snph(1));
    c.onNewMiningJob({ ...server.addJob(work(2n)), jobId: 2 });
    const hard = hashrateToTarget(1e6, 1);
    c.onSetTarget({ channelId: 1, maximumTarget: hard });
    expect(c.activeJob!.target).toEqual(MAX_TARGET);
    expect(c.futureJob(2)!.target).toEqual(hard);
    expect(c.target).toEqual(hard);
  });

  it('a standard channel in a group turns the broadcast extended job into its own merkle root (as the pool does)', () => {
    const prefix = zeroPrefix(32).fill(5, 0, 2);
    const jobIds = new JobIdSequence();
    const server = new StandardChannel(channelOptions({ extranoncePrefix: prefix, jobIds, groupChannelId: 100 }));
    const group = new GroupChannel({ groupChannelId: 100, fullExtranonceSize: 32, jobIds, requiresStandardJobs: false });
    group.add(server);
    const broadcast = group.addJob(work(1n)).broadcast!;
    group.setNewPrevHash(1n, chainTip(PREV, REGTEST_BITS, T));
    const serverRoot = server.rootOf(server.activeJob!);
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: prefix, target: MAX_TARGET, groupChannelId: 100 });
    const job = c.onNewExtendedMiningJob(broadcast);
    expect(job.merkleRoot).toEqual(serverRoot);
    // What a proxy sends its REQUIRES_STANDARD_JOBS device for the same job.
    expect(standardJobFromExtended(broadcast, 1, prefix)).toEqual({ channelId: 1, jobId: 1, minNtime: null, version: broadcast.version, merkleRoot: serverRoot });
  });

  it('builds the header the pool hashes, and checks shares like the pool', () => {
    const server = new ExtendedChannel({ ...channelOptions({ nominalHashrate: 0 }), extranoncePrefix: zeroPrefix(24), extranonceSize: 8 });
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(24), extranonceSize: 8, target: server.target });
    c.onNewExtendedMiningJob(server.addJob(work(1n)));
    const tip = chainTip(PREV, REGTEST_BITS, T);
    const job = c.onSetNewPrevHash(server.setNewPrevHash(1n, tip));
    const extranonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    for (let nonce = 0; nonce < 8; nonce++) {
      const fields = { nonce, ntime: T + 5, version: 0x20000000 | (nonce << 13), extranonce };
      const local = c.checkShare(job.jobId, fields);
      const remote = server.validateShare({ channelId: 1, sequenceNumber: nonce, jobId: job.jobId, ...fields }, T + 5);
      if (typeof local === 'string' || !remote.ok) throw new Error('expected both to accept');
      expect(local.hash).toEqual(remote.hash);
      expect(local.isBlock).toBe(remote.block !== null);
      if (remote.block) expect(local.header).toEqual(remote.block.header);
    }
    expect(c.checkShare(job.jobId, { nonce: 0, ntime: T + 5, version: 0x20000000, extranonce: new Uint8Array(4) })).toBe(MiningErrorCode.BadExtranonceSize);
    expect(c.checkShare(job.jobId, { nonce: 0, ntime: T - 5, version: 0x20000000, extranonce })).toBe(MiningErrorCode.InvalidShare);
    expect(c.checkShare(job.jobId, { nonce: 0, ntime: T, version: 0x20000001, extranonce })).toBe(MiningErrorCode.InvalidNonRollableVersionBit);
    expect(c.coinbase(job, extranonce).length).toBe(job.coinbasePrefix.length + 32 + job.coinbaseSuffix.length);
  });

  it('keeps the old prefix for jobs received before SetExtranoncePrefix', () => {
    const c = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(24), extranonceSize: 8, target: MAX_TARGET });
    c.onNewExtendedMiningJob(extJob(1, null));
    c.onSetExtranoncePrefix({ channelId: 1, extranoncePrefix: zeroPrefix(24).fill(9, 0, 1) });
    c.onNewExtendedMiningJob(extJob(2, null));
    expect(c.futureJob(1)!.extranoncePrefix[0]).toBe(0);
    expect(c.futureJob(2)!.extranoncePrefix[0]).toBe(9);
    expect(() => c.onSetExtranoncePrefix({ channelId: 1, extranoncePrefix: new Uint8Array(25) })).toThrow(ChannelError);
  });

  it('refuses jobs it cannot hold', () => {
    const std = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(32), target: MAX_TARGET });
    expect(() => std.onNewMiningJob({ channelId: 1, jobId: 1, minNtime: T, version: 1, merkleRoot: new Uint8Array(32) })).toThrow(expect.objectContaining({ errorCode: 'no-chain-tip' }));
    const ext = new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(24), extranonceSize: 8, target: MAX_TARGET });
    expect(() => ext.onNewMiningJob({ channelId: 1, jobId: 1, minNtime: null, version: 1, merkleRoot: new Uint8Array(32) })).toThrow(expect.objectContaining({ errorCode: 'invalid-job' }));
    expect(() => new ClientChannel({ channelId: 1, extranoncePrefix: zeroPrefix(30), extranonceSize: 8, target: MAX_TARGET })).toThrow(ChannelError);
  });
});
