/**
 * The JD client with a pool that pays in the coinbase (`payout_scheme = "coinbase"`), over real
 * sockets on one embedded chain: the JDS hands it the window's payee outputs with its token, its
 * own template's coinbase pays them, and the block it finds pays the window's miners exactly as
 * the pool computed them, read from the chain. The accounting records those payouts once, as
 * paid in the coinbase, though the block reaches the pool twice (share and PushSolution).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressToScript, scriptToAddress } from '../../../src/bitcoin/address.js';
import { equalBytes } from '../../../src/bitcoin/bytes.js';
import { parseBlock } from '../../../src/bitcoin/block.js';
import type { ClientChannel } from '../../../src/channels/client-channel.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
const POOL_SCRIPT = addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest');
const ADDR_A = 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk';
const ADDR_B = scriptToAddress(Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0xbb)), 'regtest')!;
const SLOW = 0.01;
let pool: TestPool;
let t: TestJdc;

async function miner(user: string, port: number): Promise<{ c: TestClient; ch: ClientChannel }> {
  const c = await TestClient.connect(port, authority.publicKey.toString());
  await c.setup(MiningSetupFlags.RequiresStandardJobs);
  return { c, ch: await c.openStandard(user, SLOW) };
}

/** Shares that are not blocks, each acknowledged by the pool before the next. */
async function shares(m: { c: TestClient; ch: ClientChannel }, n: number): Promise<void> {
  let from = 0;
  for (let seq = 1; seq <= n; seq++) {
    const s = grind(m.ch, (x) => x.meetsTarget && !x.isBlock, undefined, from);
    from = s.nonce + 1;
    await m.c.send('SubmitSharesStandard', { channelId: m.ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    await m.c.next('SubmitSharesSuccess');
  }
}

beforeAll(async () => {
  pool = await startTestPool(authority, {
    POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__PAYOUT_SCHEME: 'coinbase',
    POOL__POOL_FEE_PERCENT: '1',
    POOL__PPLNS_WINDOW_FACTOR: '1000',
    POOL__SHARES_PER_MINUTE: '6000',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
  });
});
afterAll(async () => {
  await t?.close();
  await pool?.close();
});

describe('jd-client → pool paying in the coinbase', () => {
  it('the JD client\'s block pays the window\'s miners as the pool computed, on the chain; credited once, as paid', async () => {
    // The window: A two shares, B one, straight to the pool.
    const a = await miner(`${ADDR_A}.rig`, pool.pool.port);
    const b = await miner(`${ADDR_B}.rig`, pool.pool.port);
    await shares(a, 2);
    await shares(b, 1);
    const reward = pool.pool.activity.reward;
    expect(reward).toBeGreaterThan(0n);
    // What the pool's own jobs would pay on this reward now: the payees the JD client must pay.
    const expected = pool.pool.manager.requiredCoinbaseOutputs(reward).filter((o) => !equalBytes(o.script, POOL_SCRIPT));
    expect(expected.map((o) => bytesToHex(o.script))).toEqual([bytesToHex(addressToScript(ADDR_A, 'regtest')), bytesToHex(addressToScript(ADDR_B, 'regtest'))]);

    t = await startTestJdc([{ poolPort: pool.pool.port, jdsPort: pool.pool.jd!.port, authority }], {}, pool.node);
    const device = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    expect((await device.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const accepted = nextEvent(t.jdc, 'custom-job');
    const ch = await device.openStandard('rig', SLOW);
    const [work] = await accepted;
    // The JD client's coinbase carries the payees as told, the pool output funded with the rest.
    expect(work.pool!.basis.outputs.slice(1)).toEqual(expected);
    let job = (await device.next('NewMiningJob')).message;
    ch.onNewMiningJob(job);
    while (ch.activeJob?.jobId !== job.jobId) ch.onNewMiningJob((job = (await device.next('NewMiningJob')).message));

    // A share of the JD client's own first (a PushSolution names none: the finder weighs by its shares in the window).
    const plain = grind(ch, (x) => x.meetsTarget && !x.isBlock);
    const answered = nextEvent(t.jdc, 'share-answered');
    await device.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 0, jobId: plain.jobId, nonce: plain.nonce, ntime: plain.ntime, version: plain.version });
    expect((await answered).slice(1)).toEqual([true, undefined]);

    const height = pool.node.chain.height;
    const s = grind(ch, (x) => x.isBlock && x.meetsTarget);
    const found = nextEvent(t.jdc, 'block');
    await device.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    const [block] = await found;
    expect(block).toMatchObject({ upstream: `127.0.0.1:${pool.pool.port}`, pushedToJds: true });
    await expect.poll(() => pool.node.chain.height).toBe(height + 1);
    await expect.poll(() => pool.pool.store.blocks().length).toBe(1);

    // On the chain: each payee gets what the pool computed, the pool the rest.
    const coinbase = parseBlock(pool.node.chain.readBlock(pool.node.chain.tip)).transactions[0]!;
    const paying = coinbase.outputs.filter((o) => o.value > 0n);
    expect(paying.reduce((sum, o) => sum + o.value, 0n)).toBe(reward);
    for (const want of expected) expect(paying.filter((o) => equalBytes(o.script, want.script))).toEqual([want]);
    const toPool = paying.filter((o) => equalBytes(o.script, POOL_SCRIPT)).reduce((sum, o) => sum + o.value, 0n);
    expect(toPool).toBe(reward - expected.reduce((sum, o) => sum + o.value, 0n));

    // The accounting: one block; A and B paid in the coinbase exactly so, nothing owed them on top; the JD client's account credited.
    const db = pool.pool.store.database;
    expect(db.prepare('SELECT count(*) AS n FROM blocks').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT payout_scheme AS scheme, reward_sats AS reward FROM blocks').get()).toEqual({ scheme: 'coinbase', reward: Number(reward) });
    const credits = db.prepare('SELECT u.name AS user, c.amount_sats AS amount, c.state AS state FROM credits c JOIN users u ON u.id = c.user_id ORDER BY c.amount_sats DESC').all() as { user: string; amount: number; state: string }[];
    expect(credits.filter((c) => c.state === 'paid')).toEqual(expected.map((o, i) => ({ user: [ADDR_A, ADDR_B][i], amount: Number(o.value), state: 'paid' })));
    expect(credits.filter((c) => c.user === ADDR_A || c.user === ADDR_B).length).toBe(2);
    // The JD client's account, whose shares came after its token's outputs were made, is carried forward only out of what the pool output holds beyond its fee.
    const fee = (db.prepare('SELECT fee_sats AS fee FROM blocks').get() as { fee: number }).fee;
    const carried = credits.filter((c) => c.user === 'miner');
    expect(carried.every((c) => c.state === 'immature')).toBe(true);
    expect(carried.reduce((sum, c) => sum + c.amount, 0)).toBeLessThanOrEqual(Number(toPool) - fee);
    const balances = db.prepare('SELECT name, balance_sats AS owed, immature_sats AS immature, paid_in_coinbase_sats AS paid FROM balances WHERE name IN (?, ?) ORDER BY paid DESC').all(ADDR_A, ADDR_B);
    expect(balances).toEqual(expected.map((o, i) => ({ name: [ADDR_A, ADDR_B][i], owed: 0, immature: 0, paid: Number(o.value) })));
    // Everything recorded is within the block's reward (no satoshi credited twice).
    expect(credits.reduce((sum, c) => sum + c.amount, 0) + fee).toBeLessThanOrEqual(Number(reward));
    await Promise.all([a.c.close(), b.c.close(), device.close()]);
  });
});
