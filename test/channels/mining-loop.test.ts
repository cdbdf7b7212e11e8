// The whole loop in one process, over the real wire encoding: a regtest template with segwit
// transactions → pool work → jobs on extended and standard channels → a client channel grinds
// nonces with sha256d → the pool validates → the block is rebuilt and checked like a node would.
import { describe, expect, it } from 'vitest';
import { assembleBlock, parseBlock } from '../../src/bitcoin/block.js';
import { bip34HeightPrefix } from '../../src/bitcoin/script.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { coinbaseMerklePath, merkleRoot } from '../../src/bitcoin/merkle.js';
import { bitsToTarget, hashMeetsTarget } from '../../src/bitcoin/target.js';
import type { Transaction } from '../../src/bitcoin/tx.js';
import { parseTransaction, serializeOutputs, serializeTransaction } from '../../src/bitcoin/tx.js';
import { findWitnessCommitment, witnessCommitmentOutput } from '../../src/bitcoin/witness.js';
import {
  chainTipFromTdp,
  ClientChannel,
  coinbaseTag,
  ExtendedChannel,
  ExtranonceAllocator,
  JobIdSequence,
  StandardChannel,
  submitSolution,
  workFromTemplate,
} from '../../src/channels/index.js';
import type { BlockFound, ClientJob, ShareResult } from '../../src/channels/index.js';
import type { MessageName, Messages } from '../../src/messages/index.js';
import { decodeFrame, encodeFrame } from '../../src/messages/index.js';
import { MAX_TARGET, REGTEST_BITS } from '../support/channels.js';

const NOW = 1_750_000_000;
const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0xab)]);

/** Sends a message through encodeFrame/decodeFrame, as the transport would. */
function wire<N extends MessageName>(name: N, m: Messages[N]): Messages[N] {
  const decoded = decodeFrame(encodeFrame(name, m));
  expect(decoded.name).toBe(name);
  return decoded.message as Messages[N];
}

function fakeTx(i: number): Uint8Array {
  const tx: Transaction = {
    version: 2,
    inputs: [{ prevTxid: sha256d(Uint8Array.of(i)), prevVout: i, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(71).fill(i), new Uint8Array(33).fill(2)] }],
    outputs: [{ value: 10_000n + BigInt(i), script: PAYOUT }],
    locktime: 0,
  };
  return serializeTransaction(tx, true);
}

const txs = [1, 2, 3].map(fakeTx);
const parsed = txs.map(parseTransaction);
const commitment = witnessCommitmentOutput(parsed.map((t) => t.wtxid));
const PREV = sha256d(Uint8Array.of(0xbe, 0xef));

const newTemplate: Messages['NewTemplate'] = {
  templateId: 7n,
  futureTemplate: true,
  version: 0x20000000,
  coinbaseTxVersion: 2,
  coinbasePrefix: bip34HeightPrefix(101),
  coinbaseTxInputSequence: 0xffffffff,
  coinbaseTxValueRemaining: 5_000_000_000n + 30_006n,
  coinbaseTxOutputsCount: 1,
  coinbaseTxOutputs: serializeOutputs([commitment]),
  coinbaseTxLocktime: 0,
  merklePath: coinbaseMerklePath(parsed.map((t) => t.txid)),
};
const tdpPrevHash: Messages['SetNewPrevHashTdp'] = { templateId: 7n, prevHash: PREV, headerTimestamp: NOW, nbits: REGTEST_BITS, target: bitsToTarget(REGTEST_BITS) };

/** Grinds nonces on `job` until `want` says yes; returns the nonce and the client's view. */
function grind(client: ClientChannel, job: ClientJob, extranonce: Uint8Array | undefined, want: (meets: boolean, block: boolean) => boolean) {
  const header = client.header(job, { version: job.version, ntime: NOW + 1, nonce: 0, extranonce });
  const view = new DataView(header.buffer);
  for (let nonce = 0; nonce < 1_000_000; nonce++) {
    view.setUint32(76, nonce, true);
    const hash = sha256d(header);
    const meets = hashMeetsTarget(hash, job.target);
    const block = hashMeetsTarget(hash, client.tip!.networkTarget);
    if (want(meets, block)) return { nonce, header: header.slice(), hash };
  }
  throw new Error('nothing found');
}

/** Checks the block the way a node would: merkle root, witness commitment, header hash. */
function checkBlock(block: BlockFound, clientHeader: Uint8Array): void {
  expect(block.header).toEqual(clientHeader);
  const assembled = assembleBlock({
    version: block.version,
    prevHash: block.prevHash,
    time: block.ntime,
    bits: block.nbits,
    nonce: block.nonce,
    coinbase: block.coinbase,
    transactions: txs,
    merklePath: newTemplate.merklePath,
  });
  expect(assembled.hash).toEqual(block.hash);
  const b = parseBlock(assembled.block);
  expect(b.hash).toEqual(block.hash);
  expect(hashMeetsTarget(b.hash, bitsToTarget(b.header.bits))).toBe(true);
  expect(b.header.merkleRoot).toEqual(merkleRoot(b.transactions.map((t) => t.txid)));
  const coinbase = b.transactions[0]!;
  // BIP141: the coinbase carries the 32-byte zero reserved value and the template's commitment.
  expect(coinbase.inputs[0]!.witness).toEqual([new Uint8Array(32)]);
  expect(findWitnessCommitment(coinbase.outputs)).toBe(coinbase.outputs.length - 1);
  expect(coinbase.outputs[coinbase.outputs.length - 1]!.script).toEqual(commitment.script);
  expect(coinbase.outputs[0]).toEqual({ value: newTemplate.coinbaseTxValueRemaining, script: PAYOUT });
  // BIP34 height first in the scriptSig, the full extranonce last.
  const script = coinbase.inputs[0]!.scriptSig;
  expect(script.subarray(0, newTemplate.coinbasePrefix.length)).toEqual(newTemplate.coinbasePrefix);
  expect(script.subarray(script.length - block.extranonce.length)).toEqual(block.extranonce);
  // The SubmitSolution the pool would send to the Template Provider round-trips.
  expect(wire('SubmitSolution', submitSolution(block)).coinbaseTx).toEqual(block.coinbase);
}

