/**
 * Embedded chain: template build with a 3 000-transaction mempool, and validation of a
 * 3 000-transaction block (signatures cached from mempool acceptance, and all re-verified).
 */
import { measure, type BenchResult, type Suite } from './harness.js';
import { EmbeddedChain } from '../src/chain/chain.js';
import { solveTemplate } from '../src/chain/template-solver.js';
import { TxGenerator } from '../src/chain/tx-generator.js';

const TXS = 3000;
const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]);

/** A chain whose mempool holds TXS signed P2WPKH transactions (the template provider bench uses it too). */
export function fixture(): { chain: EmbeddedChain; setupMs: number; acceptUs: number } {
  const t0 = performance.now();
  let now = 1_700_000_000;
  const chain = new EmbeddedChain({ clock: () => now });
  const gen = new TxGenerator(chain, { seed: 'bench', targetCoins: TXS + 200, maxOutputs: 60 });
  chain.generate(101, gen.script);
  // Split coins until the wallet holds enough confirmed ones, one block per round.
  while (gen.spendable().length < TXS) {
    gen.generate(TXS);
    now += 30;
    chain.generate(1, PAYOUT);
  }
  const a0 = performance.now();
  const n = gen.generate(TXS);
  const acceptUs = ((performance.now() - a0) * 1000) / n;
  if (chain.mempool.size < TXS) throw new Error(`mempool holds ${chain.mempool.size} transactions, wanted ${TXS}`);
  return { chain, setupMs: performance.now() - t0, acceptUs };
}

const suite: Suite = () => {
  const results: BenchResult[] = [];
  const { chain, setupMs, acceptUs } = fixture();
  const constraints = { maxAdditionalSize: 100, maxAdditionalSigops: 400 };
  const build = measure('chain', `template build, ${chain.mempool.size}-tx mempool`, () => chain.getTemplate(constraints), { roundMs: 1000, rounds: 3 });
  build.extra = { setup_s: (setupMs / 1000).toFixed(1), sign_and_accept_us_per_tx: acceptUs.toFixed(0) };
  results.push(build);

  const template = chain.getTemplate(constraints);
  const block = solveTemplate(template, { payoutScript: PAYOUT })!;
  const warm = measure('chain', `validate a ${template.transactions.length + 1}-tx block (signatures cached)`, () => chain.checkBlockProposal(block), { roundMs: 1000, rounds: 3 });
  warm.extra = { block_kB: (block.length / 1000).toFixed(0) };
  results.push(warm);
  results.push(measure('chain', `validate a ${template.transactions.length + 1}-tx block (all signatures verified)`, () => chain.checkBlockProposal(block, { useScriptCache: false }), { roundMs: 1, rounds: 3 }));
  if (chain.checkBlockProposal(block) !== null) throw new Error('benchmark block is invalid');
  const c0 = performance.now();
  const r = chain.submitBlock(block);
  if (!r.accepted) throw new Error(`benchmark block rejected: ${r.reason}`);
  results.push({ suite: 'chain', name: `submitblock (connect) of that block, once`, nsPerOp: (performance.now() - c0) * 1e6, opsPerSec: 1000 / (performance.now() - c0) });
  return results;
};

export default suite;
