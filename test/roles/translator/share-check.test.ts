/**
 * The pure share verdict (share-check.ts) on a real UpstreamChannel and MinerSession: every
 * rejection reason it can give, the target a share is credited at, and when a share goes upstream.
 */
import { describe, expect, it } from 'vitest';
import { MiningErrorCode } from '../../../src/messages/index.js';
import type { Messages } from '../../../src/messages/index.js';
import { UpstreamChannel } from '../../../src/roles/translator/channel.js';
import type { Sv1JobEntry } from '../../../src/roles/translator/channel.js';
import { MinerSession } from '../../../src/roles/translator/miner.js';
import type { MinerLink } from '../../../src/roles/translator/miner.js';
import { SV1_CODE_FOR_REASON, VERDICT_FOR_CHANNEL_ERROR, checkSv1Share } from '../../../src/roles/translator/share-check.js';
import type { ShareAccepted, ShareCheckContext, ShareRejected, ShareVerdict } from '../../../src/roles/translator/share-check.js';
import { SV1_ERROR, difficultyToTarget, hashMeetsTarget, sv1ShareHeader } from '../../../src/sv1/index.js';
import type { Sv1Share } from '../../../src/sv1/index.js';
import { sampleJob, sha256d } from '../../support/translator.js';

const MINER_DIFFICULTY = 2 ** -24; // ~256 hashes per share
const UPSTREAM_TARGET = difficultyToTarget(2 ** -22); // 4× harder than the miner's
const MIN_NTIME = 1_700_000_000;
const NOW_SECS = MIN_NTIME + 60;
const CHANNEL_ID = 7;
const EXTRANONCE1 = Uint8Array.of(0x00, 0x2a);

const link: MinerLink = { id: 1, remoteAddress: '127.0.0.1', send: () => true, kick: () => undefined };

/** A channel with one active job, and a ready miner on it; `nbits` 0x207fffff makes every share a block. */
function setup(opts: { nbits?: number; extranonceSize?: number } = {}) {
  const opened: Messages['OpenExtendedMiningChannelSuccess'] = {
    requestId: 1,
    channelId: CHANNEL_ID,
    target: UPSTREAM_TARGET,
    extranonceSize: opts.extranonceSize ?? 6,
    extranoncePrefix: Uint8Array.of(0xee, 0x01),
    groupChannelId: 0,
  };
  const channel = new UpstreamChannel(opened, 'pool-user', 1e6, EXTRANONCE1.length, 4, 16);
  channel.sv2.onNewExtendedMiningJob(sampleJob(CHANNEL_ID, 1, null));
  const job = channel.sv2.onSetNewPrevHash({ channelId: CHANNEL_ID, jobId: 1, prevHash: new Uint8Array(32).fill(3), minNtime: MIN_NTIME, nbits: opts.nbits ?? 0x1d00ffff });
  const entry = channel.makeSv1Job(job, 1, true, 0);
  const miner = new MinerSession(link, MINER_DIFFICULTY, 60, 0);
  miner.subscribe('test-miner', EXTRANONCE1);
  miner.authorize('acct.worker');
  miner.becomeReady();
  miner.attach(channel);
  return { channel, entry, miner };
}

const ctx: ShareCheckContext = { extranonce2Size: 4, nowSecs: NOW_SECS, upstreamConnected: true };

/** A share on `entry` whose hash (rebuilt independently of the check, from the Sv1 job) satisfies `want`. */
function findShare(entry: Sv1JobEntry, want: (hash: Uint8Array) => boolean, overrides: Partial<Sv1Share> = {}): Sv1Share {
  // the miner sees coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2 (the channel's pad is in coinb1)
  for (let nonce = 0; nonce < 1 << 20; nonce++) {
    const share: Sv1Share = { workerName: 'acct.worker', jobId: entry.sv1.jobId, extranonce2: Uint8Array.of(1, 2, 3, 4), ntime: entry.sv1.ntime, nonce, versionBits: null, ...overrides };
    if (want(sha256d(sv1ShareHeader(entry.sv1, EXTRANONCE1, share, 0)))) return share;
  }
  throw new Error('no share found');
}

function expectRejected(v: ShareVerdict, reason: ShareRejected['reason']): ShareRejected {
  expect(v.ok).toBe(false);
  const r = v as ShareRejected;
  expect(r.reason).toBe(reason);
  expect(r.code).toBe(SV1_CODE_FOR_REASON[reason]);
  return r;
}

