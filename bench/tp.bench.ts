/**
 * Template Provider: time from a new tip to NewTemplate + SetNewPrevHash at a connected client
 * (Noise, loopback, both ends in this process), with an empty and a 3 000-transaction mempool, and
 * the answer to a new client's CoinbaseOutputConstraints. The raw template build is the chain
 * suite's figure; here it is measured through the provider, on the wire.
 */
import type { BenchResult } from './harness.js';
import { fixture } from './chain.bench.js';
import { EmbeddedChain } from '../src/chain/chain.js';
import { EmbeddedTemplateSource } from '../src/chain/embedded-source.js';
import { solveTemplate } from '../src/chain/template-solver.js';
import { finishTemplate } from '../src/chain/template.js';
import { connect } from '../src/net/client.js';
import type { Connection } from '../src/net/connection.js';
import { AuthorityKeyPair } from '../src/noise/authority-key.js';
import { loadTpConfig } from '../src/roles/template-provider/config.js';
import { TemplateProvider } from '../src/roles/template-provider/template-provider.js';

const SUITE = 'tp';
const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]);
const authority = AuthorityKeyPair.generate();

/** A provider on `chain`; `tipAt` is when the last tip connected (taken before the provider's own listener runs). */
async function providerOn(chain: EmbeddedChain): Promise<{ tp: TemplateProvider; tipAt: () => number }> {
  let at = 0;
  chain.onTip(() => (at = performance.now()));
  const config = loadTpConfig(undefined, {
    TP__LISTEN_ADDRESS: '127.0.0.1:0',
    TP__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    TP__AUTHORITY_SECRET_KEY: authority.secretToString(),
  });
  const source = new EmbeddedTemplateSource(chain, { feeDelta: BigInt(config.fee_delta_sats), cacheSize: config.template_cache_size });
  const tp = await TemplateProvider.start({ config, backend: { kind: 'embedded', source, connected: () => true, close: () => source.close() } });
  return { tp, tipAt: () => at };
}

interface BenchClient {
  conn: Connection;
  /** Resolves at the next SetNewPrevHash, with performance.now() at its arrival. */
  nextPrevHash(): Promise<number>;
}

/** A TDP client set up with distinct constraints; resolves once its first template and prev hash arrived. */
async function tdpClient(port: number, size: number): Promise<BenchClient & { answeredInMs: number }> {
  const conn = await connect({ host: '127.0.0.1', port, authority: authority.publicKey, maxFramePayload: 0xffffff });
  let waiter: ((t: number) => void) | undefined;
  let setUp: (() => void) | undefined;
  conn.on('message', (m) => {
    if (m.name === 'SetupConnectionSuccess') setUp?.();
    if (m.name === 'SetNewPrevHashTdp') waiter?.(performance.now());
  });
  const nextPrevHash = () => new Promise<number>((resolve) => (waiter = resolve));
  await new Promise<void>((resolve) => {
    setUp = resolve;
    void conn.send('SetupConnection', { protocol: 2, minVersion: 2, maxVersion: 2, flags: 0, endpointHost: '127.0.0.1', endpointPort: port, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
  });
  const first = nextPrevHash();
  const t0 = performance.now();
  await conn.send('CoinbaseOutputConstraints', { coinbaseOutputMaxAdditionalSize: size, coinbaseOutputMaxAdditionalSigops: 400 });
  const answeredInMs = (await first) - t0;
  return { conn, nextPrevHash, answeredInMs };
}

/** Mines a block with no transactions, so the mempool stays as it is. */
function emptyBlock(chain: EmbeddedChain): void {
  const t = finishTemplate(chain.candidate(), { maxAdditionalSize: 1_000_000, maxAdditionalSigops: 0 }, chain.nextTemplateId());
  if (t.transactions.length !== 0) throw new Error('the empty block has transactions');
  const r = chain.submitBlock(solveTemplate(t, { payoutScript: PAYOUT })!);
  if (!r.accepted) throw new Error(`bench block rejected: ${r.reason}`);
}

function summary(name: string, samplesMs: number[], extra: Record<string, string | number> = {}): BenchResult {
  const s = [...samplesMs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  const p90 = s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!;
  return { suite: SUITE, name, nsPerOp: median * 1e6, opsPerSec: 1000 / median, extra: { samples: s.length, p90_ms: p90.toFixed(2), ...extra } };
}

/** Tips mined with `mine`; per tip, the time until the last client has its SetNewPrevHash. */
async function tipLatency(chain: EmbeddedChain, clients: BenchClient[], tipAt: () => number, mine: () => void, tips: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < tips + 2; i++) {
    const arrived = clients.map((c) => c.nextPrevHash());
    mine();
    const last = Math.max(...(await Promise.all(arrived)));
    if (i >= 2) samples.push(last - tipAt()); // the first two warm up
  }
  return samples;
}

export default async function tpSuite(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // Empty mempool: the provider's own path (template, encode, encrypt, loopback, decode).
  {
    const chain = new EmbeddedChain();
    const { tp, tipAt } = await providerOn(chain);
    const c = await tdpClient(tp.port, 64);
    const samples = await tipLatency(chain, [c], tipAt, () => chain.generate(1, PAYOUT), 30);
    results.push(summary('new tip → NewTemplate + SetNewPrevHash at a client, empty mempool', samples));
    await c.conn.close();
    await tp.close();
  }

  // 3 000-transaction mempool (the chain suite's fixture), kept full by mining empty blocks.
  {
    const { chain, setupMs } = fixture();
    const mempool = chain.mempool.size;
    const { tp, tipAt } = await providerOn(chain);
    const answers: number[] = [];
    const clients: BenchClient[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await tdpClient(tp.port, 64 + i); // distinct constraints: one template build each
      answers.push(c.answeredInMs);
      clients.push(c);
    }
    results.push(summary(`CoinbaseOutputConstraints → first template + prev hash, ${mempool}-tx mempool`, answers, { setup_s: (setupMs / 1000).toFixed(1) }));
    await Promise.all(clients.slice(1).map((c) => c.conn.close()));
    const one = await tipLatency(chain, clients.slice(0, 1), tipAt, () => emptyBlock(chain), 10);
    results.push(summary(`new tip → NewTemplate + SetNewPrevHash at a client, ${mempool}-tx mempool`, one));
    // Clients with different constraints each get a template built for them.
    const extra: BenchClient[] = [];
    for (let i = 0; i < 3; i++) extra.push(await tdpClient(tp.port, 100 + i));
    const four = await tipLatency(chain, [clients[0]!, ...extra], tipAt, () => emptyBlock(chain), 10);
    results.push(summary(`new tip → last of 4 clients (distinct constraints), ${mempool}-tx mempool`, four));
    await Promise.all([clients[0]!, ...extra].map((c) => c.conn.close()));
    await tp.close();
  }
  return results;
}
