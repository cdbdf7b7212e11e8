import { describe, expect, it } from 'vitest';
import { addressToScript, outputScriptFrom } from '../../../src/bitcoin/address.js';
import { equalBytes } from '../../../src/bitcoin/bytes.js';
import { parseTransaction } from '../../../src/bitcoin/tx.js';
import { MemoryBlockStore } from '../../../src/chain/block-store.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { EmbeddedTemplateSource } from '../../../src/chain/embedded-source.js';
import { newTemplateMessage, setNewPrevHashMessage } from '../../../src/chain/tdp.js';
import { ClientChannel } from '../../../src/channels/client-channel.js';
import type { IdentityRules } from '../../../src/channels/payout-identity.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { decodeFrame, encodeFrame } from '../../../src/messages/index.js';
import type { AnyMessage, MessageName, Messages } from '../../../src/messages/index.js';
import { ChannelManager } from '../../../src/roles/pool/channel-manager.js';
import type { BlockCandidate } from '../../../src/roles/pool/channel-manager.js';

const POOL = outputScriptFrom('addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)', 'regtest');
// A second regtest address: the solo miner's.
const MINER_ADDR = 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk';
const MINER = addressToScript(MINER_ADDR, 'regtest');
const MAINNET_ADDR = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const EASY = new Uint8Array(32).fill(0xff);

function wire<N extends MessageName>(name: N, message: Messages[N]): AnyMessage {
  return decodeFrame(encodeFrame(name, message));
}