function expectAccepted(v: ShareVerdict): ShareAccepted {
  if (!v.ok) throw new Error(`rejected: ${v.reason} (${v.message})`);
  return v;
}

describe('Sv1 share verdict', () => {
  it('refuses a miner that has not subscribed, then one that has not authorized', () => {
    const { entry } = setup();
    const fresh = new MinerSession(link, MINER_DIFFICULTY, 60, 0);
    const share = findShare(entry, () => true);
    expect(expectRejected(checkSv1Share(fresh, share, ctx), 'not-subscribed').code).toBe(SV1_ERROR.NOT_SUBSCRIBED);
    fresh.subscribe(null, EXTRANONCE1);
    expect(expectRejected(checkSv1Share(fresh, share, ctx), 'unauthorized').code).toBe(SV1_ERROR.UNAUTHORIZED);
  });

  it('calls a share stale without a channel, for an unknown job, and for a job of the previous prev hash', () => {
    const { channel, entry, miner } = setup();
    const share = findShare(entry, () => true);
    const detached = new MinerSession(link, MINER_DIFFICULTY, 60, 0);
    detached.subscribe(null, EXTRANONCE1);
    detached.authorize('w');
    expect(expectRejected(checkSv1Share(detached, share, ctx), 'stale').code).toBe(SV1_ERROR.JOB_NOT_FOUND);
    expectRejected(checkSv1Share(miner, { ...share, jobId: 'ffff' }, ctx), 'stale');
    // a new block: the job is still in the Sv1 table until it is cleared, but no longer current on the channel
    channel.sv2.onNewExtendedMiningJob(sampleJob(CHANNEL_ID, 2, null, 1));
    channel.sv2.onSetNewPrevHash({ channelId: CHANNEL_ID, jobId: 2, prevHash: new Uint8Array(32).fill(4), minNtime: MIN_NTIME, nbits: 0x1d00ffff });
    expectRejected(checkSv1Share(miner, share, ctx), 'stale');
  });

  it('checks the extranonce2 size the miner was told', () => {
    const { entry, miner } = setup();
    const share = findShare(entry, () => true, { extranonce2: Uint8Array.of(1, 2, 3) });
    expect(expectRejected(checkSv1Share(miner, share, ctx), 'bad-extranonce2').message).toBe('extranonce2 must be 4 bytes, got 3');
  });

  it('refuses an ntime more than two hours ahead of the clock, and one before the job (the channel own check)', () => {
    const { entry, miner } = setup();
    const ahead = findShare(entry, () => true, { ntime: NOW_SECS + 7201 });
    expect(expectRejected(checkSv1Share(miner, ahead, ctx), 'invalid-ntime').message).toBe('ntime too far in the future');
    const atLimit = findShare(entry, (h) => hashMeetsTarget(h, miner.target), { ntime: NOW_SECS + 7200 });
    expectAccepted(checkSv1Share(miner, atLimit, ctx));
    const before = findShare(entry, () => true, { ntime: MIN_NTIME - 1 });
    expect(expectRejected(checkSv1Share(miner, before, ctx), 'invalid-ntime').message).toBe('ntime older than the job');
  });

  it('refuses a hash above the miner target, and a duplicate of a remembered hash', () => {
    const { channel, entry, miner } = setup();
    const low = findShare(entry, (h) => !hashMeetsTarget(h, miner.target));
    expect(expectRejected(checkSv1Share(miner, low, ctx), 'low-difficulty').code).toBe(SV1_ERROR.LOW_DIFFICULTY);
    const good = findShare(entry, (h) => hashMeetsTarget(h, miner.target));
    const first = expectAccepted(checkSv1Share(miner, good, ctx));
    // the verdict changes nothing: until the caller remembers the hash, the same share is accepted again
    expectAccepted(checkSv1Share(miner, good, ctx));
    miner.rememberHash(first.hash, channel);
    expect(expectRejected(checkSv1Share(miner, good, ctx), 'duplicate').code).toBe(SV1_ERROR.DUPLICATE_SHARE);
  });

  it('refuses a good share when there is no upstream to take it, keeping its hash for duplicate detection', () => {
    const { channel, entry, miner } = setup();
    const good = findShare(entry, (h) => hashMeetsTarget(h, miner.target));
    const offline = expectRejected(checkSv1Share(miner, good, { ...ctx, upstreamConnected: false }), 'upstream-unavailable');
    expect(offline.hash).not.toBeNull();
    channel.orphaned = true;
    expectRejected(checkSv1Share(miner, good, ctx), 'upstream-unavailable');
    // rejections before the target check carry no hash
    expect(expectRejected(checkSv1Share(miner, { ...good, jobId: 'ffff' }, ctx), 'stale').hash).toBeNull();
  });

  it('forwards only shares meeting the job target; after SetTarget eased it, the channel target', () => {
    const { channel, entry, miner } = setup();
    const minerOnly = findShare(entry, (h) => hashMeetsTarget(h, miner.target) && !hashMeetsTarget(h, UPSTREAM_TARGET));
    const kept = expectAccepted(checkSv1Share(miner, minerOnly, ctx));
    expect(kept).toMatchObject({ upstreamTarget: null, isBlock: false, credited: MINER_DIFFICULTY });
    const upstream = findShare(entry, (h) => hashMeetsTarget(h, UPSTREAM_TARGET));
    expect(expectAccepted(checkSv1Share(miner, upstream, ctx)).upstreamTarget).toBe(entry.job.target);
    // the pool eases the channel to the miner's own target: the active job keeps its target, the channel's is easier
    channel.sv2.onSetTarget({ channelId: CHANNEL_ID, maximumTarget: miner.target });
    const eased = expectAccepted(checkSv1Share(miner, minerOnly, ctx));
    expect(eased.upstreamTarget).toBe(channel.target);
    expect(eased.sv2.extranonce).toEqual(Uint8Array.of(...EXTRANONCE1, 1, 2, 3, 4));
  });

  it('marks a block and forwards it whatever the targets', () => {
    const { entry, miner } = setup({ nbits: 0x207fffff });
    const block = findShare(entry, (h) => hashMeetsTarget(h, miner.target) && !hashMeetsTarget(h, UPSTREAM_TARGET));
    const v = expectAccepted(checkSv1Share(miner, block, ctx));
    expect(v.isBlock).toBe(true);
    expect(v.upstreamTarget).not.toBeNull();
  });

  it('puts the channel pad before extranonce1 in the Sv2 extranonce', () => {
    const { entry, miner } = setup({ extranonceSize: 8 });
    const share = findShare(entry, (h) => hashMeetsTarget(h, miner.target), { extranonce2: Uint8Array.of(9, 9, 9, 9) });
    expect(expectAccepted(checkSv1Share(miner, share, ctx)).sv2.extranonce).toEqual(Uint8Array.of(0, 0, ...EXTRANONCE1, 9, 9, 9, 9));
  });

  it('credits a share on a job sent before a difficulty change at the easier of the two targets', () => {
    const { channel, entry, miner } = setup();
    const easy = findShare(entry, (h) => hashMeetsTarget(h, miner.target) && !hashMeetsTarget(h, difficultyToTarget(MINER_DIFFICULTY * 4)));
    miner.setDifficulty(MINER_DIFFICULTY * 4, entry.seq);
    expect(expectAccepted(checkSv1Share(miner, easy, ctx)).credited).toBe(MINER_DIFFICULTY);
    // a job sent after the change is held to the new target
    const later = channel.makeSv1Job(entry.job, entry.seq + 1, false, 0);
    const onLater = findShare(later, (h) => hashMeetsTarget(h, difficultyToTarget(MINER_DIFFICULTY)) && !hashMeetsTarget(h, miner.target));
    expectRejected(checkSv1Share(miner, onLater, ctx), 'low-difficulty');
  });

  it('maps every error a client channel can give to a reason, with the Sv1 code of that reason', () => {
    expect(VERDICT_FOR_CHANNEL_ERROR[MiningErrorCode.StaleShare].reason).toBe('stale');
    expect(VERDICT_FOR_CHANNEL_ERROR[MiningErrorCode.InvalidJobId].reason).toBe('stale');
    expect(VERDICT_FOR_CHANNEL_ERROR[MiningErrorCode.InvalidShare].reason).toBe('invalid-ntime');
    // version-bit errors cannot come from a translated share (the granted mask is within the channel's),
    // nor can a bad extranonce size (checked first): they would still answer `invalid-share`, naming the code
    for (const code of [MiningErrorCode.InvalidNonRollableVersionBit, MiningErrorCode.VersionRollingNotAllowed, MiningErrorCode.BadExtranonceSize]) {
      expect(VERDICT_FOR_CHANNEL_ERROR[code]).toEqual({ reason: 'invalid-share', message: `invalid share: ${code}` });
    }
    expect(SV1_CODE_FOR_REASON['invalid-share']).toBe(SV1_ERROR.OTHER);
  });
});
