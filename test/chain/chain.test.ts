import { describe, expect, it } from 'vitest';
import {
  bip34HeightPrefix,
  bitsToTarget,
  finalizeTransaction,
  fromHex,
  hashToDisplay,
  headerHash,
  parseBlock,
  parseTransaction,
  serializeOutputs,
  sha256d,
  witnessCommitmentOutput,
} from '../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { solveTemplate } from '../../src/chain/template-solver.js';
import { COIN } from '../../src/chain/params.js';
import { templateOutputs } from '../../src/chain/template.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { buildBlock, fakeClock, PAYOUT } from '../support/chain.js';

const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';

function newChain() {
  const clock = fakeClock();
  return { chain: new EmbeddedChain({ clock: clock.now }), clock };
}

/** A chain with 101 blocks paying a generator's wallet, so two coinbases are mature. */
function fundedChain() {
  const { chain, clock } = newChain();
  const gen = new TxGenerator(chain, { seed: 'test wallet', targetCoins: 20, maxOutputs: 10 });
  chain.generate(101, gen.script);
  return { chain, clock, gen };
}

describe('embedded chain: genesis and templates', () => {
  it('starts at the real regtest genesis', () => {
    const { chain } = newChain();
    expect(chain.height).toBe(0);
    expect(hashToDisplay(chain.tip.hash)).toBe(REGTEST_GENESIS);
    expect(chain.utxo.size).toBe(0);
  });

  it('gives a template with everything TDP NewTemplate and SetNewPrevHash need', () => {
    const { chain, clock } = newChain();
    const t = chain.getTemplate({ maxAdditionalSize: 100, maxAdditionalSigops: 400 });
    expect(t.height).toBe(1);
    expect(hashToDisplay(t.prevHash)).toBe(REGTEST_GENESIS);
    expect(t.coinbasePrefix).toEqual(bip34HeightPrefix(1));
    expect(t.coinbasePrefix.length).toBeLessThanOrEqual(8);
    expect(t.coinbaseValue).toBe(50n * COIN);
    expect(t.bits).toBe(0x207fffff);
    expect(t.target).toEqual(bitsToTarget(0x207fffff));
    expect(t.time).toBe(clock.now());
    expect(t.merklePath).toEqual([]);
    expect(t.transactions).toEqual([]);
    const outs = templateOutputs(t);
    expect(outs.count).toBe(1);
    expect(outs.bytes).toEqual(serializeOutputs([witnessCommitmentOutput([])]));
    expect(chain.getTemplate().id).toBeGreaterThan(t.id);
  });
});

