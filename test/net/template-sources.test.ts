import { afterEach, describe, expect, it } from 'vitest';
import { hashHeaderFields, hashMeetsTarget, jobMerkleRoot, joinCoinbase, parseBlock } from '../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { EmbeddedTemplateSource } from '../../src/chain/embedded-source.js';
import type { BlockTemplate, CoinbaseConstraints } from '../../src/chain/template.js';
import { templateCoinbase } from '../../src/chain/template.js';
import type { TemplateCause, TemplateSource } from '../../src/chain/template-source.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { RpcClient } from '../../src/net/bitcoind/rpc-client.js';
import { RpcServer } from '../../src/net/bitcoind/rpc-server.js';
import { RpcTemplateSource, type ConnectionEvent } from '../../src/net/bitcoind/rpc-template-source.js';
import { fakeClock, PAYOUT } from '../support/chain.js';

const AUTH = { user: 'u', password: 'p' };
const C: CoinbaseConstraints = { maxAdditionalSize: 64, maxAdditionalSigops: 4 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  chain: EmbeddedChain;
  source: TemplateSource;
}

async function embedded(): Promise<Setup> {
  const chain = new EmbeddedChain({ clock: fakeClock(Math.floor(Date.now() / 1000)).now });
  const source = new EmbeddedTemplateSource(chain);
  await source.start();
  cleanups.push(() => source.close());
  return { chain, source };
}

async function rpc(): Promise<Setup & { server: RpcServer; port: number; rpcSource: RpcTemplateSource }> {
  const chain = new EmbeddedChain({ clock: fakeClock(Math.floor(Date.now() / 1000)).now });
  const server = new RpcServer({ chain, auth: AUTH, longpollMempoolSeconds: 0 });
  const { url, port } = await server.listen();
  const source = new RpcTemplateSource({ client: new RpcClient({ url, auth: AUTH }), backoffInitialMs: 20, backoffMaxMs: 100 });
  await source.start();
  cleanups.push(() => server.close(), () => source.close());
  return { chain, source, server, port, rpcSource: source };
}

function nextTemplate(source: TemplateSource, constraints = C): Promise<{ t: BlockTemplate; cause: TemplateCause }> {
  return new Promise((resolve) => {
    const off = source.onTemplate(constraints, (t, cause) => {
      off();
      resolve({ t, cause });
    });
  });
}

/** Resolves once the source has seen the chain's tip at `height` (the RPC backend lags by a long poll). */
function tipAt(source: TemplateSource, height: number): Promise<void> {
  return new Promise((resolve) => {
    if (source.tip()?.height === height) return resolve();
    const off = source.onNewTip((tip) => {
      if (tip.height === height) {
        off();
        resolve();
      }
    });
  });
}

/** Mines a template as a pool would: coinbase with an extranonce, merkle root from the path, nonce search. */
function mine(t: BlockTemplate, wantHighHash = false) {
  const extranonce = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1);
  const parts = templateCoinbase(t, { outputs: [{ value: t.coinbaseValue, script: PAYOUT }], tag: new TextEncoder().encode('/sv2/'), extranonceSize: 8 });
  const root = jobMerkleRoot(parts.strippedPrefix, extranonce, parts.strippedSuffix, t.merklePath);
  let nonce = 0;
  while (hashMeetsTarget(hashHeaderFields(t.version, t.prevHash, root, t.time, t.bits, nonce), t.target) === wantHighHash) nonce++;
  return { templateId: t.id, version: t.version, time: t.time, nonce, coinbase: joinCoinbase(parts.prefix, extranonce, parts.suffix) };
}

