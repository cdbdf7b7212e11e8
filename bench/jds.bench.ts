/**
 * Job Declarator: DeclareMiningJob of a 3 000-transaction template, from the JD client's send to
 * its DeclareMiningJob.Success, over Noise on loopback into our real pool (embedded chain). Two
 * cases: every transaction already in the pool's mempool (wtxid lookups, then the node's proposal
 * check with signatures cached from mempool acceptance), and none of them there
 * (ProvideMissingTransactions with all 3 000). The chain still holds their verified signatures in
 * its script cache, so the second case measures the round trip and the wire, not 3 000 ECDSA
 * verifications (the chain suite's 'every signature verified' figure is that cost).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { BenchResult, Suite } from './harness.js';
import { fixture } from './chain.bench.js';
import { EmbeddedTemplateSource } from '../src/chain/embedded-source.js';
import { AuthorityKeyPair } from '../src/noise/authority-key.js';
import { SourceTemplateFeed } from '../src/roles/common/template-feed.js';
import { loadPoolConfig } from '../src/roles/pool/config.js';
import { Pool } from '../src/roles/pool/pool.js';
// The test JD client: built from the library's own pieces, it is what a JD client sends.
import { TestJdClient } from '../test/support/jd-client.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const suite: Suite = async () => {
  const { chain } = fixture();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sv2-jds-bench-'));
  const authority = AuthorityKeyPair.generate();
  const config = loadPoolConfig(undefined, {
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    POOL__ACCOUNTING_DB: path.join(dir, 'pool.sqlite'),
    POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0',
  });
  const pool = await Pool.start({ config, feed: new SourceTemplateFeed(new EmbeddedTemplateSource(chain)) });
  const jdc = await TestJdClient.connect({ jdsPort: pool.jd!.port, poolPort: pool.port, authority: authority.publicKey.toString() });
  const results: BenchResult[] = [];
  try {
    const declareOnce = async (candidate: ReturnType<typeof chain.candidate>): Promise<{ ms: number; txs: number; asked: number }> => {
      const { token, required } = await jdc.allocate();
      const job = jdc.build(candidate, required, token);
      let asked = 0;
      const t0 = performance.now();
      const answer = await jdc.declare(job, (p) => (asked = p.length));
      const ms = performance.now() - t0;
      if (answer.name !== 'DeclareMiningJobSuccess') throw new Error(`declaration refused: ${JSON.stringify(answer.message)}`);
      return { ms, txs: job.template.transactions.length, asked };
    };
    const candidate = chain.candidate();
    const known: number[] = [];
    let txs = 0;
    for (let i = 0; i < 12; i++) {
      const r = await declareOnce(candidate);
      txs = r.txs;
      if (i >= 2) known.push(r.ms); // the first rounds warm the JIT
    }
    const ms = median(known);
    results.push({ suite: 'jds', name: `DeclareMiningJob → Success, ${txs} txs all in the pool's mempool`, nsPerOp: ms * 1e6, opsPerSec: 1000 / ms, extra: { ms: ms.toFixed(1), rounds: known.length } });

    // The same transactions, none of them in the pool's mempool any more.
    for (const e of [...chain.mempool.values()]) chain.mempool.removeWithDescendants(e.key);
    const unknown: number[] = [];
    let asked = 0;
    for (let i = 0; i < 5; i++) {
      const r = await declareOnce(candidate);
      asked = r.asked;
      if (i >= 1) unknown.push(r.ms);
    }
    const ms2 = median(unknown);
    results.push({ suite: 'jds', name: `DeclareMiningJob → Success, ${txs} txs the pool's mempool lacks (all 3 000 sent back; signatures cached)`, nsPerOp: ms2 * 1e6, opsPerSec: 1000 / ms2, extra: { ms: ms2.toFixed(1), asked, rounds: unknown.length } });
  } finally {
    await jdc.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
};

export default suite;
