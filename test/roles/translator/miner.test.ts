/** MinerSession: each step of a miner's life changes its state only through its methods. */
import { describe, expect, it } from 'vitest';
import type { Messages } from '../../../src/messages/index.js';
import { UpstreamChannel } from '../../../src/roles/translator/channel.js';
import { MinerSession } from '../../../src/roles/translator/miner.js';
import type { MinerLink } from '../../../src/roles/translator/miner.js';
import { difficultyToTarget } from '../../../src/sv1/index.js';
import { sampleJob } from '../../support/translator.js';

const link: MinerLink = { id: 42, remoteAddress: '10.0.0.2', send: () => true, kick: () => undefined };

function channel(channelId: number): UpstreamChannel {
  const opened: Messages['OpenExtendedMiningChannelSuccess'] = {
    requestId: 1,
    channelId,
    target: difficultyToTarget(1),
    extranonceSize: 6,
    extranoncePrefix: Uint8Array.of(1),
    groupChannelId: 0,
  };
  return new UpstreamChannel(opened, 'user', 1e9, 2, 4, 8);
}

function newBlock(c: UpstreamChannel, jobId: number, fill: number): void {
  c.sv2.onNewExtendedMiningJob(sampleJob(c.channelId, jobId, null));
  c.sv2.onSetNewPrevHash({ channelId: c.channelId, jobId, prevHash: new Uint8Array(32).fill(fill), minNtime: 1_700_000_000, nbits: 0x1d00ffff });
}

describe('MinerSession', () => {
  it('becomes ready exactly once, when both subscribed and authorized, keeping the first extranonce1 and username', () => {
    const s = new MinerSession(link, 8, 6, 1000);
    expect(s).toMatchObject({ id: 42, connectedAt: 1000, ready: false, subscribed: false, authorized: false, extranonce1Hex: '' });
    expect(s.becomeReady()).toBe(false);
    s.authorize('acct.rig7');
    expect(s.becomeReady()).toBe(false);
    s.subscribe('bitaxe/2.0', Uint8Array.of(0xab, 0xcd));
    s.subscribe('bitaxe/2.1', Uint8Array.of(0x00, 0x01)); // a second subscribe keeps the extranonce1
    s.authorize('other.name');
    expect(s.becomeReady()).toBe(true);
    expect(s.becomeReady()).toBe(false);
    expect(s).toMatchObject({ ready: true, userAgent: 'bitaxe/2.1', username: 'acct.rig7', workerName: 'rig7', extranonce1Hex: 'abcd' });
  });

  it('records the version-rolling grant', () => {
    const s = new MinerSession(link, 1, 6, 0);
    expect(s.versionMask).toBeNull();
    s.grantVersionRolling(0x1fffe000, 2);
    expect([s.versionMask, s.versionMinBitCount]).toEqual([0x1fffe000, 2]);
    s.grantVersionRolling(null, null);
    expect(s.versionMask).toBeNull();
  });

  it('starts at the vardiff difficulty and holds jobs sent before a change to the easier target', () => {
    const s = new MinerSession(link, 8, 6, 0);
    expect(s.difficulty).toBe(8);
    expect(s.target).toEqual(difficultyToTarget(8));
    expect(s.setDifficulty(8, 5)).toBe(false); // unchanged: nothing recorded
    expect(s.shareTarget(5)).toEqual({ target: difficultyToTarget(8), difficulty: 8 });
    expect(s.setDifficulty(32, 5)).toBe(true);
    expect(s.shareTarget(5)).toEqual({ target: difficultyToTarget(8), difficulty: 8 }); // sent at 8
    expect(s.shareTarget(6)).toEqual({ target: difficultyToTarget(32), difficulty: 32 });
    // going easier: the new target is the easier one for every job
    expect(s.setDifficulty(2, 9)).toBe(true);
    expect(s.shareTarget(9).difficulty).toBe(2);
    s.presetDifficulty(4);
    expect([s.difficulty, s.shareTarget(100).difficulty]).toEqual([4, 4]);
  });

  it('moves between channels, and close() hands back what it held once', () => {
    const s = new MinerSession(link, 1, 6, 0);
    s.subscribe(null, Uint8Array.of(0, 7));
    const a = channel(1);
    const b = channel(2);
    expect(s.attach(a)).toBe(true);
    expect(s.attach(a)).toBe(false);
    expect([...a.miners]).toEqual([s]);
    expect(s.attach(b)).toBe(true);
    expect([a.miners.size, b.miners.size, s.channel]).toEqual([0, 1, b]);
    s.openingChannel(3);
    expect(s.openingRequestId).toBe(3);
    const held = s.close();
    expect(held).toEqual({ channel: b, extranonce1: Uint8Array.of(0, 7) });
    expect([s.closed, s.channel, b.miners.size]).toEqual([true, null, 0]);
    expect(s.close()).toBeNull();
  });

  it('remembers share hashes per prev hash of the channel', () => {
    const s = new MinerSession(link, 1, 6, 0);
    const c = channel(1);
    newBlock(c, 1, 1);
    const hash = new Uint8Array(32).fill(9);
    expect(s.isDuplicate(hash, c)).toBe(false);
    s.rememberHash(hash, c);
    expect(s.isDuplicate(hash, c)).toBe(true);
    expect(s.isDuplicate(Uint8Array.from(hash).fill(8, 0, 1), c)).toBe(false);
    newBlock(c, 2, 2); // a new prev hash forgets them
    expect(s.isDuplicate(hash, c)).toBe(false);
  });

  it('forgets the oldest of more than 4096 remembered hashes', () => {
    const s = new MinerSession(link, 1, 6, 0);
    const c = channel(1);
    newBlock(c, 1, 1);
    const hashOf = (i: number) => {
      const h = new Uint8Array(32);
      new DataView(h.buffer).setUint32(0, i);
      return h;
    };
    for (let i = 0; i <= 4096; i++) s.rememberHash(hashOf(i), c);
    expect(s.isDuplicate(hashOf(0), c)).toBe(false);
    expect(s.isDuplicate(hashOf(1), c)).toBe(true);
    expect(s.isDuplicate(hashOf(4096), c)).toBe(true);
  });

  it('counts accepted, rejected and upstream-answered shares, and meters the credited work', () => {
    const s = new MinerSession(link, 1, 6, 0);
    s.recordAccepted(1, 3.5, true, 10_000);
    s.recordAccepted(1, 2, false, 20_000);
    s.reject('stale');
    s.reject('stale');
    s.reject('duplicate');
    s.recordUpstreamAnswer(true);
    s.recordUpstreamAnswer(false);
    expect(s.stats).toEqual({
      sharesAccepted: 2,
      sharesRejected: 3,
      rejectedBy: { stale: 2, duplicate: 1 },
      sharesForwarded: 1,
      upstreamAccepted: 1,
      upstreamRejected: 1,
      bestDifficulty: 3.5,
      lastShareAt: 20_000,
    });
    expect(s.meter.hashrate(20_000)).toBeCloseTo((2 * 2 ** 32) / 20, 0);
  });
});