describe.each([
  ['embedded chain', embedded],
  ['bitcoind RPC backend (against the embedded chain over HTTP)', rpc],
] as const)('TemplateSource: %s', (_name, setup) => {
  it('serves templates for the tip and keeps them by id', async () => {
    const { chain, source } = await setup();
    expect(source.tip()).toMatchObject({ height: 0, hash: chain.tip.hash, nextBits: 0x207fffff });
    const t = await source.currentTemplate(C);
    expect(t).toMatchObject({ height: 1, coinbaseValue: 5_000_000_000n, bits: 0x207fffff, constraints: C });
    expect(t.prevHash).toEqual(chain.tip.hash);
    expect(source.template(t.id)).toBe(t);
    expect(source.transactionsOf(t.id)).toEqual([]);
    expect(source.transactionsOf(t.id + 1000n)).toBeUndefined();
  });

  it('pushes a template and a tip on every new block', async () => {
    const { chain, source } = await setup();
    const tip = new Promise((resolve) => source.onNewTip(resolve));
    const pushed = nextTemplate(source);
    chain.generate(1, PAYOUT);
    const { t, cause } = await pushed;
    expect(cause).toBe('new-tip');
    expect(t.height).toBe(2);
    expect(t.prevHash).toEqual(chain.tip.hash);
    expect(await tip).toMatchObject({ height: 1 });
  });

  it('pushes a template when fees rise, carrying the mempool transactions', async () => {
    const { chain, source } = await setup();
    const gen = new TxGenerator(chain, { seed: 'fees', targetCoins: 4, minFeeRate: 20, maxFeeRate: 20 });
    const atTip = tipAt(source, 101);
    chain.generate(101, gen.script);
    await atTip;
    const pushed = nextTemplate(source);
    expect(gen.generate(2)).toBe(2);
    const { t, cause } = await pushed;
    expect(cause).toBe('fees');
    expect(t.transactions).toHaveLength(2);
    expect(t.fees).toBeGreaterThanOrEqual(1000n);
    expect(source.transactionsOf(t.id)).toEqual(t.transactions.map((x) => x.data));
  });

  it('turns a solution into a block the chain accepts', async () => {
    const { chain, source } = await setup();
    const gen = new TxGenerator(chain, { seed: 'solve', targetCoins: 4 });
    const atTip = tipAt(source, 101);
    chain.generate(101, gen.script);
    await atTip;
    const withFees = nextTemplate(source);
    gen.generate(2);
    const { t } = await withFees;
    expect(await source.submitSolution(mine(t, true))).toMatchObject({ accepted: false, reason: 'high-hash' });
    expect(chain.height).toBe(101);
    const r = await source.submitSolution(mine(t));
    expect(r).toMatchObject({ accepted: true });
    expect(chain.height).toBe(102);
    expect(r.hash).toEqual(chain.tip.hash);
    const block = parseBlock(chain.readBlock(chain.tip));
    expect(block.transactions).toHaveLength(3);
    expect(chain.mempool.size).toBe(0);
    expect(await source.submitSolution({ ...mine(t), templateId: 999_999n })).toEqual({ accepted: false, reason: 'unknown-template' });
  });
});

describe.each([
  ['embedded chain', embedded],
  ['bitcoind RPC backend (getblockheader)', rpc],
] as const)('block depth, for found blocks\' confirmations: %s', (_name, setup) => {
  it('counts a block\'s confirmations as the chain grows; an unknown block has none', async () => {
    const { chain, source } = await setup();
    const [found] = chain.generate(1, PAYOUT);
    expect(await source.blockDepth!(found!)).toBe(1);
    chain.generate(99, PAYOUT);
    expect(await source.blockDepth!(found!)).toBe(100);
    expect(await source.blockDepth!(new Uint8Array(32).fill(9))).toBeUndefined();
  });
});

describe('bitcoind RPC backend: the node going away', () => {
  it('reports the loss, reconnects with backoff and carries on', async () => {
    const { chain, server, port, rpcSource } = await rpc();
    const events: ConnectionEvent[] = [];
    const down = new Promise<void>((resolve) =>
      rpcSource.onConnection((e) => {
        events.push(e);
        if (!e.connected) resolve();
      }),
    );
    await server.close();
    await down;
    expect(rpcSource.isConnected).toBe(false);
    expect(events[0]).toMatchObject({ connected: false });

    const up = new Promise<void>((resolve) => rpcSource.onConnection((e) => e.connected && resolve()));
    const again = new RpcServer({ chain, auth: AUTH, port });
    await again.listen();
    cleanups.push(() => again.close());
    await up;
    expect(rpcSource.isConnected).toBe(true);
    const pushed = nextTemplate(rpcSource);
    chain.generate(1, PAYOUT);
    expect((await pushed).t.height).toBe(2);
  });
});
