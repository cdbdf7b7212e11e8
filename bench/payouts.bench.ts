/**
 * Payouts: a template's coinbase rebuilt with 100 payout outputs (what every template costs with
 * payout_scheme = "coinbase"), the Job Declarator's check of a declared coinbase against 100
 * required payee outputs (what DeclareMiningJob and SetCustomMiningJob add with that scheme), and
 * the PPLNS split over a window of 1 M shares (what a found block costs with PPLNS).
 */
import { sha256d } from '../src/bitcoin/hash.js';
import { bip34HeightPrefix } from '../src/bitcoin/script.js';
import { serializeOutputs } from '../src/bitcoin/tx.js';
import { witnessCommitmentOutput } from '../src/bitcoin/witness.js';
import { poolCoinbaseOutputs, type CoinbasePayee } from '../src/channels/payout-outputs.js';
import { checkPoolOutputs, jdRequiredOutputs, parseDeclaredCoinbase } from '../src/channels/jd-coinbase.js';
import { PplnsWindow, pplnsSplit } from '../src/channels/pplns.js';
import { coinbaseTag, workFromTemplate } from '../src/channels/work.js';
import type { Messages } from '../src/messages/index.js';
import { measure, type BenchResult } from './harness.js';

const POOL = Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0xab)]);
const TEMPLATE: Messages['NewTemplate'] = {
  templateId: 1n,
  futureTemplate: true,
  version: 0x20000000,
  coinbaseTxVersion: 2,
  coinbasePrefix: bip34HeightPrefix(900_000),
  coinbaseTxInputSequence: 0xffffffff,
  coinbaseTxValueRemaining: 312_500_000n,
  coinbaseTxOutputsCount: 1,
  coinbaseTxOutputs: serializeOutputs([witnessCommitmentOutput([sha256d(Uint8Array.of(2))])]),
  coinbaseTxLocktime: 0,
  merklePath: Array.from({ length: 12 }, (_, i) => sha256d(Uint8Array.of(i))),
};

export default async function payoutsSuite(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // 150 miners in the window, 100 of them paid (the cap), P2WPKH and P2TR scripts.
  const payees: CoinbasePayee[] = Array.from({ length: 150 }, (_, i) => ({
    script: i % 2 === 0 ? Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(i)) : Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(i)),
    weight: 1 + ((i * 7919) % 1000),
  }));
  const tag = coinbaseTag('bench-pool');
  const policy = { poolScript: POOL, dustSats: 546n, maxOutputs: 100 };
  let outputs = 0;
  results.push(
    measure('payouts', 'coinbase rebuild with 100 payout outputs (split, sort, serialize the coinbase)', () => {
      const outs = poolCoinbaseOutputs(TEMPLATE.coinbaseTxValueRemaining, { kind: 'shares', payees, feeBps: 100 }, policy);
      outputs = outs.length;
      return workFromTemplate(TEMPLATE, { outputs: outs, tag, fullExtranonceSize: 16 });
    }),
  );
  results.at(-1)!.extra = { outputs };

  // The JDS's side: the token's 100 payee outputs, and a JD client's coinbase paying them (its pool output funded).
  const reward = TEMPLATE.coinbaseTxValueRemaining;
  const payout = poolCoinbaseOutputs(reward, { kind: 'shares', payees, feeBps: 100 }, policy);
  const required = jdRequiredOutputs(POOL, reward, payout);
  const others = required.outputs.slice(1).reduce((sum, o) => sum + o.value, 0n);
  const declared = workFromTemplate(TEMPLATE, { outputs: [{ value: reward - others, script: POOL }, ...required.outputs.slice(1)], tag, fullExtranonceSize: 16 }).coinbase;
  let verdict: string | null = 'unchecked';
  results.push(
    measure('payouts', 'DeclareMiningJob coinbase check, 100 required payee outputs (parse the declared coinbase, check every due)', () => {
      verdict = checkPoolOutputs(required, parseDeclaredCoinbase(declared.prefix, declared.suffix).tx.outputs);
    }),
  );
  if (verdict !== null) throw new Error(`the declared coinbase was refused: ${verdict}`);
  results.at(-1)!.extra = { required: required.outputs.length };

  // A full window: 1 M shares of 10 000 accounts, difficulty-weighted; the split as a found block does it.
  const window = new PplnsWindow({ maxShares: 1 << 20 });
  for (let i = 0; i < 1_000_000; i++) window.add(`user${(i * 7919) % 10_000}`, 1 + (i % 13));
  const windowDifficulty = 1e12; // wider than the ring: every remembered share counts
  let accounts = 0;
  const r = measure(
    'payouts',
    'PPLNS over a 1 M-share window (weights of 10 000 accounts, then the split of the reward)',
    () => {
      const { parts } = pplnsSplit(312_500_000n, 200, window.weights(windowDifficulty));
      accounts = parts.size;
    },
    { roundMs: 500, rounds: 5 },
  );
  r.extra = { ms: (r.nsPerOp / 1e6).toFixed(1), accounts, shares: window.size };
  results.push(r);
  return results;
}