describe('embedded chain: blocks', () => {
  it('accepts a block mined in the test, grows by one and announces the tip', () => {
    const { chain } = newChain();
    const tips: number[] = [];
    chain.onTip(({ entry }) => tips.push(entry.height));
    const block = buildBlock({ template: chain.getTemplate() });
    const r = chain.submitBlock(block);
    expect(r).toMatchObject({ accepted: true, height: 1 });
    expect(chain.height).toBe(1);
    expect(chain.tip.hash).toEqual(headerHash(block));
    expect(tips).toEqual([1]);
    // The coinbase's payout is now a (not yet mature) coin.
    const cb = parseBlock(block).transactions[0]!;
    expect(chain.coin(cb.txid, 0)).toMatchObject({ value: 50n * COIN, coinbase: true, height: 1 });
    expect(chain.submitBlock(block)).toMatchObject({ accepted: false, reason: 'duplicate' });
  });

  it('rejects invalid blocks with Bitcoin Core reasons and leaves the chain unchanged', () => {
    const { chain, clock } = newChain();
    chain.generate(3, PAYOUT);
    const before = { height: chain.height, tip: chain.tip.key, utxos: chain.utxo.size, value: chain.utxo.totalValue };
    const t = chain.getTemplate();
    const cases: [string, Uint8Array][] = [
      ['high-hash', buildBlock({ template: t, wantHighHash: true })],
      ['bad-txnmrklroot', buildBlock({ template: t, tweakHeader: (h) => (h.merkleRoot = sha256d(h.merkleRoot)) })],
      ['bad-cb-amount', buildBlock({ template: t, outputs: [{ value: t.coinbaseValue + 1n, script: PAYOUT }] })],
      ['bad-cb-height', buildBlock({ template: t, scriptSigPrefix: bip34HeightPrefix(t.height + 1) })],
      ['bad-witness-merkle-match', buildBlock({ template: t, commitment: witnessCommitmentOutput([sha256d(Uint8Array.of(1))]) })],
      ['bad-diffbits', buildBlock({ template: t, bits: 0x2000ffff })],
      ['time-too-old', buildBlock({ template: t, time: t.minTime - 1 })],
      ['time-too-new', buildBlock({ template: t, time: clock.now() + 2 * 3600 + 1 })],
      ['prev-blk-not-found', buildBlock({ template: t, prevHash: sha256d(Uint8Array.of(9)) })],
      ['inconclusive-not-best-prevblk', buildBlock({ template: t, prevHash: chain.entryAt(1)!.hash })],
      ['bad-version(0x00000001)', buildBlock({ template: t, version: 1 })],
    ];
    for (const [reason, block] of cases) {
      expect(chain.submitBlock(block), reason).toMatchObject({ accepted: false, reason });
    }
    expect(chain.submitBlock(Uint8Array.of(1, 2, 3))).toMatchObject({ accepted: false, reason: 'block-decode-failed' });
    expect({ height: chain.height, tip: chain.tip.key, utxos: chain.utxo.size, value: chain.utxo.totalValue }).toEqual(before);
    // And the same template still makes a valid block.
    expect(chain.submitBlock(buildBlock({ template: t })).accepted).toBe(true);
  });

  it('rejects spends of missing, immature or wrongly signed coins', () => {
    const { chain, gen } = fundedChain();
    const t = chain.getTemplate();
    const coin = gen.spendable()[0]!;
    const spend = (txid: Uint8Array, vout: number, amount: bigint) =>
      parseTransaction(gen.sign({ version: 2, inputs: [{ prevTxid: txid, prevVout: vout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }], outputs: [{ value: amount - 1000n, script: PAYOUT }], locktime: 0 }, [amount]));
    const missing = spend(sha256d(Uint8Array.of(42)), 0, COIN);
    expect(chain.submitBlock(buildBlock({ template: t, transactions: [missing] })).reason).toBe('bad-txns-inputs-missingorspent');
    const immatureCoinbase = parseBlock(chain.readBlock(chain.tip)).transactions[0]!;
    const immature = spend(immatureCoinbase.txid, 0, 50n * COIN);
    expect(chain.submitBlock(buildBlock({ template: t, transactions: [immature] })).reason).toBe('bad-txns-premature-spend-of-coinbase');
    const good = spend(coin.txid, coin.vout, coin.value);
    const forged = parseTransaction(good.raw);
    forged.outputs[0]!.value -= 1n; // the signature no longer covers the outputs
    const forgedTx = finalizeTransaction(forged);
    const reason = chain.submitBlock(buildBlock({ template: t, transactions: [forgedTx], outputs: [{ value: t.coinbaseValue, script: PAYOUT }] })).reason;
    expect(reason).toMatch(/^mandatory-script-verify-flag-failed/);
    const overspend = chain.submitBlock(buildBlock({ template: t, transactions: [good], outputs: [{ value: t.coinbaseValue + 1001n, script: PAYOUT }] }));
    expect(overspend.reason).toBe('bad-cb-amount');
    expect(chain.height).toBe(101);
    // The correctly signed spend with its fee claimed is valid.
    expect(chain.submitBlock(buildBlock({ template: t, transactions: [good], outputs: [{ value: t.coinbaseValue + 1000n, script: PAYOUT }] }))).toMatchObject({ accepted: true });
  });
});

