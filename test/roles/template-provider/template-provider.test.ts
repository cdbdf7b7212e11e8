import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { assembleBlock, bip34HeightPrefix, bitsToTarget, coinbaseMerklePath, equalBytes, hashToDisplay, joinCoinbase, MAX_BLOCK_WEIGHT, parseBlock, parseTransaction } from '../../../src/bitcoin/index.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import type { EmbeddedChain } from '../../../src/chain/chain.js';
import { blockSubsidy } from '../../../src/chain/params.js';
import type { TxGenerator } from '../../../src/chain/tx-generator.js';
import { workFromTemplate } from '../../../src/channels/work.js';
import { tpRoutes } from '../../../src/monitor/tp-routes.js';
import { startMonitor } from '../../../src/monitor/server.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { TestClient } from '../../support/sv2-test-client.js';
import { authority, capturingLogger, fundedChain, nextBlock, solve, startTp, tdpClient, PAYOUT, type Tdp } from '../../support/template-provider.js';
import { tpClients } from '../../../src/monitor/tp-views.js';

let chain: EmbeddedChain;
let gen: TxGenerator;
beforeAll(() => ({ chain, gen } = fundedChain()));

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Subsidy plus the fees of every mempool transaction: the value of a template that holds them all. */
function valueOfWholeMempool(): bigint {
  const c = chain.candidate();
  return c.subsidy + c.candidates.reduce((s, x) => s + x.fee, 0n);
}

/** Lets the source's batched mempool refresh (a microtask) run, so the next change is a separate update. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Proves no template went out so far: messages on a connection keep their order, so the answer to
 * a RequestTransactionData sent now is the next message only if nothing was sent before it.
 */
async function expectNothingSent(c: Tdp): Promise<void> {
  await c.client.send('RequestTransactionData', { templateId: 0n });
  expect((await c.client.next()).name).toBe('RequestTransactionDataError');
}

async function tp(env: Record<string, string> = {}, logger?: Parameters<typeof startTp>[2]) {
  const p = await startTp(chain, env, logger);
  cleanups.push(() => p.close());
  return p;
}

async function client(port: number, constraints?: { size: number; sigops: number }) {
  const c = await tdpClient(port, constraints);
  cleanups.push(() => c.client.close());
  return c;
}

