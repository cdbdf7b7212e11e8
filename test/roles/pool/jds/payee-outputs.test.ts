/**
 * A coinbase-payout pool's Job Declarator: its tokens carry the window's payee outputs (the pool's
 * payout first at value zero), and a declaration or custom job that leaves a payee out, or pays
 * one less than its due, is refused with invalid-coinbase-tx-outputs and a readable reason.
 * Real sockets, the pool in this process on its embedded chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressToScript, scriptToAddress } from '../../../../src/bitcoin/address.js';
import { equalBytes } from '../../../../src/bitcoin/bytes.js';
import type { TxOut } from '../../../../src/bitcoin/tx.js';
import { encodeOutputVector } from '../../../../src/channels/jd-coinbase.js';
import { bytesToHex } from '../../../../src/codec/hex.js';
import { MiningSetupFlags } from '../../../../src/messages/index.js';
import type { AnyMessage } from '../../../../src/messages/registry.js';
import { AuthorityKeyPair } from '../../../../src/noise/authority-key.js';
import { TestJdClient } from '../../../support/jd-client.js';
import { startTestPool, type TestPool } from '../../../support/pool.js';
import { grind, TestClient } from '../../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
const POOL_SCRIPT = addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest');
const ADDR_A = 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk';
const ADDR_B = scriptToAddress(Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0xbb)), 'regtest')!;
const MINER = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x77));
let p: TestPool;
let jdc: TestJdClient;

const reasonOf = (m: AnyMessage): string => (m.name === 'DeclareMiningJobError' ? new TextDecoder().decode(m.message.errorDetails) : '');

beforeAll(async () => {
  p = await startTestPool(authority, {
    POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__PAYOUT_SCHEME: 'coinbase',
    POOL__POOL_FEE_PERCENT: '1',
    POOL__PPLNS_WINDOW_FACTOR: '1000',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
  });
  // The window: A two shares, B one.
  for (const [user, n] of [[ADDR_A, 2], [ADDR_B, 1]] as const) {
    const c = await TestClient.connect(p.pool.port, authority.publicKey.toString());
    await c.setup(MiningSetupFlags.RequiresStandardJobs);
    const ch = await c.openStandard(`${user}.rig`, 0.01);
    let from = 0;
    for (let seq = 1; seq <= n; seq++) {
      const s = grind(ch, (x) => x.meetsTarget && !x.isBlock, undefined, from);
      from = s.nonce + 1;
      await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
      await c.next('SubmitSharesSuccess');
    }
    await c.close();
  }
  jdc = await TestJdClient.connect({ jdsPort: p.pool.jd!.port, poolPort: p.pool.port, authority: authority.publicKey.toString() });
});
afterAll(async () => {
  await jdc?.close();
  await p?.close();
});

/** The required outputs as told, with `change` applied to the payees, the pool output funded with the rest. */
function paying(required: TxOut[], change: (payees: TxOut[]) => TxOut[]): (value: bigint) => TxOut[] {
  return (value) => {
    const payees = change(required.slice(1));
    return [{ value: value - payees.reduce((s, o) => s + o.value, 0n), script: required[0]!.script }, ...payees];
  };
}

describe('a coinbase-payout pool\'s required outputs', () => {
  it('a token carries the pool output first at value zero, then the window\'s payees as the pool\'s own jobs pay them', async () => {
    const { required } = await jdc.allocate();
    const reward = p.pool.activity.reward;
    const own = p.pool.manager.requiredCoinbaseOutputs(reward).filter((o) => !equalBytes(o.script, POOL_SCRIPT));
    expect(required[0]).toEqual({ value: 0n, script: POOL_SCRIPT });
    expect(required.slice(1)).toEqual(own);
    expect(required.slice(1).map((o) => bytesToHex(o.script))).toEqual([ADDR_A, ADDR_B].map((a) => bytesToHex(addressToScript(a, 'regtest'))));
    expect(required[1]!.value).toBeGreaterThan(required[2]!.value);
  });

  it('DeclareMiningJob leaving a payee out, or paying one a satoshi less than its due: invalid-coinbase-tx-outputs', async () => {
    const missing = await jdc.allocate();
    const m = await jdc.declare(jdc.build(p.node.chain.candidate(), missing.required, missing.token, paying(missing.required, (x) => x.slice(0, 1))));
    expect(m).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-coinbase-tx-outputs' } });
    expect(reasonOf(m)).toMatch(/^required output 2 \(script [0-9a-f]+\) is missing$/);

    const under = await jdc.allocate();
    const u = await jdc.declare(jdc.build(p.node.chain.candidate(), under.required, under.token, paying(under.required, (x) => x.map((o, i) => (i === 0 ? { ...o, value: o.value - 1n } : o)))));
    expect(u).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-coinbase-tx-outputs' } });
    expect(reasonOf(u)).toContain(`pays ${under.required[1]!.value - 1n} sat, ${under.required[1]!.value} is due`);
  });

  it('the payees paid as told, beside an output of the miner\'s own: declared and taken as a custom job; the same job without a payee is refused', async () => {
    const { token, required } = await jdc.allocate();
    const job = jdc.build(p.node.chain.candidate(), required, token, paying(required, (x) => [...x.reverse(), { value: 1000n, script: MINER }]));
    expect((await jdc.declare(job)).name).toBe('DeclareMiningJobSuccess');
    // SetCustomMiningJob is judged by the token's outputs before the declared coinbase: one payee short is refused for its outputs.
    const short = [{ value: 1n, script: POOL_SCRIPT }, required[1]!];
    expect(await jdc.setCustomJob(job, token, { coinbaseTxOutputs: encodeOutputVector(short) })).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'invalid-coinbase-tx-outputs' } });
    // That refusal left the token to the right job.
    expect((await jdc.setCustomJob(job, token)).name).toBe('SetCustomMiningJobSuccess');
  });
});
