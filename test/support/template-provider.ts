/** Helpers for the Template Provider tests: a funded embedded chain, a TDP client, and mining on what the wire carried. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { hashHeaderFields, hashMeetsTarget, jobMerkleRoot, joinCoinbase } from '../../src/bitcoin/index.js';
import type { TxOut } from '../../src/bitcoin/tx.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { EmbeddedTemplateSource } from '../../src/chain/embedded-source.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { coinbaseTag, workFromTemplate } from '../../src/channels/work.js';
import type { Messages } from '../../src/messages/index.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import type { Backend } from '../../src/roles/template-provider/backend.js';
import { loadTpConfig, type TpConfig } from '../../src/roles/template-provider/config.js';
import { TemplateProvider, type BlockReport } from '../../src/roles/template-provider/template-provider.js';
import { TestClient } from './sv2-test-client.js';

export const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]);
export const authority = AuthorityKeyPair.generate();

/**
 * A chain whose wallet holds at least `coins` confirmed coins, mempool empty. The generator pays a
 * fixed 10 sat/vB, and once grown makes 1–2 output transactions: 1 100–1 410 sat of fee each.
 */
export function fundedChain(coins = 150): { chain: EmbeddedChain; gen: TxGenerator } {
  const chain = new EmbeddedChain();
  const gen = new TxGenerator(chain, { seed: 'tp-test', minFeeRate: 10, maxFeeRate: 10, targetCoins: coins, maxOutputs: 25 });
  chain.generate(101, gen.script);
  while (gen.spendable().length < coins) {
    gen.generate(coins);
    chain.generate(1, PAYOUT);
  }
  return { chain, gen };
}

/** A TP config from TP__ variables (the path a user's environment takes). */
export function tpConfig(env: Record<string, string> = {}): TpConfig {
  return loadTpConfig(undefined, {
    TP__LISTEN_ADDRESS: '127.0.0.1:0',
    // every test peer is 127.0.0.1: a cut peer must not lock the next test out (the penalty has its own test)
    TP__ABUSE_PENALTY_MAX_SECS: '0',
    TP__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    TP__AUTHORITY_SECRET_KEY: authority.secretToString(),
    ...env,
  });
}

/** The embedded chain as a backend, its source built with the config's fee delta and cache size. */
export function embeddedBackend(chain: EmbeddedChain, cfg: TpConfig): Backend {
  const source = new EmbeddedTemplateSource(chain, { feeDelta: BigInt(cfg.fee_delta_sats), cacheSize: cfg.template_cache_size });
  return { kind: 'embedded', source, connected: () => true, close: () => source.close() };
}

export async function startTp(chain: EmbeddedChain, env: Record<string, string> = {}, logger?: Logger): Promise<TemplateProvider> {
  const config = tpConfig(env);
  return TemplateProvider.start({ config, backend: embeddedBackend(chain, config), logger });
}

/** A logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface Tdp {
  client: TestClient;
  /** The answer to CoinbaseOutputConstraints. */
  template: Messages['NewTemplate'];
  prevHash: Messages['SetNewPrevHashTdp'];
}

/** Connects as a TDP client (pool or JD client), sets up protocol 2 and sends its constraints; resolves with the first template. */
export async function tdpClient(port: number, constraints: { size: number; sigops: number } = { size: 64, sigops: 400 }): Promise<Tdp> {
  const client = await TestClient.connect(port, authority.publicKey.toString());
  await client.send('SetupConnection', {
    protocol: 2, minVersion: 2, maxVersion: 2, flags: 0, endpointHost: '127.0.0.1', endpointPort: port,
    vendor: 'tp-test', hardwareVersion: '', firmware: '', deviceId: '',
  });
  const ok = await client.next();
  if (ok.name !== 'SetupConnectionSuccess') throw new Error(`setup refused: ${JSON.stringify(ok)}`);
  await client.send('CoinbaseOutputConstraints', { coinbaseOutputMaxAdditionalSize: constraints.size, coinbaseOutputMaxAdditionalSigops: constraints.sigops });
  const first = await client.next();
  const second = await client.next();
  if (first.name !== 'NewTemplate' || second.name !== 'SetNewPrevHashTdp') throw new Error(`expected NewTemplate + SetNewPrevHash, got ${first.name}, ${second.name}`);
  return { client, template: first.message, prevHash: second.message };
}

export interface SolveOptions {
  /** Find a nonce whose hash misses the target. */
  wantHighHash?: boolean;
  /** Our outputs (default: the whole value to PAYOUT). */
  outputs?: TxOut[];
}

/**
 * Mines a template as a pool does: the coinbase from NewTemplate with the pool's construction
 * (workFromTemplate), the merkle root from its path, nonces ground on the header fields of
 * SetNewPrevHash. Returns the SubmitSolution.
 */
export function solve(t: Messages['NewTemplate'], p: Messages['SetNewPrevHashTdp'], opts: SolveOptions = {}): Messages['SubmitSolution'] {
  const work = workFromTemplate(t, {
    fullExtranonceSize: 8,
    ...(opts.outputs ? { outputs: opts.outputs } : { rewardScript: PAYOUT }),
    tag: coinbaseTag('tp-test'),
  });
  const extranonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const root = jobMerkleRoot(work.coinbase.strippedPrefix, extranonce, work.coinbase.strippedSuffix, work.merklePath);
  let nonce = 0;
  while (hashMeetsTarget(hashHeaderFields(t.version, p.prevHash, root, p.headerTimestamp, p.nbits, nonce), p.target) === (opts.wantHighHash ?? false)) nonce++;
  return { templateId: t.templateId, version: t.version, headerTimestamp: p.headerTimestamp, headerNonce: nonce, coinbaseTx: joinCoinbase(work.coinbase.prefix, extranonce, work.coinbase.suffix) };
}

/** Resolves with the next 'block' report of the provider. */
export function nextBlock(tp: TemplateProvider): Promise<BlockReport> {
  return new Promise((resolve) => tp.once('block', resolve));
}
