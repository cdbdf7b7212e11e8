import { describe, expect, it } from 'vitest';
import { outputScriptFrom } from '../../../src/bitcoin/address.js';
import { MemoryBlockStore } from '../../../src/chain/block-store.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { EmbeddedTemplateSource } from '../../../src/chain/embedded-source.js';
import { newTemplateMessage, setNewPrevHashMessage } from '../../../src/chain/tdp.js';
import { ClientChannel } from '../../../src/channels/client-channel.js';
import { decodeFrame, encodeFrame } from '../../../src/messages/index.js';
import type { AnyMessage, MessageName, Messages } from '../../../src/messages/index.js';
import { ChannelManager, MAX_CHANNELS_REACHED } from '../../../src/roles/pool/channel-manager.js';
import type { BlockCandidate, ShareCredit } from '../../../src/roles/pool/channel-manager.js';

const REWARD = outputScriptFrom('addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)', 'regtest');
const EASY = new Uint8Array(32).fill(0xff);

/** Messages as they would cross the wire: encoded and decoded, so the test sees real bytes. */
function wire<N extends MessageName>(name: N, message: Messages[N]): AnyMessage {
  return decodeFrame(encodeFrame(name, message));
}

function setup() {
  const chain = new EmbeddedChain({ store: new MemoryBlockStore() });
  const source = new EmbeddedTemplateSource(chain);
  const sent: { conn: number; m: AnyMessage }[] = [];
  const credits: ShareCredit[] = [];
  const rejected: string[] = [];
  const blocks: BlockCandidate[] = [];
  const mgr = new ChannelManager(
    { sharesPerMinute: 60, shareBatchSize: 3, rewardScript: REWARD, poolSignature: 'test-pool', serverId: 1 },
    {
      send: (conn, name, message) => sent.push({ conn, m: wire(name, message) }),
      blockFound: (c) => blocks.push(c),
      shareAccepted: (c) => credits.push(c),
      shareRejected: (_conn, _ch, code) => rejected.push(code),
    },
  );
  const newTip = async () => {
    const t = await source.currentTemplate({ maxAdditionalSize: mgr.coinbaseOutputSize, maxAdditionalSigops: 400 });
    mgr.onNewTemplate(newTemplateMessage(t, true));
    mgr.onSetNewPrevHash(setNewPrevHashMessage(t));
    return t;
  };
  const drain = (conn: number): AnyMessage[] => {
    const mine = sent.filter((s) => s.conn === conn).map((s) => s.m);
    sent.splice(0, sent.length, ...sent.filter((s) => s.conn !== conn));
    return mine;
  };
  return { chain, source, mgr, sent, credits, rejected, blocks, newTip, drain };
}

/** Grinds nonces on the channel's active job until the header meets `target` (regtest: a few tries). */
function mine(client: ClientChannel, extranonce?: Uint8Array) {
  const job = client.activeJob!;
  for (let nonce = 0; ; nonce++) {
    const fields = { nonce, ntime: client.tip!.minNtime, version: job.version, extranonce };
    const check = client.checkShare(job.jobId, fields);
    if (typeof check !== 'string' && check.meetsTarget) return { job, fields, check };
  }
}