describe('embedded chain: mempool and templates', () => {
  it('finds mempool transactions by wtxid, and forgets them once mined', () => {
    const { chain, gen } = fundedChain();
    gen.generate(2);
    const [a] = [...chain.mempool.values()];
    expect(chain.mempool.byWitnessId(Buffer.from(a!.tx.wtxid).toString('hex'))?.key).toBe(a!.key);
    expect(chain.mempool.byWitnessId(Buffer.from(a!.tx.txid).toString('hex'))).toBeUndefined(); // segwit: txid ≠ wtxid
    chain.generate(1, PAYOUT);
    expect(chain.mempool.byWitnessId(Buffer.from(a!.tx.wtxid).toString('hex'))).toBeUndefined();
  });

  it('puts generated transactions with fees and witnesses into templates and blocks', () => {
    const { chain, gen } = fundedChain();
    expect(gen.spendable()).toHaveLength(2); // coinbases of heights 1 and 2 are mature at height 102
    const changes: number[] = [];
    chain.onMempool((m) => changes.push(m.size));
    expect(gen.generate(10)).toBe(2);
    expect(chain.mempool.size).toBe(2);
    expect(changes).toEqual([1, 2]);
    const t = chain.getTemplate();
    expect(t.transactions).toHaveLength(2);
    expect(t.fees).toBeGreaterThan(0n);
    expect(t.coinbaseValue).toBe(50n * COIN + t.fees);
    expect(t.fees).toBe(t.transactions.reduce((s, x) => s + x.fee, 0n));
    for (const x of t.transactions) expect(x.txid).not.toEqual(x.wtxid); // segwit: witnesses present
    expect(t.merklePath).toHaveLength(2);
    // Higher fee rate first.
    const rate = (x: { fee: bigint; weight: number }) => Number(x.fee) / x.weight;
    expect(rate(t.transactions[0]!)).toBeGreaterThanOrEqual(rate(t.transactions[1]!));

    const block = solveTemplate(t, { payoutScript: PAYOUT })!;
    expect(chain.submitBlock(block)).toMatchObject({ accepted: true, height: 102 });
    expect(chain.mempool.size).toBe(0);
    expect(changes.at(-1)).toBe(0);
    const mined = parseBlock(block);
    expect(mined.transactions.slice(1).map((x) => x.txid)).toEqual(t.transactions.map((x) => x.txid));
    expect(mined.transactions[0]!.outputs[0]!.value).toBe(50n * COIN + t.fees);
    // Split outputs joined the wallet: more coins to spend after the next block matures another coinbase.
    chain.generate(1, PAYOUT);
    expect(gen.spendable().length).toBeGreaterThan(2);
  });

  it('orders a child after its mempool parent and rejects a double spend', () => {
    const { chain, gen } = fundedChain();
    gen.generate(1);
    const parent = [...chain.mempool.values()][0]!.tx;
    const child = gen.sign({ version: 2, inputs: [{ prevTxid: parent.txid, prevVout: 0, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }], outputs: [{ value: parent.outputs[0]!.value - 200_000n, script: gen.script }], locktime: 0 }, [parent.outputs[0]!.value]);
    expect(chain.acceptTransaction(child)).toMatchObject({ accepted: true, fee: 200_000n });
    const t = chain.getTemplate();
    expect(t.transactions.map((x) => hashToDisplay(x.txid))).toEqual([hashToDisplay(parent.txid), hashToDisplay(parseTransaction(child).txid)]);
    expect(t.transactions[1]!.depends).toEqual([0]);
    const conflict = gen.sign({ version: 2, inputs: [{ prevTxid: parent.txid, prevVout: 0, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }], outputs: [{ value: 1000n, script: gen.script }], locktime: 0 }, [parent.outputs[0]!.value]);
    expect(chain.acceptTransaction(conflict)).toMatchObject({ accepted: false, reason: 'txn-mempool-conflict' });
    expect(chain.acceptTransaction(child)).toMatchObject({ accepted: false, reason: 'txn-already-in-mempool' });
    expect(chain.acceptTransaction(fromHex('0011'))).toMatchObject({ accepted: false, reason: 'TX decode failed' });
    expect(chain.submitBlock(solveTemplate(t, { payoutScript: PAYOUT })!).accepted).toBe(true);
    expect(chain.acceptTransaction(child)).toMatchObject({ accepted: false, reason: 'txn-already-known' });
  });

  it('leaves transactions out when the coinbase constraints need the room', () => {
    const { chain, gen } = fundedChain();
    gen.generate(2);
    const all = chain.getTemplate({ maxAdditionalSize: 0, maxAdditionalSigops: 0 });
    expect(all.transactions).toHaveLength(2);
    // Leave room for the first transaction only: the budget falls between w0 and w0 + w1.
    const size = Math.floor((4_000_000 - 1168 - all.transactions[0]!.weight) / 4);
    const some = chain.getTemplate({ maxAdditionalSize: size, maxAdditionalSigops: 0 });
    expect(some.transactions).toHaveLength(1);
    expect(some.coinbaseValue).toBe(50n * COIN + some.transactions[0]!.fee);
    const noSigops = chain.getTemplate({ maxAdditionalSize: 0, maxAdditionalSigops: 80_000 });
    expect(noSigops.transactions).toHaveLength(0);
  });

  it('removes a mempool transaction that a block double-spends', () => {
    const { chain, gen } = fundedChain();
    const coin = gen.spendable()[0]!;
    gen.generate(1);
    expect(chain.mempool.size).toBe(1);
    const rival = parseTransaction(gen.sign({ version: 2, inputs: [{ prevTxid: coin.txid, prevVout: coin.vout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }], outputs: [{ value: coin.value - 5000n, script: PAYOUT }], locktime: 0 }, [coin.value]));
    const t = chain.getTemplate();
    const block = buildBlock({ template: t, transactions: [rival], outputs: [{ value: 50n * COIN + 5000n, script: PAYOUT }] });
    expect(chain.submitBlock(block).accepted).toBe(true);
    expect(chain.mempool.size).toBe(0);
  });
});

