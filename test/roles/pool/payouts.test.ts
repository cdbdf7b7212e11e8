import { afterEach, describe, expect, it } from 'vitest';
import { addressToScript, scriptToAddress } from '../../../src/bitcoin/address.js';
import { equalBytes, hashToDisplay } from '../../../src/bitcoin/bytes.js';
import { parseBlock } from '../../../src/bitcoin/block.js';
import type { ClientChannel } from '../../../src/channels/client-channel.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { poolRoutes } from '../../../src/monitor/pool-routes.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
const POOL_SCRIPT = addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest');
const ADDR_A = 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk';
const ADDR_B = scriptToAddress(Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0xbb)), 'regtest')!;
// A tiny nominal hashrate: the easiest channel target, so half the shares are not blocks.
const SLOW = 0.01;

let running: TestPool | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function client(pool: TestPool, user: string): Promise<{ c: TestClient; ch: ClientChannel }> {
  const c = await TestClient.connect(pool.pool.port, authority.publicKey.toString());
  await c.setup(MiningSetupFlags.RequiresStandardJobs);
  return { c, ch: await c.openStandard(user, SLOW) };
}

/** Sends a share that is (or is not) a block; resolves once the pool has acknowledged it. */
async function share(m: { c: TestClient; ch: ClientChannel }, seq: number, block: boolean, from = 0): Promise<number> {
  const s = grind(m.ch, (x) => x.meetsTarget && x.isBlock === block, undefined, from);
  await m.c.send('SubmitSharesStandard', { channelId: m.ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
  await m.c.next('SubmitSharesSuccess');
  return s.nonce + 1;
}

/** Resolves once `m` has been sent the prev hash of the chain's tip (every tip before it handled by the pool). */
async function seesTip(pool: TestPool, m: { c: TestClient; ch: ClientChannel }): Promise<void> {
  const tip = pool.node.chain.tip.hash;
  for (;;) {
    const p = await m.c.next();
    if (p.name === 'NewMiningJob') m.ch.onNewMiningJob(p.message);
    if (p.name !== 'SetNewPrevHash') continue;
    m.ch.onSetNewPrevHash(p.message);
    if (equalBytes(p.message.prevHash, tip)) return;
  }
}

function credits(pool: TestPool) {
  return pool.pool.store.database
    .prepare('SELECT u.name AS user, c.amount_sats AS amount, c.state AS state FROM credits c JOIN users u ON u.id = c.user_id ORDER BY u.name, c.state')
    .all() as { user: string; amount: number; state: string }[];
}

describe('PPLNS in the pool', () => {
  it('credits the window\'s accounts when a block is found, less the fee; the credits mature after 100 confirmations', async () => {
    const pool = (running = await startTestPool(authority, {
      POOL__POOL_FEE_PERCENT: '2',
      POOL__PPLNS_WINDOW_FACTOR: '1000',
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    }));
    const alice = await client(pool, 'alice.rig1');
    const bob = await client(pool, 'bob.rig');
    let from = 0;
    for (let i = 1; i <= 3; i++) from = await share(alice, i, false, from);
    await share(bob, 1, false);
    await share(alice, 4, true, from);
    const [found] = pool.pool.store.blocks();
    expect(found).toBeDefined();
    const row = pool.pool.store.database.prepare('SELECT reward_sats AS reward, fee_sats AS fee, payout_scheme AS scheme, chain_state AS state FROM blocks').get() as {
      reward: number; fee: number; scheme: string; state: string;
    };
    // The reward is what the block's coinbase paid the pool.
    const entry = pool.node.chain.entryByHash(Uint8Array.from(Buffer.from(found!.blockHash, 'hex').reverse()))!;
    const coinbase = parseBlock(pool.node.chain.readBlock(entry)).transactions[0]!;
    const toPool = coinbase.outputs.filter((o) => equalBytes(o.script, POOL_SCRIPT)).reduce((s, o) => s + o.value, 0n);
    expect(BigInt(row.reward)).toBe(toPool);
    expect(row).toMatchObject({ scheme: 'pplns', state: 'found', fee: Math.floor(row.reward * 0.02) });
    // Difficulty-weighted: every share of both has the channel's (equal) difficulty; alice 4 of 5.
    const c = credits(pool);
    expect(c.map((x) => [x.user, x.state])).toEqual([['alice', 'immature'], ['bob', 'immature']]);
    expect(c[0]!.amount + c[1]!.amount + row.fee).toBe(row.reward);
    expect(Math.abs(c[0]!.amount - 4 * c[1]!.amount)).toBeLessThanOrEqual(5);

    await seesTip(pool, alice);
    pool.node.chain.generate(98, POOL_SCRIPT);
    await seesTip(pool, alice);
    await pool.pool.settled();
    expect(credits(pool).map((x) => x.state)).toEqual(['immature', 'immature']);
    pool.node.chain.generate(1, POOL_SCRIPT);
    await seesTip(pool, alice);
    await pool.pool.settled();
    expect(credits(pool).map((x) => x.state)).toEqual(['mature', 'mature']);
    const balances = pool.pool.store.database.prepare('SELECT name, balance_sats AS b FROM balances ORDER BY name').all();
    expect(balances).toEqual([{ name: 'alice', b: c[0]!.amount }, { name: 'bob', b: c[1]!.amount }]);

    // The API: users with hashrate, workers, balance and credits; blocks with confirmations and payouts.
    const routes = poolRoutes(pool.pool);
    const users = (await routes['/api/v1/users']!({})) as { total: number; items: { id: number; name: string; shares: number; balance_sats: number; hashrate: number; workers: number }[] };
    expect(users.total).toBe(2);
    const a = users.items.find((u) => u.name === 'alice')!;
    expect(a).toMatchObject({ shares: 4, balance_sats: c[0]!.amount, workers: 1 });
    expect(a.hashrate).toBeGreaterThan(0);
    const detail = (await routes['/api/v1/users/{id}']!({ id: String(a.id) })) as { workers: { name: string; shares: number }[]; credits: { amount_sats: number; state: string }[] };
    expect(detail.workers).toEqual([expect.objectContaining({ name: 'rig1', shares: 4 })]);
    expect(detail.credits).toEqual([expect.objectContaining({ amount_sats: c[0]!.amount, state: 'mature' })]);
    expect(await routes['/api/v1/users/{id}']!({ id: '999' })).toBeUndefined();
    const blocks = (await routes['/api/v1/blocks']!({})) as { hash: string; confirmations: number; chain_state: string; reward_sats: number; payouts: { user: string; amount_sats: number }[] }[];
    const mine = blocks.find((b) => b.hash === found!.blockHash)!;
    expect(mine).toMatchObject({ confirmations: 100, chain_state: 'confirmed', reward_sats: row.reward });
    expect(mine.payouts.map((p) => [p.user, p.amount_sats])).toEqual([['alice', c[0]!.amount], ['bob', c[1]!.amount]]);
    // Prometheus: one series per active user, bounded by metrics_max_users.
    const text = await pool.pool.metrics.registry.metrics();
    expect(text).toMatch(/sv2_pool_user_hashrate_estimated\{user="alice",kind="account"\} [\d.e+-]+/);
    expect(text).toMatch(/sv2_pool_user_hashrate_estimated\{user="bob",kind="account"\}/);
    await alice.c.close();
    await bob.c.close();
  });
});

describe('payouts in the coinbase', () => {
  it('every job\'s coinbase pays the window\'s miners, refreshed with each template; the found block pays them exactly so', async () => {
    const pool = (running = await startTestPool(authority, {
      POOL__PAYOUT_SCHEME: 'coinbase',
      POOL__POOL_FEE_PERCENT: '1',
      POOL__PPLNS_WINDOW_FACTOR: '1000',
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    }));
    const a = await client(pool, `${ADDR_A}.rig`);
    const b = await client(pool, `${ADDR_B}.rig`);
    let from = 0;
    for (let i = 1; i <= 2; i++) from = await share(a, i, false, from);
    await share(b, 1, false);
    // A new template (another miner's block): its coinbase carries the window.
    pool.node.chain.generate(1, POOL_SCRIPT);
    await seesTip(pool, a);
    await share(a, 3, true);
    const [found] = pool.pool.store.blocks();
    const entry = pool.node.chain.entryByHash(Uint8Array.from(Buffer.from(found!.blockHash, 'hex').reverse()))!;
    const coinbase = parseBlock(pool.node.chain.readBlock(entry)).transactions[0]!;
    const paying = coinbase.outputs.filter((o) => o.value > 0n);
    const total = paying.reduce((s, o) => s + o.value, 0n);
    const scriptA = bytesToHex(addressToScript(ADDR_A, 'regtest'));
    const scriptB = bytesToHex(addressToScript(ADDR_B, 'regtest'));
    // Largest first: A (2 shares) before B (1), then the pool's fee. 99 % split 2 : 1.
    expect(paying.map((o) => bytesToHex(o.script))).toEqual([scriptA, scriptB, bytesToHex(POOL_SCRIPT)]);
    const fee = (total * 100n) / 10_000n;
    expect(paying[2]!.value).toBe(fee);
    expect(paying[0]!.value + paying[1]!.value).toBe(total - fee);
    expect(paying[0]!.value - 2n * paying[1]!.value <= 2n && 2n * paying[1]!.value - paying[0]!.value <= 2n).toBe(true);
    // The credits record what the coinbase paid.
    const c = credits(pool).filter((x) => x.state === 'paid');
    expect(c).toEqual([
      { user: ADDR_A, amount: Number(paying[0]!.value), state: 'paid' },
      { user: ADDR_B, amount: Number(paying[1]!.value), state: 'paid' },
    ]);
    expect(hashToDisplay(entry.hash)).toBe(found!.blockHash);
    await a.c.close();
    await b.c.close();
  });
});