describe('pool channel manager', () => {
  it('opens a standard channel, sends a future job and its prev hash, and turns a block share into a block the chain accepts', async () => {
    const s = setup();
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    s.mgr.onMessage(1, wire('OpenStandardMiningChannel', { requestId: 9, userIdentity: 'alice.rig1', nominalHashRate: 1e3, maxTarget: EASY }), 1_700_000_000_000);
    const [open, job, prev] = s.drain(1);
    expect(open!.name).toBe('OpenStandardMiningChannelSuccess');
    expect(job!.name).toBe('NewMiningJob');
    expect(prev!.name).toBe('SetNewPrevHash');
    if (open!.name !== 'OpenStandardMiningChannelSuccess' || job!.name !== 'NewMiningJob' || prev!.name !== 'SetNewPrevHash') return;
    expect(open.message.requestId).toBe(9);
    expect(job.message.minNtime).toBeNull();
    expect(prev.message.jobId).toBe(job.message.jobId);

    const client = new ClientChannel({ channelId: open.message.channelId, extranoncePrefix: open.message.extranoncePrefix, target: open.message.target });
    client.onNewMiningJob(job.message);
    client.onSetNewPrevHash(prev.message);
    // Regtest's target is so easy that this share is also a block.
    const { job: cj, fields } = mine(client);
    const height = s.chain.height;
    s.mgr.onMessage(1, wire('SubmitSharesStandard', { channelId: client.channelId, sequenceNumber: 1, jobId: cj.jobId, ...fields }), Date.now());
    expect(s.blocks).toHaveLength(1);
    expect(s.credits).toHaveLength(1);
    expect(s.credits[0]!.userIdentity).toBe('alice.rig1');
    const outcome = await s.source.submitSolution({
      templateId: s.blocks[0]!.block.templateId!, version: fields.version, time: fields.ntime, nonce: fields.nonce, coinbase: s.blocks[0]!.block.coinbase,
    });
    expect(outcome).toMatchObject({ accepted: true });
    expect(s.chain.height).toBe(height + 1);
    // A block share is acknowledged at once, whatever the batch size.
    expect(s.drain(1).map((m) => m.name)).toEqual(['SubmitSharesSuccess']);
  });

  it('answers bad shares with the spec error codes', async () => {
    const s = setup();
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 't', vendor: 't' });
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 1, userIdentity: 'bob', nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 8 }), Date.now());
    const [open, job, prev] = s.drain(1);
    if (open!.name !== 'OpenExtendedMiningChannelSuccess' || job!.name !== 'NewExtendedMiningJob' || prev!.name !== 'SetNewPrevHash') throw new Error('unexpected');
    expect(open.message.extranonceSize).toBeGreaterThanOrEqual(8);
    const client = new ClientChannel({ channelId: open.message.channelId, extranoncePrefix: open.message.extranoncePrefix, extranonceSize: open.message.extranonceSize, target: open.message.target });
    client.onNewExtendedMiningJob(job.message);
    client.onSetNewPrevHash(prev.message);
    const extranonce = new Uint8Array(open.message.extranonceSize).fill(3);
    const { job: cj, fields } = mine(client, extranonce);
    const share = { channelId: client.channelId, sequenceNumber: 1, jobId: cj.jobId, nonce: fields.nonce, ntime: fields.ntime, version: fields.version, extranonce };
    s.mgr.onMessage(1, wire('SubmitSharesExtended', share), Date.now());
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 2 }), Date.now());
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 3, jobId: 999 }), Date.now());
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 4, extranonce: new Uint8Array(2) }), Date.now());
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 5, channelId: 77 }), Date.now());
    s.mgr.onMessage(1, wire('SubmitSharesStandard', { ...share, sequenceNumber: 6 }), Date.now());
    expect(s.rejected).toEqual(['duplicate-share', 'invalid-job-id', 'bad-extranonce-size', 'invalid-channel-id', 'invalid-channel-id']);
    // A new tip makes the old job stale.
    await s.source.submitSolution({ templateId: s.blocks[0]!.block.templateId!, version: fields.version, time: fields.ntime, nonce: fields.nonce, coinbase: s.blocks[0]!.block.coinbase });
    await s.newTip();
    // The share that made it, sent again, was credited already; any other share of that job is stale.
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 7 }), Date.now());
    expect(s.rejected.at(-1)).toBe('duplicate-share');
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { ...share, sequenceNumber: 8, nonce: share.nonce + 1 }), Date.now());
    expect(s.rejected.at(-1)).toBe('stale-share');
    // Each share counted once, by its channel or (no channel of that kind) by its connection, and kept past both closing.
    const counts = { accepted: 1, rejected: new Map([['duplicate-share', 2], ['invalid-job-id', 1], ['bad-extranonce-size', 1], ['invalid-channel-id', 2], ['stale-share', 1]]) };
    expect(s.mgr.totals()).toMatchObject(counts);
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: client.channelId, reasonCode: 'bye' }), Date.now());
    expect(s.mgr.channelCount).toBe(0);
    expect(s.mgr.connectionTotals(1)).toMatchObject(counts);
    s.mgr.removeConnection(1);
    expect(s.mgr.connectionTotals(1)).toBeUndefined();
    expect(s.mgr.totals()).toMatchObject(counts);
  });

  it('refuses extended channels on a standard-jobs connection and an empty user identity', () => {
    const s = setup();
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 1, userIdentity: 'x', nominalHashRate: 1, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
    s.mgr.onMessage(1, wire('OpenStandardMiningChannel', { requestId: 2, userIdentity: '', nominalHashRate: 1, maxTarget: EASY }), Date.now());
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 3, userIdentity: 'x', nominalHashRate: 1, maxTarget: EASY, minExtranonceSize: 40 }), Date.now());
    expect(s.drain(1).map((m) => (m.name === 'OpenMiningChannelError' ? m.message.errorCode : m.name))).toEqual([
      'extended-channels-not-supported-for-standard-jobs', 'invalid-user-identity', 'extended-channels-not-supported-for-standard-jobs',
    ]);
    s.mgr.addConnection(2, { requiresStandardJobs: false, requiresVersionRolling: false, peer: 't', vendor: 't' });
    s.mgr.onMessage(2, wire('OpenExtendedMiningChannel', { requestId: 3, userIdentity: 'x', nominalHashRate: 1, maxTarget: EASY, minExtranonceSize: 40 }), Date.now());
    expect(s.drain(2).map((m) => (m.name === 'OpenMiningChannelError' ? m.message.errorCode : m.name))).toEqual(['min-extranonce-size-too-large']);
  });

  it('sends every open channel the job of a new template, and frees prefixes of closed connections', async () => {
    const s = setup();
    for (let c = 1; c <= 50; c++) {
      s.mgr.addConnection(c, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
      s.mgr.onMessage(c, wire('OpenStandardMiningChannel', { requestId: 1, userIdentity: `u${c}`, nominalHashRate: 1e6, maxTarget: EASY }), Date.now());
    }
    s.sent.length = 0;
    await s.newTip();
    expect(s.sent.filter((x) => x.m.name === 'NewMiningJob')).toHaveLength(50);
    expect(s.sent.filter((x) => x.m.name === 'SetNewPrevHash')).toHaveLength(50);
    expect(s.mgr.channelCount).toBe(50);
    for (let c = 1; c <= 50; c++) s.mgr.removeConnection(c);
    expect(s.mgr.channelCount).toBe(0);
  });

  it('puts a proxy connection\'s channels in one group: one broadcast job and prev hash per tip, late joiners included', async () => {
    const s = setup();
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 't', vendor: 't' });
    const clients: ClientChannel[] = [];
    for (let i = 0; i < 3; i++) {
      s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: i, userIdentity: `proxy.${i}`, nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
      const [open, job, prev] = s.drain(1);
      if (open!.name !== 'OpenExtendedMiningChannelSuccess' || job!.name !== 'NewExtendedMiningJob' || prev!.name !== 'SetNewPrevHash') throw new Error('unexpected');
      expect(open.message.groupChannelId).toBe(1);
      const c = new ClientChannel({ channelId: open.message.channelId, extranoncePrefix: open.message.extranoncePrefix, extranonceSize: open.message.extranonceSize, target: open.message.target, groupChannelId: 1 });
      c.onNewExtendedMiningJob(job.message);
      c.onSetNewPrevHash(prev.message);
      clients.push(c);
    }
    // A future template goes out once, to the group.
    const t = await s.source.currentTemplate({ maxAdditionalSize: s.mgr.coinbaseOutputSize, maxAdditionalSigops: 400 });
    s.mgr.onNewTemplate(newTemplateMessage(t, true));
    const [broadcastJob] = s.drain(1);
    expect(broadcastJob).toMatchObject({ name: 'NewExtendedMiningJob', message: { channelId: 1, minNtime: null } });
    // A channel that opens now, between the future job and its prev hash, gets that job under the group's job id.
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 9, userIdentity: 'proxy.late', nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
    const lateMsgs = s.drain(1);
    const lateOpen = lateMsgs[0]!;
    if (lateOpen.name !== 'OpenExtendedMiningChannelSuccess') throw new Error('unexpected');
    const late = new ClientChannel({ channelId: lateOpen.message.channelId, extranoncePrefix: lateOpen.message.extranoncePrefix, extranonceSize: lateOpen.message.extranonceSize, target: lateOpen.message.target, groupChannelId: 1 });
    for (const m of lateMsgs.slice(1)) {
      if (m.name === 'NewExtendedMiningJob') late.onNewExtendedMiningJob(m.message);
      if (m.name === 'SetNewPrevHash') late.onSetNewPrevHash(m.message);
    }
    if (broadcastJob!.name !== 'NewExtendedMiningJob') throw new Error('unexpected');
    for (const c of clients) c.onNewExtendedMiningJob(broadcastJob.message);
    s.mgr.onSetNewPrevHash(setNewPrevHashMessage(t));
    const after = s.drain(1);
    const broadcasts = after.filter((m) => m.name === 'SetNewPrevHash');
    expect(broadcasts).toHaveLength(1);
    expect(broadcasts[0]).toMatchObject({ message: { channelId: 1, jobId: broadcastJob.message.jobId } });
    for (const m of after) if (m.name === 'NewExtendedMiningJob') late.onNewExtendedMiningJob(m.message);
    // Every member, the late one too, mines the activated job and the pool accepts its shares.
    for (const c of [...clients, late]) {
      if (broadcasts[0]!.name === 'SetNewPrevHash') c.onSetNewPrevHash(broadcasts[0]!.message);
      const en = new Uint8Array(c.extranonceSize).fill(5);
      const { job, fields } = mine(c, en);
      expect(job.jobId).toBe(broadcastJob.message.jobId);
      s.mgr.onMessage(1, wire('SubmitSharesExtended', { channelId: c.channelId, sequenceNumber: 1, jobId: job.jobId, nonce: fields.nonce, ntime: fields.ntime, version: fields.version, extranonce: en }), Date.now());
    }
    expect(s.rejected).toEqual([]);
    expect(s.credits).toHaveLength(4);
    // One member leaves: SetGroupChannel names the members left. Closing the group id closes them all.
    s.drain(1);
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: late.channelId, reasonCode: 'bye' }), Date.now());
    expect(s.drain(1)).toMatchObject([{ name: 'SetGroupChannel', message: { groupChannelId: 1, channelIds: clients.map((c) => c.channelId) } }]);
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: 1, reasonCode: 'bye' }), Date.now());
    expect(s.mgr.channelCount).toBe(0);
  });

  it('counts open channels by kind through every way a channel ends: CloseChannel, the group id, a dropped connection', async () => {
    const s = setup();
    await s.newTip();
    const open = (conn: number, kind: 'standard' | 'extended', k: number) =>
      s.mgr.onMessage(conn, kind === 'standard'
        ? wire('OpenStandardMiningChannel', { requestId: k, userIdentity: `u.${k}`, nominalHashRate: 1e3, maxTarget: EASY })
        : wire('OpenExtendedMiningChannel', { requestId: k, userIdentity: `u.${k}`, nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    s.mgr.addConnection(2, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 't', vendor: 't' });
    for (let k = 0; k < 3; k++) open(1, 'standard', k);
    for (let k = 0; k < 4; k++) open(2, 'extended', k);
    open(2, 'standard', 9);
    expect(s.mgr.channelCounts()).toEqual({ standard: 4, extended: 4 });
    // Connection 1 holds channels 1..3 (no group); connection 2's group is id 1, its channels 2..6.
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: 2, reasonCode: 'bye' }), Date.now());
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: 2, reasonCode: 'again' }), Date.now());
    expect(s.mgr.channelCounts()).toEqual({ standard: 3, extended: 4 });
    s.mgr.onMessage(2, wire('CloseChannel', { channelId: 1, reasonCode: 'bye' }), Date.now());
    expect(s.mgr.channelCounts()).toEqual({ standard: 2, extended: 0 });
    s.mgr.removeConnection(1);
    s.mgr.removeConnection(1);
    expect(s.mgr.channelCounts()).toEqual({ standard: 0, extended: 0 });
    expect(s.mgr.channelCount).toBe(0);
  });

  it('holds a connection to its channel limit, and a vardiff move comes with a fresh job so it takes effect without a new template', async () => {
    const chain = new EmbeddedChain({ store: new MemoryBlockStore() });
    const source = new EmbeddedTemplateSource(chain);
    const sent: AnyMessage[] = [];
    const mgr = new ChannelManager(
      { sharesPerMinute: 60, shareBatchSize: 1, rewardScript: REWARD, poolSignature: 'p', serverId: 1, maxChannelsPerConnection: 2 },
      { send: (_c, name, message) => sent.push(wire(name, message)), blockFound: () => {}, shareAccepted: () => {} },
    );
    const t = await source.currentTemplate({ maxAdditionalSize: mgr.coinbaseOutputSize, maxAdditionalSigops: 400 });
    mgr.onNewTemplate(newTemplateMessage(t, true));
    mgr.onSetNewPrevHash(setNewPrevHashMessage(t));
    mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    const t0 = 1_700_000_000_000;
    for (let r = 1; r <= 3; r++) mgr.onMessage(1, wire('OpenStandardMiningChannel', { requestId: r, userIdentity: 'u', nominalHashRate: 1e12, maxTarget: EASY }), t0);
    expect(sent.filter((m) => m.name === 'OpenMiningChannelError').map((m) => m.name === 'OpenMiningChannelError' && m.message.errorCode)).toEqual([MAX_CHANNELS_REACHED]);
    expect(mgr.channelCount).toBe(2);
    sent.length = 0;
    // Announced 1 TH/s, no shares for two minutes: vardiff eases the target; a job with it follows at once.
    mgr.tick(t0 + 120_000);
    const names = sent.map((m) => m.name);
    expect(names.filter((n) => n === 'SetTarget')).toHaveLength(2);
    for (const ch of mgr.channelsOf(1)) {
      const i = sent.findIndex((m) => m.name === 'SetTarget' && m.message.channelId === ch.channelId);
      const job = sent[i + 1]!;
      expect(job.name).toBe('NewMiningJob');
      if (job.name !== 'NewMiningJob') continue;
      expect(job.message.channelId).toBe(ch.channelId);
      expect(job.message.minNtime).not.toBeNull();
      expect(ch.activeJob!.target).toEqual(ch.target);
    }
  });

  it('with no new template for job_refresh, sends every channel a fresh active job of the current work, then waits again', async () => {
    const chain = new EmbeddedChain({ store: new MemoryBlockStore() });
    const source = new EmbeddedTemplateSource(chain);
    const sent: AnyMessage[] = [];
    const mgr = new ChannelManager(
      { sharesPerMinute: 6, shareBatchSize: 1, rewardScript: REWARD, poolSignature: 'p', serverId: 1, jobRefreshMs: 30_000 },
      { send: (_c, name, message) => sent.push(wire(name, message)), blockFound: () => {}, shareAccepted: () => {} },
    );
    const t = await source.currentTemplate({ maxAdditionalSize: mgr.coinbaseOutputSize, maxAdditionalSigops: 400 });
    mgr.onNewTemplate(newTemplateMessage(t, true));
    mgr.onSetNewPrevHash(setNewPrevHashMessage(t));
    mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    mgr.addConnection(2, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 't', vendor: 't' });
    const t0 = 1_700_000_000_000;
    mgr.onMessage(1, wire('OpenStandardMiningChannel', { requestId: 1, userIdentity: 'u', nominalHashRate: 1e3, maxTarget: EASY }), t0);
    mgr.onMessage(2, wire('OpenExtendedMiningChannel', { requestId: 1, userIdentity: 'p', nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 8 }), t0);
    const jobs = () => sent.filter((m) => m.name === 'NewMiningJob' || m.name === 'NewExtendedMiningJob');
    // Vardiff (no shares for 15 s and more) sends a job with each SetTarget: those are not refreshes.
    const refreshes = () => jobs().length - sent.filter((m) => m.name === 'SetTarget').length;
    mgr.tick(t0); // the templates above count as jobs sent now
    sent.length = 0;
    mgr.tick(t0 + 29_000);
    expect(refreshes()).toBe(0);
    sent.length = 0;
    mgr.tick(t0 + 30_000);
    expect(sent.filter((m) => m.name === 'SetTarget')).toEqual([]);
    const fresh = jobs();
    expect(fresh.map((m) => m.name).sort()).toEqual(['NewExtendedMiningJob', 'NewMiningJob']);
    // Both are active jobs (a min_ntime), not future ones, and they become the channels' active jobs.
    for (const m of fresh) expect(m.message.minNtime).not.toBeNull();
    for (const id of [1, 2]) {
      const ch = mgr.channelsOf(id)[0]!;
      expect(fresh.some((m) => m.message.jobId === ch.activeJob!.jobId)).toBe(true);
    }
    sent.length = 0;
    mgr.tick(t0 + 45_000);
    expect(refreshes()).toBe(0);
  });
});