describe('embedded chain: difficulty', () => {
  it('uses a configured nBits', () => {
    const chain = new EmbeddedChain({ clock: fakeClock().now, difficulty: { mode: 'fixed', bits: 0x2000ffff } });
    const t = chain.getTemplate();
    expect(t.bits).toBe(0x2000ffff);
    expect(chain.generate(2, PAYOUT)).toHaveLength(2);
    expect(chain.tip.header.bits).toBe(0x2000ffff);
    expect(chain.submitBlock(buildBlock({ template: chain.getTemplate(), bits: 0x207fffff })).reason).toBe('bad-diffbits');
  });

  it('retargets toward the block interval', () => {
    const clock = fakeClock();
    const chain = new EmbeddedChain({ clock: clock.now, difficulty: { mode: 'retarget', blockIntervalSeconds: 60, initialBits: 0x2000ffff, window: 4 } });
    const targetOf = (bits: number) => Buffer.from(bitsToTarget(bits)).reverse().toString('hex');
    // Blocks 6 s apart, ten times faster than wanted: the target must fall.
    for (let i = 0; i < 6; i++) {
      clock.advance(6);
      expect(chain.generate(1, PAYOUT)).toHaveLength(1);
    }
    const harder = chain.nextBits();
    expect(targetOf(harder) < targetOf(0x2000ffff)).toBe(true);
    // Then slow blocks (10 min apart): it eases again.
    for (let i = 0; i < 6; i++) {
      clock.advance(600);
      chain.generate(1, PAYOUT);
    }
    expect(targetOf(chain.nextBits()) > targetOf(harder)).toBe(true);
  });

  it('starts from the target of an expected hashrate', () => {
    const chain = new EmbeddedChain({ clock: fakeClock().now, difficulty: { mode: 'retarget', blockIntervalSeconds: 10, initialHashrate: 1000 } });
    // 2^256 / (1000 H/s · 10 s): about one block per 10 000 hashes.
    const target = BigInt('0x' + Buffer.from(bitsToTarget(chain.nextBits())).reverse().toString('hex'));
    const expected = (1n << 256n) / 10_000n;
    expect(Number((target * 1000n) / expected) / 1000).toBeCloseTo(1, 2);
  });

  it('rejects an invalid difficulty configuration', () => {
    expect(() => new EmbeddedChain({ difficulty: { mode: 'fixed', bits: 0x2100ffff } })).toThrow(/pow limit/);
    expect(() => new EmbeddedChain({ difficulty: { mode: 'fixed', bits: 0x04923456 } })).toThrow(/not a valid nBits/);
    expect(() => new EmbeddedChain({ difficulty: { mode: 'retarget', blockIntervalSeconds: 0 } })).toThrow(/interval/);
  });
});

describe('embedded chain: block proposals', () => {
  it('validates a proposal without proof of work and without connecting it', () => {
    const { chain, gen } = fundedChain();
    gen.generate(2);
    const t = chain.getTemplate();
    const valid = buildBlock({ template: t, outputs: [{ value: t.coinbaseValue, script: PAYOUT }] });
    const unsolved = buildBlock({ template: t, wantHighHash: true });
    expect(chain.checkBlockProposal(unsolved)).toBeNull();
    expect(chain.checkBlockProposal(valid, { useScriptCache: false })).toBeNull();
    expect(chain.checkBlockProposal(buildBlock({ template: t, outputs: [{ value: t.coinbaseValue + 1n, script: PAYOUT }] }))).toBe('bad-cb-amount');
    expect(chain.height).toBe(101);
    expect(chain.mempool.size).toBe(2);
    expect(chain.submitBlock(unsolved).reason).toBe('high-hash');
    expect(chain.submitBlock(valid).accepted).toBe(true);
  });
});

describe('embedded chain: relative lock-times (BIP68)', () => {
  it('accepts a zero relative lock on an unconfirmed parent and refuses an unmet one', () => {
    const { chain, gen } = fundedChain();
    gen.generate(1);
    const parent = [...chain.mempool.values()][0]!.tx;
    const spend = (sequence: number) =>
      gen.sign({ version: 2, inputs: [{ prevTxid: parent.txid, prevVout: 0, scriptSig: new Uint8Array(0), sequence, witness: [] }], outputs: [{ value: parent.outputs[0]!.value - 50_000n, script: PAYOUT }], locktime: 0 }, [parent.outputs[0]!.value]);
    expect(chain.acceptTransaction(spend(5))).toMatchObject({ accepted: false, reason: 'non-BIP68-final' });
    expect(chain.acceptTransaction(spend(0))).toMatchObject({ accepted: true });
  });
});
