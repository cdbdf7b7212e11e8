import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hashHeaderFields, hashMeetsTarget, hashToDisplay, jobMerkleRoot, joinCoinbase, parseBlock } from '../../src/bitcoin/index.js';
import { findWitnessCommitment } from '../../src/bitcoin/witness.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { REGTEST_PARAMS } from '../../src/chain/params.js';
import { templateCoinbase, type BlockTemplate } from '../../src/chain/template.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { NODE_UNREACHABLE } from '../../src/net/bitcoind/block-submitter.js';
import { RpcClient } from '../../src/net/bitcoind/rpc-client.js';
import { RpcServer } from '../../src/net/bitcoind/rpc-server.js';
import { RpcTemplateSource } from '../../src/net/bitcoind/rpc-template-source.js';
import { PAYOUT } from '../support/chain.js';
import { nextConnection, nextSubmitEvent } from '../support/node-link.js';
import { spawnRole } from '../support/spawn-role.js';
import { tempPath } from '../support/temp.js';

const AUTH = { user: 'u', password: 'p' };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The coinbase and header a pool would build for a template, with a nonce that meets its target. */
function mine(t: BlockTemplate) {
  const extranonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const parts = templateCoinbase(t, { outputs: [{ value: t.coinbaseValue, script: PAYOUT }], extranonceSize: 8 });
  const root = jobMerkleRoot(parts.strippedPrefix, extranonce, parts.strippedSuffix, t.merklePath);
  let nonce = 0;
  while (!hashMeetsTarget(hashHeaderFields(t.version, t.prevHash, root, t.time, t.bits, nonce), t.target)) nonce++;
  return { templateId: t.id, version: t.version, time: t.time, nonce, coinbase: joinCoinbase(parts.prefix, extranonce, parts.suffix) };
}

function fastSource(url: string, foundBlocksDir?: string): RpcTemplateSource {
  const source = new RpcTemplateSource({
    ...(foundBlocksDir === undefined ? {} : { foundBlocksDir }),
    client: new RpcClient({ url, auth: AUTH }),
    livenessIntervalMs: 50,
    livenessTimeoutMs: 300,
    requestTimeoutMs: 400,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
  });
  cleanups.push(() => source.close());
  return source;
}

describe('the link to a frozen node (SIGSTOP)', () => {
  it('is seen as down within the liveness timeout, and a submit that timed out is not called rejected: the node has the block on resume', async () => {
    const node = spawnRole(['node', '--rpc-port', '0', '--rpc-user', AUTH.user, '--rpc-password', AUTH.password, '--tx-rate', '0'], {});
    cleanups.push(async () => {
      node.child.kill('SIGCONT');
      node.child.kill('SIGTERM');
      await node.exited;
    });
    const url = (await node.waitFor(/bitcoind-compatible RPC on (http:\/\/\S+)/))[1]!;
    const source = fastSource(url);
    await source.start();
    // start() resolves on the first template; the link is marked up right after it.
    await expect.poll(() => source.isConnected).toBe(true);
    const t = await source.currentTemplate();

    const down = nextConnection(source, false);
    const frozenAt = performance.now();
    node.child.kill('SIGSTOP');
    const ev = await down;
    expect(performance.now() - frozenAt).toBeLessThan(2000);
    expect(ev.error).toMatch(/no answer/);

    const kept = nextSubmitEvent(source, 'queued');
    const outcome = source.submitSolution(mine(t));
    expect((await kept).error).toMatch(/no answer within/);
    const up = nextConnection(source, true);
    node.child.kill('SIGCONT');
    const o = await outcome;
    expect(o).toMatchObject({ accepted: true });
    expect((await up).downForMs).toBeGreaterThan(0);
    const best = await new RpcClient({ url, auth: AUTH }).call<string>('getbestblockhash');
    expect(best).toBe(hashToDisplay(o.hash!));
  });
});