describe('mining loop at regtest difficulty', () => {
  const allocator = ExtranonceAllocator.forPool({ totalLength: 16, maxChannels: 1000, serverId: 3 });
  const work = workFromTemplate(newTemplate, { rewardScript: PAYOUT, tag: coinbaseTag('sv2-ts'), fullExtranonceSize: allocator.totalLength });
  const tip = chainTipFromTdp(tdpPrevHash);

  it('extended channel: a share that is no block, then a block, rebuilt and verified', () => {
    const alloc = allocator.allocateExtended(4);
    const jobIds = new JobIdSequence();
    const server = new ExtendedChannel({
      channelId: 5,
      userIdentity: 'miner.1',
      extranoncePrefix: alloc.extranoncePrefix,
      extranonceSize: alloc.extranonceSize,
      maxTarget: MAX_TARGET,
      nominalHashrate: 0, // target 2^256-1: every hash is a share, about half are blocks on regtest
      sharesPerMinute: 10,
      shareBatchSize: 1,
      now: NOW,
      jobIds,
    });
    const open = wire('OpenExtendedMiningChannelSuccess', server.openSuccess(1));
    const client = new ClientChannel({ channelId: open.channelId, extranoncePrefix: open.extranoncePrefix, extranonceSize: open.extranonceSize, target: open.target });

    client.onNewExtendedMiningJob(wire('NewExtendedMiningJob', server.addJob(work)));
    const job = client.onSetNewPrevHash(wire('SetNewPrevHash', server.setNewPrevHash(7n, tip)));
    expect(client.activeJob).toBe(job);

    const extranonce = Uint8Array.from({ length: alloc.extranonceSize }, (_, i) => i + 1);
    const submit = (nonce: number, seq: number): ShareResult =>
      server.validateShare(wire('SubmitSharesExtended', { channelId: 5, sequenceNumber: seq, jobId: job.jobId, nonce, ntime: NOW + 1, version: job.version, extranonce }), NOW + 1);

    const plain = grind(client, job, extranonce, (meets, block) => meets && !block);
    const r1 = submit(plain.nonce, 1);
    expect(r1.ok && r1.block === null).toBe(true);
    if (r1.ok) {
      expect(r1.hash).toEqual(plain.hash);
      expect(wire('SubmitSharesSuccess', r1.ack!)).toMatchObject({ channelId: 5, lastSequenceNumber: 1, newSubmitsAcceptedCount: 1 });
    }

    const found = grind(client, job, extranonce, (_meets, block) => block);
    const check = client.checkShare(job.jobId, { nonce: found.nonce, ntime: NOW + 1, version: job.version, extranonce });
    expect(check).toMatchObject({ meetsTarget: true, isBlock: true });
    const r2 = submit(found.nonce, 2);
    expect(r2.ok && r2.block !== null).toBe(true);
    if (r2.ok && r2.block) {
      expect(r2.block.templateId).toBe(7n);
      expect(r2.block.extranonce).toEqual(new Uint8Array([...alloc.extranoncePrefix, ...extranonce]));
      checkBlock(r2.block, found.header);
    }
    // Resubmitting the block is a duplicate, with a SubmitShares.Error ready to send.
    const dup = submit(found.nonce, 3);
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(wire('SubmitSharesError', dup.error)).toEqual({ channelId: 5, sequenceNumber: 3, errorCode: 'duplicate-share' });
  });

  it('standard channel: header-only mining finds a block that rebuilds to the same header', () => {
    const prefix = allocator.allocateStandard();
    const server = new StandardChannel({
      channelId: 6,
      userIdentity: 'device.1',
      extranoncePrefix: prefix,
      maxTarget: MAX_TARGET,
      nominalHashrate: 0,
      sharesPerMinute: 10,
      shareBatchSize: 10,
      now: NOW,
    });
    const open = wire('OpenStandardMiningChannelSuccess', server.openSuccess(2));
    const client = new ClientChannel({ channelId: 6, extranoncePrefix: open.extranoncePrefix, target: open.target });
    client.onNewMiningJob(wire('NewMiningJob', server.addJob(work)));
    const job = client.onSetNewPrevHash(wire('SetNewPrevHash', server.setNewPrevHash(7n, tip)));
    expect(job.merkleRoot).toEqual(server.activeJob!.merkleRoot);

    const found = grind(client, job, undefined, (_meets, block) => block);
    const r = server.validateShare(wire('SubmitSharesStandard', { channelId: 6, sequenceNumber: 1, jobId: job.jobId, nonce: found.nonce, ntime: NOW + 1, version: job.version }), NOW + 1);
    expect(r.ok && r.block !== null).toBe(true);
    if (r.ok && r.block) {
      expect(r.ack).toMatchObject({ newSubmitsAcceptedCount: 1 });
      expect(r.block.extranonce).toEqual(prefix);
      checkBlock(r.block, found.header);
    }
  });
});