describe('work-selection connections (JD clients)', () => {
  it('get no template jobs; SetCustomMiningJob goes to the customJob hook, without one it is jd-not-supported', async () => {
    const { mgr, newTip, drain } = setup();
    await newTip();
    mgr.addConnection(7, { requiresStandardJobs: false, requiresVersionRolling: true, requiresWorkSelection: true, peer: 'x', vendor: 'jdc' });
    mgr.addConnection(8, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 'y', vendor: 'proxy' });
    mgr.onMessage(7, wire('OpenExtendedMiningChannel', { requestId: 1, userIdentity: 'jdc', nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 8 }), 0);
    const opened = drain(7);
    expect(opened.map((m) => m.name)).toEqual(['OpenExtendedMiningChannelSuccess']);
    const channelId = opened[0]!.name === 'OpenExtendedMiningChannelSuccess' ? opened[0]!.message.channelId : 0;
    expect(opened[0]!.message).toMatchObject({ groupChannelId: 0 });
    await newTip();
    expect(drain(7)).toEqual([]);
    const job = {
      channelId, requestId: 2, miningJobToken: new Uint8Array(16), version: 0x20000000, prevHash: mgr.chainTip!.prevHash, minNtime: 0, nbits: mgr.chainTip!.nbits,
      coinbaseTxVersion: 2, coinbasePrefix: Uint8Array.of(1, 1), coinbaseTxInputNSequence: 0xffffffff, coinbaseTxOutputs: Uint8Array.of(0), coinbaseTxLocktime: 0, merklePath: [],
    };
    expect(mgr.onMessage(7, wire('SetCustomMiningJob', job), 0)).toBe(true);
    expect(drain(7)).toMatchObject([{ name: 'SetCustomMiningJobError', message: { requestId: 2, errorCode: 'jd-not-supported' } }]);
    // A connection that did not ask for work selection may not send it either.
    mgr.onMessage(8, wire('SetCustomMiningJob', { ...job, channelId: 2 }), 0);
    expect(drain(8)).toMatchObject([{ name: 'SetCustomMiningJobError', message: { errorCode: 'jd-not-supported' } }]);
  });
});