describe('the link to a node process that is killed', () => {
  it('keeps a block found while `sv2 node` is dead (SIGKILL) and hands it over when it is back on its data directory', async () => {
    const datadir = tempPath('node-data');
    const args = (port: string) => ['node', '--datadir', datadir, '--rpc-port', port, '--rpc-user', AUTH.user, '--rpc-password', AUTH.password, '--tx-rate', '0'];
    const first = spawnRole(args('0'), {});
    cleanups.push(async () => {
      first.child.kill('SIGKILL');
      await first.exited;
    });
    const url = (await first.waitFor(/bitcoind-compatible RPC on (http:\/\/\S+)/))[1]!;
    const source = fastSource(url);
    await source.start();
    const t = await source.currentTemplate();

    const down = nextConnection(source, false);
    first.child.kill('SIGKILL');
    await first.exited;
    await down;
    const kept = nextSubmitEvent(source, 'queued');
    const outcome = source.submitSolution(mine(t));
    const hash = (await kept).hash;

    const second = spawnRole(args(new URL(url).port), {});
    cleanups.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    expect(await outcome).toMatchObject({ accepted: true });
    const client = new RpcClient({ url, auth: AUTH });
    cleanups.push(() => client.close());
    expect(await client.call('getbestblockhash')).toBe(hash);
    expect(await client.call('getblockcount')).toBe(1);
  });
});

describe('found blocks on disk', () => {
  it('a block kept when the source stops with the node away is submitted by the next start, then its file is gone', async () => {
    const chain = new EmbeddedChain();
    const server = new RpcServer({ chain, auth: AUTH, longpollMempoolSeconds: 0 });
    const { url, port } = await server.listen();
    const dir = tempPath('found-blocks');
    const first = fastSource(url, dir);
    await first.start();
    const t = await first.currentTemplate();
    const down = nextConnection(first, false);
    await server.close();
    await down;
    const kept = nextSubmitEvent(first, 'queued');
    const outcome = first.submitSolution(mine(t));
    const hash = (await kept).hash;
    expect(readdirSync(dir)).toEqual([`${hash}.block`]);
    await first.close();
    expect(await outcome).toMatchObject({ accepted: false, reason: NODE_UNREACHABLE });
    expect(readdirSync(dir)).toEqual([`${hash}.block`]);

    const again = new RpcServer({ chain, auth: AUTH, port, longpollMempoolSeconds: 0 });
    await again.listen();
    cleanups.push(() => again.close());
    const second = fastSource(url, dir);
    const restored = nextSubmitEvent(second, 'restored');
    const resubmitted = nextSubmitEvent(second, 'resubmitted');
    await second.start();
    expect((await restored).hashes).toEqual([hash]);
    expect((await resubmitted).outcome).toMatchObject({ accepted: true });
    expect(hashToDisplay(chain.tip.hash)).toBe(hash);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a chain where segwit activates late', () => {
  it('gets templates with no witness commitment, no coinbase witness and no witness transactions before activation, and with them after; the node takes both', async () => {
    const chain = new EmbeddedChain({ params: { ...REGTEST_PARAMS, segwitHeight: 103 } });
    const gen = new TxGenerator(chain, { seed: 'late-segwit', targetCoins: 4 });
    chain.generate(101, gen.script);
    const server = new RpcServer({ chain, auth: AUTH, longpollMempoolSeconds: 0 });
    const { url } = await server.listen();
    cleanups.push(() => server.close());
    const client = new RpcClient({ url, auth: AUTH });
    cleanups.push(() => client.close());
    const source = fastSource(url);
    await source.start();
    gen.generate(2);
    expect(chain.mempool.size).toBe(2);

    // Height 102: before activation.
    const gbt = await client.call<{ rules: string[]; default_witness_commitment?: string }>('getblocktemplate', [{ rules: ['segwit'] }]);
    expect(gbt.rules).not.toContain('!segwit');
    expect(gbt.default_witness_commitment).toBeUndefined();
    const pre = await source.currentTemplate();
    expect(pre.height).toBe(102);
    expect(findWitnessCommitment(pre.coinbaseOutputs)).toBe(-1);
    expect(pre.transactions).toHaveLength(0);
    const r1 = await source.submitSolution(mine(pre));
    expect(r1).toMatchObject({ accepted: true });
    const b1 = parseBlock(chain.readBlock(chain.tip));
    expect(b1.transactions[0]!.inputs[0]!.witness).toHaveLength(0);

    // Height 103: segwit is active.
    await expect.poll(() => source.tip()?.height).toBe(102);
    const post = await source.currentTemplate();
    expect(post.height).toBe(103);
    expect(findWitnessCommitment(post.coinbaseOutputs)).toBe(0);
    expect(post.transactions).toHaveLength(2);
    expect(await source.submitSolution(mine(post))).toMatchObject({ accepted: true });
    const b2 = parseBlock(chain.readBlock(chain.tip));
    expect(b2.transactions).toHaveLength(3);
    expect(b2.transactions[0]!.inputs[0]!.witness).toHaveLength(1);
  });
});