function setup(rules: IdentityRules = { network: 'regtest', solo: true, soloFeeBps: 0 }) {
  const chain = new EmbeddedChain({ store: new MemoryBlockStore() });
  const source = new EmbeddedTemplateSource(chain);
  const sent: { conn: number; m: AnyMessage }[] = [];
  const blocks: BlockCandidate[] = [];
  const refused: string[] = [];
  const mgr = new ChannelManager(
    { sharesPerMinute: 60, shareBatchSize: 1, rewardScript: POOL, poolSignature: 'test-pool', serverId: 1, identityRules: rules },
    {
      send: (conn, name, message) => sent.push({ conn, m: wire(name, message) }),
      blockFound: (c) => blocks.push(c),
      shareAccepted: () => undefined,
      channelRefused: (_conn, _user, reason) => refused.push(reason),
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
  return { chain, source, mgr, blocks, refused, newTip, drain };
}

type Setup = ReturnType<typeof setup>;

function openStandard(s: Setup, conn: number, userIdentity: string): { client: ClientChannel; job: Messages['NewMiningJob'] } {
  s.mgr.onMessage(conn, wire('OpenStandardMiningChannel', { requestId: 1, userIdentity, nominalHashRate: 1e3, maxTarget: EASY }), Date.now());
  const [open, job, prev] = s.drain(conn);
  if (open!.name !== 'OpenStandardMiningChannelSuccess' || job!.name !== 'NewMiningJob' || prev!.name !== 'SetNewPrevHash') throw new Error(`unexpected ${open!.name}`);
  const client = new ClientChannel({ channelId: open.message.channelId, extranoncePrefix: open.message.extranoncePrefix, target: open.message.target });
  client.onNewMiningJob(job.message);
  client.onSetNewPrevHash(prev.message);
  return { client, job: job.message };
}

/** Grinds nonces on the channel's active job until the share is a regtest block. */
function mine(client: ClientChannel, extranonce?: Uint8Array) {
  const job = client.activeJob!;
  for (let nonce = 0; ; nonce++) {
    const fields = { nonce, ntime: client.tip!.minNtime, version: job.version, extranonce };
    const check = client.checkShare(job.jobId, fields);
    if (typeof check !== 'string' && check.meetsTarget) return { job, fields };
  }
}

/** Submits the block of the last candidate to the chain; returns its coinbase as the chain holds it. */
async function submitLast(s: Setup, fields: { version: number; ntime: number; nonce: number }) {
  const found = s.blocks.at(-1)!.block;
  const outcome = await s.source.submitSolution({ templateId: found.templateId!, version: fields.version, time: fields.ntime, nonce: fields.nonce, coinbase: found.coinbase });
  expect(outcome).toMatchObject({ accepted: true });
  const tip = s.chain.tip;
  expect(bytesToHex(tip.hash)).toBe(bytesToHex(found.hash));
  const coinbase = parseTransaction(found.coinbase);
  // The chain's UTXO set now holds the coinbase's outputs: who the block paid.
  return coinbase.outputs.map((o, vout) => ({ value: o.value, script: bytesToHex(o.script), coin: s.chain.coin(coinbase.txid, vout) }));
}

describe('solo channels', () => {
  it('a standard solo channel gets its own merkle root, and its block pays the miner\'s address on the chain', async () => {
    const s = setup();
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    const pooled = openStandard(s, 1, 'alice.rig1');
    const solo = openStandard(s, 1, `sri/solo/${MINER_ADDR}/bitaxe`);
    expect(bytesToHex(solo.job.merkleRoot)).not.toBe(bytesToHex(pooled.job.merkleRoot));
    const { job, fields } = mine(solo.client);
    s.mgr.onMessage(1, wire('SubmitSharesStandard', { channelId: solo.client.channelId, sequenceNumber: 1, jobId: job.jobId, ...fields }), Date.now());
    expect(s.blocks).toHaveLength(1);
    expect(s.blocks[0]!.payout).toMatchObject({ kind: 'solo', address: MINER_ADDR, worker: 'bitaxe' });
    const outs = await submitLast(s, fields);
    const paid = outs.filter((o) => o.value > 0n);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.script).toBe(bytesToHex(MINER));
    expect(paid[0]!.value).toBe(5_000_000_000n);
    expect(paid[0]!.coin).toBeDefined();
  });

  it('an extended solo channel on a proxy connection is kept out of the group and its coinbase pays the miner, less the pool\'s fee', async () => {
    const s = setup({ network: 'regtest', solo: true, soloFeeBps: 200 });
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: false, requiresVersionRolling: true, peer: 't', vendor: 't' });
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 1, userIdentity: 'farm.a', nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
    const grouped = s.drain(1);
    expect(grouped[0]).toMatchObject({ name: 'OpenExtendedMiningChannelSuccess', message: { groupChannelId: 1 } });
    s.mgr.onMessage(1, wire('OpenExtendedMiningChannel', { requestId: 2, userIdentity: `${MINER_ADDR}.s9`, nominalHashRate: 1e3, maxTarget: EASY, minExtranonceSize: 4 }), Date.now());
    const [open, job, prev] = s.drain(1);
    if (open!.name !== 'OpenExtendedMiningChannelSuccess' || job!.name !== 'NewExtendedMiningJob' || prev!.name !== 'SetNewPrevHash') throw new Error('unexpected');
    expect(prev.message.channelId).toBe(open.message.channelId);
    expect(open.message.groupChannelId).toBe(0);
    expect(job.message.channelId).toBe(open.message.channelId);
    // A new tip: one broadcast for the group and the solo channel's own job, with other coinbase outputs.
    const t = await s.source.currentTemplate({ maxAdditionalSize: s.mgr.coinbaseOutputSize, maxAdditionalSigops: 400 });
    s.mgr.onNewTemplate(newTemplateMessage(t, true));
    const jobs = s.drain(1).filter((m) => m.name === 'NewExtendedMiningJob');
    expect(jobs.map((m) => m.message.channelId).sort()).toEqual([1, open.message.channelId].sort());
    const [groupJob, soloJob] = (jobs[0]!.message.channelId === 1 ? jobs : [jobs[1]!, jobs[0]!]) as [AnyMessage, AnyMessage];
    if (groupJob!.name !== 'NewExtendedMiningJob' || soloJob!.name !== 'NewExtendedMiningJob') throw new Error('unexpected');
    expect(equalBytes(groupJob.message.coinbaseTxSuffix, soloJob.message.coinbaseTxSuffix)).toBe(false);
    s.mgr.onSetNewPrevHash(setNewPrevHashMessage(t));
    const prevs = s.drain(1).filter((m) => m.name === 'SetNewPrevHash');
    expect(prevs.map((m) => m.message.channelId).sort()).toEqual([1, open.message.channelId].sort());

    const client = new ClientChannel({ channelId: open.message.channelId, extranoncePrefix: open.message.extranoncePrefix, extranonceSize: open.message.extranonceSize, target: open.message.target });
    client.onNewExtendedMiningJob(soloJob.message);
    client.onSetNewPrevHash(prevs.find((m) => m.message.channelId === open.message.channelId)!.message as Messages['SetNewPrevHash']);
    const extranonce = new Uint8Array(open.message.extranonceSize).fill(7);
    const { job: cj, fields } = mine(client, extranonce);
    s.mgr.onMessage(1, wire('SubmitSharesExtended', { channelId: client.channelId, sequenceNumber: 1, jobId: cj.jobId, nonce: fields.nonce, ntime: fields.ntime, version: fields.version, extranonce }), Date.now());
    expect(s.blocks).toHaveLength(1);
    const outs = (await submitLast(s, fields)).filter((o) => o.value > 0n);
    expect(outs.map((o) => [o.script, o.value])).toEqual([
      [bytesToHex(MINER), 4_900_000_000n],
      [bytesToHex(POOL), 100_000_000n],
    ]);
    expect(outs.every((o) => o.coin !== undefined)).toBe(true);
    // Closing the group closes its members only: the solo channel is not one.
    s.mgr.onMessage(1, wire('CloseChannel', { channelId: 1, reasonCode: 'bye' }), Date.now());
    expect(s.mgr.channelsOf(1).map((ch) => ch.channelId)).toEqual([open.message.channelId]);
  });

  it('refuses an address of another network when the channel opens, with the reason for the log', async () => {
    const s = setup();
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    s.mgr.onMessage(1, wire('OpenStandardMiningChannel', { requestId: 4, userIdentity: `sri/solo/${MAINNET_ADDR}/rig`, nominalHashRate: 1e3, maxTarget: EASY }), Date.now());
    expect(s.drain(1)).toEqual([expect.objectContaining({ name: 'OpenMiningChannelError', message: { requestId: 4, errorCode: 'invalid-user-identity' } })]);
    expect(s.refused).toEqual([`${MAINNET_ADDR} is a mainnet address, but this pool mines on regtest`]);
    expect(s.mgr.channelCount).toBe(0);
  });

  it('with solo mining off, every coinbase pays the pool as before', async () => {
    const s = setup({ network: 'regtest', solo: false, soloFeeBps: 0 });
    await s.newTip();
    s.mgr.addConnection(1, { requiresStandardJobs: true, requiresVersionRolling: false, peer: 't', vendor: 't' });
    const a = openStandard(s, 1, `${MINER_ADDR}.w`);
    const { job, fields } = mine(a.client);
    s.mgr.onMessage(1, wire('SubmitSharesStandard', { channelId: a.client.channelId, sequenceNumber: 1, jobId: job.jobId, ...fields }), Date.now());
    const outs = (await submitLast(s, fields)).filter((o) => o.value > 0n);
    expect(outs.map((o) => o.script)).toEqual([bytesToHex(POOL)]);
  });
});