describe('template provider over real sockets (embedded chain)', () => {
  it('answers CoinbaseOutputConstraints at once with a future template and its SetNewPrevHash', async () => {
    gen.generate(5);
    const p = await tp();
    const { template, prevHash } = await client(p.port);
    expect(template.futureTemplate).toBe(true);
    expect(prevHash.templateId).toBe(template.templateId);
    expect(bytesToHex(prevHash.prevHash)).toBe(bytesToHex(chain.tip.hash));
    expect(prevHash.nbits).toBe(chain.nextBits());
    expect(bytesToHex(prevHash.target)).toBe(bytesToHex(bitsToTarget(chain.nextBits())));
    expect(bytesToHex(template.coinbasePrefix)).toBe(bytesToHex(bip34HeightPrefix(chain.height + 1)));
    expect(template.coinbaseTxValueRemaining).toBe(valueOfWholeMempool());
    expect(template.coinbaseTxOutputsCount).toBe(1); // the witness commitment
  });

  it('refuses the wrong authority and any protocol but Template Distribution', async () => {
    const p = await tp();
    await expect(TestClient.connect(p.port, AuthorityKeyPair.generate().publicKey.toString())).rejects.toThrow(/certificate/i);
    const c = await TestClient.connect(p.port, authority.publicKey.toString());
    expect(await c.setup(0)).toMatchObject({ name: 'SetupConnectionError', message: { errorCode: 'unsupported-protocol' } });
    expect((await c.conn.closed).by).toBe('peer');
  });

  it('a solution mined on the wire template goes to the node at once: the chain grows by one and every client gets the new tip', async () => {
    gen.generate(10);
    const p = await tp();
    const miner = await client(p.port);
    const other = await client(p.port, { size: 2000, sigops: 100 });
    const height = chain.height;
    const txs = chain.mempool.size;
    const report = nextBlock(p);
    await miner.client.send('SubmitSolution', solve(miner.template, miner.prevHash));
    const r = await report;
    expect(r).toMatchObject({ accepted: true, height: height + 1, templateId: miner.template.templateId });
    expect(chain.height).toBe(height + 1);
    expect(r.hash).toBe(hashToDisplay(chain.tip.hash));
    expect(chain.tip.txids).toHaveLength(1 + txs);
    for (const c of [miner, other]) {
      const nt = await c.client.next('NewTemplate');
      const ph = await c.client.next('SetNewPrevHashTdp');
      expect(nt.message.futureTemplate).toBe(true);
      expect(ph.message.templateId).toBe(nt.message.templateId);
      expect(bytesToHex(ph.message.prevHash)).toBe(bytesToHex(chain.tip.hash));
      expect(nt.message.templateId).toBeGreaterThan(c.template.templateId);
    }
    expect(await p.metrics.registry.getSingleMetricAsString('sv2_tp_blocks_accepted_total')).toContain('sv2_tp_blocks_accepted_total 1');
    expect(await p.metrics.registry.getSingleMetricAsString('sv2_tp_connections_refused_total')).toContain('sv2_tp_connections_refused_total{reason="per-ip-limit"} 0');
  });

  it('an invalid solution is rejected with its reason, logged and counted, and the chain is unchanged', async () => {
    const { logger, lines } = capturingLogger();
    const p = await tp({}, logger);
    const c = await client(p.port);
    const height = chain.height;
    const tip = chain.tip.key;
    const submit = async (m: ReturnType<typeof solve>) => {
      const report = nextBlock(p);
      await c.client.send('SubmitSolution', m);
      return report;
    };
    expect(await submit(solve(c.template, c.prevHash, { wantHighHash: true }))).toMatchObject({ accepted: false, reason: 'high-hash' });
    expect(await submit(solve(c.template, { ...c.prevHash, headerTimestamp: c.prevHash.headerTimestamp + 3 * 3600 }))).toMatchObject({ accepted: false, reason: 'time-too-new' });
    const good = solve(c.template, c.prevHash);
    expect(await submit({ ...good, coinbaseTx: good.coinbaseTx.subarray(0, 20) })).toMatchObject({ accepted: false, reason: 'invalid-coinbase-tx' });
    expect(await submit({ ...good, templateId: 999_999_999n })).toMatchObject({ accepted: false, reason: 'template-id-not-found' });
    expect(chain.height).toBe(height);
    expect(chain.tip.key).toBe(tip);
    expect(c.client.conn.isOpen).toBe(true);

    const rejected = lines().filter((l) => l.msg === 'block rejected').map((l) => l.reason);
    expect(rejected).toEqual(['high-hash', 'time-too-new', 'invalid-coinbase-tx', 'template-id-not-found']);
    const metric = await p.metrics.registry.getSingleMetricAsString('sv2_tp_blocks_rejected_total');
    expect(metric).toContain('sv2_tp_blocks_rejected_total{reason="high-hash"} 1');
    expect(metric).toContain('sv2_tp_blocks_rejected_total{reason="template-id-not-found"} 1');

    const monitor = await startMonitor({ host: '127.0.0.1', port: 0, routes: tpRoutes(p), registry: p.metrics.registry });
    cleanups.push(() => monitor.close());
    expect(await (await fetch(`${monitor.url}/api/v1/health`)).json()).toEqual({ status: 'ok' });
    const global = (await (await fetch(`${monitor.url}/api/v1/global`)).json()) as Record<string, unknown>;
    expect(global).toMatchObject({ backend: 'embedded', connections: 1, blocks_accepted: 0, blocks_rejected: 4, tip: { height, hash: hashToDisplay(chain.tip.hash) } });
    expect(global.last_block).toMatchObject({ accepted: false, reason: 'template-id-not-found' });
    const clients = (await (await fetch(`${monitor.url}/api/v1/clients?offset=0&limit=5`)).json()) as Record<string, unknown>;
    expect(clients).toMatchObject({ offset: 0, limit: 5, total: 1 });
    expect(clients.items).toMatchObject([{ vendor: 'tp-test', coinbase_output_max_additional_size: 64, solutions_submitted: 4, last_template_id: String(c.template.templateId) }]);
    const text = await (await fetch(`${monitor.url}/metrics`)).text();
    expect(text).toContain('sv2_tp_blocks_rejected_total{reason="time-too-new"} 1');
    expect(text).toMatch(/^sv2_tp_uptime_seconds \d/m);
    expect(await (await fetch(`${monitor.url}/api/v1/server`)).json()).toMatchObject({ backend: 'embedded', connected: true, tip: { height } });
  });

  it('RequestTransactionData returns the template transactions in template order, with the witness reserved value', async () => {
    if (chain.mempool.size < 20) gen.generate(20);
    const p = await tp();
    const c = await client(p.port);
    const mempool = chain.candidate().candidates;
    await c.client.send('RequestTransactionData', { templateId: c.template.templateId });
    const r = (await c.client.next('RequestTransactionDataSuccess')).message;
    expect(r.templateId).toBe(c.template.templateId);
    expect(bytesToHex(r.excessData)).toBe('00'.repeat(32));
    expect(r.transactionList.map(bytesToHex)).toEqual(mempool.map((x) => bytesToHex(x.data)));
    // The order is the one the merkle path commits to.
    const txids = r.transactionList.map((x) => parseTransaction(x).txid);
    expect(coinbaseMerklePath(txids).map(bytesToHex)).toEqual(c.template.merklePath.map(bytesToHex));
  });

  it('stale-template-id once the tip moved on, template-id-not-found for an unknown id', async () => {
    const p = await tp();
    const c = await client(p.port);
    chain.generate(1, PAYOUT);
    const fresh = (await c.client.next('NewTemplate')).message;
    await c.client.next('SetNewPrevHashTdp');
    await c.client.send('RequestTransactionData', { templateId: c.template.templateId });
    expect((await c.client.next()).message).toEqual({ templateId: c.template.templateId, errorCode: 'stale-template-id' });
    await c.client.send('RequestTransactionData', { templateId: 987_654_321n });
    expect((await c.client.next()).message).toEqual({ templateId: 987_654_321n, errorCode: 'template-id-not-found' });
    await c.client.send('RequestTransactionData', { templateId: fresh.templateId });
    expect((await c.client.next()).name).toBe('RequestTransactionDataSuccess');
    const metric = await p.metrics.registry.getSingleMetricAsString('sv2_tp_transaction_data_requests_total');
    expect(metric).toContain('result="stale-template-id"} 1');
    expect(metric).toContain('result="success"} 1');
  });

  it('honours CoinbaseOutputConstraints: a client asking for a large coinbase gets fewer transactions, within the reserved weight', async () => {
    if (chain.mempool.size < 60) gen.generate(80);
    const p = await tp();
    // Reserved 1168 + 4·994 708 = 3 980 000 WU: 20 000 WU are left for transactions, less than the mempool holds.
    const bigSize = 994_708;
    const budget = MAX_BLOCK_WEIGHT - (1168 + 4 * bigSize);
    expect(budget).toBe(20_000);
    const small = await client(p.port, { size: 64, sigops: 400 });
    const big = await client(p.port, { size: bigSize, sigops: 400 });
    const txsOf = async (c: typeof small) => {
      await c.client.send('RequestTransactionData', { templateId: c.template.templateId });
      return (await c.client.next('RequestTransactionDataSuccess')).message.transactionList.map((x) => parseTransaction(x));
    };
    const smallTxs = await txsOf(small);
    const bigTxs = await txsOf(big);
    const candidates = chain.candidate().candidates;
    expect(smallTxs).toHaveLength(candidates.length);
    expect(bigTxs.length).toBeGreaterThan(0);
    expect(bigTxs.length).toBeLessThan(smallTxs.length);
    const bigWeight = bigTxs.reduce((s, t) => s + t.weight, 0);
    expect(bigWeight).toBeLessThanOrEqual(budget);
    expect(big.template.coinbaseTxValueRemaining).toBeLessThan(small.template.coinbaseTxValueRemaining);
    // Filled greedily: the first candidate left out would not have fitted.
    const kept = new Set(bigTxs.map((t) => bytesToHex(t.txid)));
    const firstOut = candidates.findIndex((x) => !kept.has(bytesToHex(x.txid)));
    const before = candidates.slice(0, firstOut).reduce((s, x) => s + x.weight, 0);
    expect(before + candidates[firstOut]!.weight).toBeGreaterThan(budget);

    // The block the client builds with everything it announced — a 100-byte scriptSig and
    // 994 708 bytes of its own outputs — is still within the consensus weight limit, and valid.
    const script = new Uint8Array(bigSize - 8 - 5).fill(0x6a); // value 8 + CompactSize 5 + script
    const work = workFromTemplate(big.template, {
      fullExtranonceSize: 32,
      outputs: [{ value: big.template.coinbaseTxValueRemaining, script }],
      tag: new Uint8Array(100 - big.template.coinbasePrefix.length - 1 - 1 - 32).fill(0x41),
    });
    const coinbase = joinCoinbase(work.coinbase.prefix, new Uint8Array(32), work.coinbase.suffix);
    expect(coinbase[4 + 2 + 1 + 36]).toBe(100); // scriptSig length
    const { block } = assembleBlock({
      version: big.template.version, prevHash: big.prevHash.prevHash, time: big.prevHash.headerTimestamp, bits: big.prevHash.nbits, nonce: 0,
      coinbase, transactions: bigTxs.map((t) => t.raw), merklePath: big.template.merklePath,
    });
    const parsed = parseBlock(block);
    expect(parsed.weight).toBeLessThanOrEqual(MAX_BLOCK_WEIGHT);
    expect(parsed.weight).toBeGreaterThan(MAX_BLOCK_WEIGHT - 2 * 600); // and not much below: nothing else would have fitted
    expect(chain.checkBlockProposal(block)).toBeNull();
  });

  it('fee-driven updates: a rise below the delta sends nothing, a rise to the delta (since what that client has) sends a template at once', async () => {
    chain.generate(1, PAYOUT); // empty mempool
    const p = await tp({ TP__FEE_DELTA_SATS: '3000', TP__TEMPLATE_INTERVAL_SECS: '0' });
    const a = await client(p.port);
    expect(a.template.coinbaseTxValueRemaining).toBe(blockSubsidy(chain.height + 1, chain.params.subsidyHalvingInterval));
    expect(gen.generate(2)).toBe(2); // 2 200–2 820 sat: below the delta
    await settle();
    await expectNothingSent(a);
    // B joins with the same constraints (so the same subscription) and gets those fees at once.
    const b = await client(p.port);
    expect(b.template.coinbaseTxValueRemaining).toBe(valueOfWholeMempool());
    expect(gen.generate(1)).toBe(1); // A: ≥ 3 300 sat above its template; B: 1 100–1 410 above its own
    const update = await a.client.next();
    expect(update).toMatchObject({ name: 'NewTemplate', message: { futureTemplate: false, coinbaseTxValueRemaining: valueOfWholeMempool() } });
    const m = update.message as typeof a.template;
    expect(m.templateId).toBeGreaterThan(b.template.templateId);
    expect(bytesToHex(m.coinbasePrefix)).toBe(bytesToHex(a.template.coinbasePrefix));
    await expectNothingSent(b);
  });

  it('fee-driven updates wait for the interval, carry the latest fees, and give way to a new tip', async () => {
    chain.generate(1, PAYOUT);
    // The provider's clock and timers are faked (sockets stay real), so the test moves time itself.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const p = await tp({ TP__FEE_DELTA_SATS: '1000', TP__TEMPLATE_INTERVAL_SECS: '0.5' });
      const c = await client(p.port);
      for (let round = 1; round <= 2; round++) {
        gen.generate(2); // a rise right after a template: it has to wait
        await settle();
        vi.advanceTimersByTime(300);
        gen.generate(2); // a second rise while the first waits: one update will carry both
        await settle();
        vi.advanceTimersByTime(199);
        await expectNothingSent(c);
        vi.advanceTimersByTime(1); // 500 ms after the last template
        expect(await c.client.next()).toMatchObject({ name: 'NewTemplate', message: { futureTemplate: false, coinbaseTxValueRemaining: valueOfWholeMempool() } });
      }
      // A rise waiting for the interval is dropped when the tip moves; the tip goes out at once.
      gen.generate(2);
      await settle();
      vi.advanceTimersByTime(300);
      chain.generate(1, PAYOUT);
      expect(await c.client.next()).toMatchObject({ name: 'NewTemplate', message: { futureTemplate: true } });
      expect((await c.client.next()).name).toBe('SetNewPrevHashTdp');
      // A rise on the new tip waits a full interval from the tip's template, not from the dropped rise.
      gen.generate(2);
      await settle();
      vi.advanceTimersByTime(499);
      await expectNothingSent(c);
      vi.advanceTimersByTime(1);
      const after = await c.client.next();
      expect(after).toMatchObject({ name: 'NewTemplate', message: { futureTemplate: false, coinbaseTxValueRemaining: valueOfWholeMempool() } });
      expect(bytesToHex((after.message as typeof c.template).coinbasePrefix)).toBe(bytesToHex(bip34HeightPrefix(chain.height + 1)));
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops a client that breaks the protocol; the others carry on', async () => {
    const p = await tp();
    const good = await client(p.port);
    const early = await TestClient.connect(p.port, authority.publicKey.toString());
    await early.send('RequestTransactionData', { templateId: 1n });
    expect((await early.conn.closed).by).toBe('peer');
    const wrong = await tdpClient(p.port);
    await wrong.client.send('OpenStandardMiningChannel', { requestId: 1, userIdentity: 'x', nominalHashRate: 1, maxTarget: new Uint8Array(32).fill(0xff) });
    expect((await wrong.client.conn.closed).by).toBe('peer');
    await good.client.send('RequestTransactionData', { templateId: good.template.templateId });
    expect((await good.client.next()).name).toBe('RequestTransactionDataSuccess');
    expect(tpClients(p, {}).total).toBe(1);
    expect(equalBytes(good.prevHash.prevHash, chain.tip.hash)).toBe(true);
  });
});
