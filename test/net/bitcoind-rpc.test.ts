import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, hashToDisplay, parseBlock, parseTransaction, scriptToAddress } from '../../src/bitcoin/index.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { candidateFromGbt, type GbtResult } from '../../src/chain/gbt.js';
import { solveTemplate } from '../../src/chain/template-solver.js';
import { finishTemplate } from '../../src/chain/template.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { RpcClient, RpcError, RpcTransportError } from '../../src/net/bitcoind/rpc-client.js';
import { RpcServer } from '../../src/net/bitcoind/rpc-server.js';
import { fakeClock, PAYOUT } from '../support/chain.js';

const AUTH = { user: 'alice', password: 'secret' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(opts: { longpollMempoolSeconds?: number } = {}) {
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  const chain = new EmbeddedChain({ clock: clock.now });
  const server = new RpcServer({ chain, auth: AUTH, ...opts });
  const { url } = await server.listen();
  const client = new RpcClient({ url, auth: AUTH });
  cleanups.push(() => client.close(), () => server.close());
  return { chain, server, client, url, clock };
}

describe('embedded chain RPC server (bitcoind shapes, real HTTP)', () => {
  it('answers chain queries and generatetoaddress', async () => {
    const { client, chain } = await node();
    const address = scriptToAddress(PAYOUT, 'regtest')!;
    const hashes = await client.call<string[]>('generatetoaddress', [3, address]);
    expect(hashes).toHaveLength(3);
    const info = await client.call<Record<string, unknown>>('getblockchaininfo');
    expect(info).toMatchObject({ chain: 'regtest', blocks: 3, headers: 3, bestblockhash: hashes[2], initialblockdownload: false });
    expect(await client.call('getbestblockhash')).toBe(hashes[2]);
    expect(await client.call('getblockcount')).toBe(3);
    expect(await client.call('getblockhash', [0])).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');

    const raw = await client.call<string>('getblock', [hashes[1], 0]);
    expect(hashToDisplay(parseBlock(fromHex(raw)).hash)).toBe(hashes[1]);
    const b1 = await client.call<Record<string, unknown>>('getblock', [hashes[1]]);
    expect(b1).toMatchObject({ hash: hashes[1], height: 2, confirmations: 2, nTx: 1, previousblockhash: hashes[0], nextblockhash: hashes[2], bits: '207fffff' });
    const b2 = await client.call<{ tx: { vout: { scriptPubKey: { address?: string; type: string } }[] }[] }>('getblock', [hashes[1], 2]);
    expect(b2.tx[0]!.vout[0]!.scriptPubKey).toMatchObject({ address, type: 'witness_v0_keyhash' });
    expect(b2.tx[0]!.vout[1]!.scriptPubKey.type).toBe('nulldata');
    const header = await client.call<string>('getblockheader', [hashes[1], false]);
    expect(header).toBe(raw.slice(0, 160));
    expect(await client.call('getblockheader', [hashes[1]])).toMatchObject({ hash: hashes[1], height: 2, nTx: 1 });
    expect(chain.height).toBe(3);

    await expect(client.call('getblock', ['00'.repeat(32)])).rejects.toMatchObject({ rpcCode: -5 });
    await expect(client.call('generatetoaddress', [1, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'])).rejects.toMatchObject({ rpcCode: -5, detail: 'Error: Invalid address' });
    await expect(client.call('nosuchmethod')).rejects.toBeInstanceOf(RpcError);
    await expect(client.call('nosuchmethod')).rejects.toMatchObject({ rpcCode: -32601 });
  });

  it('serves the mempool: getrawmempool, getmempoolentry, getrawtransaction, sendrawtransaction', async () => {
    const { client, chain } = await node();
    const gen = new TxGenerator(chain, { seed: 'rpc', targetCoins: 5 });
    chain.generate(101, gen.script);
    expect(gen.generate(1)).toBe(1);
    const [txid] = await client.call<string[]>('getrawmempool');
    const entry = await client.call<Record<string, unknown>>('getmempoolentry', [txid]);
    expect(entry).toMatchObject({ ancestorcount: 1, descendantcount: 1, depends: [], 'bip125-replaceable': true });
    expect((entry.fees as { base: number }).base).toBeGreaterThan(0);
    const hex = await client.call<string>('getrawtransaction', [txid]);
    const parent = parseTransaction(fromHex(hex));
    expect(hashToDisplay(parent.txid)).toBe(txid);

    const child = gen.sign({ version: 2, inputs: [{ prevTxid: parent.txid, prevVout: 0, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }], outputs: [{ value: parent.outputs[0]!.value - 10_000n, script: PAYOUT }], locktime: 0 }, [parent.outputs[0]!.value]);
    const childId = await client.call<string>('sendrawtransaction', [bytesToHex(child)]);
    expect((await client.call<Record<string, unknown>>('getmempoolentry', [childId])).depends).toEqual([txid]);
    expect(Object.keys(await client.call<object>('getrawmempool', [true])).sort()).toEqual([txid, childId].sort());
    await expect(client.call('sendrawtransaction', ['00'])).rejects.toMatchObject({ rpcCode: -22 });
    const spentTwice = gen.sign({ version: 2, inputs: [{ prevTxid: parent.txid, prevVout: 0, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }], outputs: [{ value: 1000n, script: PAYOUT }], locktime: 0 }, [parent.outputs[0]!.value]);
    await expect(client.call('sendrawtransaction', [bytesToHex(spentTwice)])).rejects.toMatchObject({ rpcCode: -26, detail: 'txn-mempool-conflict' });

    chain.generate(1, PAYOUT);
    const verbose = await client.call<Record<string, unknown>>('getrawtransaction', [txid, true]);
    expect(verbose).toMatchObject({ txid, confirmations: 1, blockhash: hashToDisplay(chain.tip.hash) });
    await expect(client.call('getmempoolentry', [txid])).rejects.toMatchObject({ rpcCode: -5 });
  });

  it('getblocktemplate → mine → submitblock, with Core reject reasons', async () => {
    const { client, chain } = await node();
    await expect(client.call('getblocktemplate', [{}])).rejects.toMatchObject({ rpcCode: -8, detail: expect.stringMatching(/segwit rule/) });
    const gbt = await client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'] }]);
    expect(gbt).toMatchObject({ height: 1, bits: '207fffff', coinbasevalue: 5_000_000_000, previousblockhash: hashToDisplay(chain.tip.hash), transactions: [] });
    expect(gbt.default_witness_commitment).toMatch(/^6a24aa21a9ed/);
    expect(gbt.longpollid).toBeTypeOf('string');
    const template = finishTemplate(candidateFromGbt(gbt), { maxAdditionalSize: 0, maxAdditionalSigops: 0 }, 1n);
    const block = solveTemplate(template, { payoutScript: PAYOUT })!;
    expect(await client.call('submitblock', [bytesToHex(block)])).toBeNull();
    expect(chain.height).toBe(1);
    expect(await client.call('submitblock', [bytesToHex(block)])).toBe('duplicate');
    const stale = solveTemplate(template, { payoutScript: PAYOUT, extranonce: new Uint8Array(8).fill(1) })!;
    expect(await client.call('submitblock', [bytesToHex(stale)])).toBe('inconclusive-not-best-prevblk');
    await expect(client.call('submitblock', ['zz'])).rejects.toMatchObject({ rpcCode: -22 });
  });

  it('long polling returns when the tip changes', async () => {
    const { client, chain } = await node();
    const first = await client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'] }]);
    let settled = false;
    const pending = client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'], longpollid: first.longpollid }], { timeoutMs: 0 }).finally(() => (settled = true));
    // The server holds the request: a quick unrelated call completes while it waits.
    expect(await client.call('getblockcount')).toBe(0);
    expect(settled).toBe(false);
    chain.generate(1, PAYOUT);
    const next = await pending;
    expect(next.previousblockhash).toBe(hashToDisplay(chain.tip.hash));
    expect(next.longpollid).not.toBe(first.longpollid);
  });

  it('long polling also returns on mempool changes after the configured delay', async () => {
    const { client, chain } = await node({ longpollMempoolSeconds: 0 });
    const gen = new TxGenerator(chain, { seed: 'lp', targetCoins: 3 });
    chain.generate(101, gen.script);
    const first = await client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'] }]);
    const pending = client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'], longpollid: first.longpollid }], { timeoutMs: 0 });
    await client.call('getblockcount');
    gen.generate(1);
    const next = await pending;
    expect(next.transactions).toHaveLength(1);
    expect(next.previousblockhash).toBe(first.previousblockhash);
  });

  it('authenticates with user/password or a cookie file, and refuses anything else', async () => {
    const { url } = await node();
    const wrong = new RpcClient({ url, auth: { user: 'alice', password: 'nope' } });
    cleanups.push(() => wrong.close());
    await expect(wrong.call('getblockcount')).rejects.toMatchObject({ name: 'RpcTransportError', status: 401 });

    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-rpc-'));
    const chain = new EmbeddedChain({ clock: fakeClock().now });
    const server = new RpcServer({ chain, auth: { cookieDir: dir } });
    const bound = await server.listen();
    expect(bound.cookieFile && existsSync(bound.cookieFile)).toBe(true);
    const client = new RpcClient({ url: bound.url, auth: { cookieFile: bound.cookieFile! } });
    expect(await client.call('getblockcount')).toBe(0);
    client.close();
    await server.close();
    expect(existsSync(bound.cookieFile!)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a node that is not there as a transport error', async () => {
    const { url, server } = await node();
    await server.close();
    const client = new RpcClient({ url, auth: AUTH, timeoutMs: 2000 });
    cleanups.push(() => client.close());
    await expect(client.call('getblockcount')).rejects.toBeInstanceOf(RpcTransportError);
  });
});

describe('embedded chain RPC server: bad requests', () => {
  it('answers malformed requests with JSON-RPC errors and keeps serving', async () => {
    const chain = new EmbeddedChain({ clock: fakeClock().now });
    const server = new RpcServer({ chain, auth: AUTH, maxBodyBytes: 4096 });
    const { url } = await server.listen();
    cleanups.push(() => server.close());
    const auth = 'Basic ' + Buffer.from('alice:secret').toString('base64');
    const post = async (body: string) => {
      const r = await fetch(url, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body });
      return { status: r.status, text: await r.text() };
    };
    expect(await post('{not json')).toMatchObject({ status: 500, text: expect.stringContaining('-32700') });
    expect(await post('{"id":1}')).toMatchObject({ status: 400 });
    expect(await post('{"method":"getblockhash","params":["x"],"id":1}')).toMatchObject({ status: 500, text: expect.stringContaining('"code":-3') });
    expect(await post('{"method":"getblock","params":[42],"id":1}')).toMatchObject({ status: 500, text: expect.stringContaining('"code":-8') });
    expect(await post('{"method":"getblockhash","params":[5],"id":1}')).toMatchObject({ status: 500, text: expect.stringContaining('out of range') });
    expect(await post('{"jsonrpc":"2.0","method":"nope","id":7}')).toMatchObject({ status: 200, text: expect.stringContaining('-32601') });
    expect(await post('x'.repeat(5000))).toMatchObject({ status: 413 });
    const batch = JSON.parse((await post('[{"method":"getblockcount","id":1},{"method":"nope","id":2}]')).text) as { result: unknown; error: unknown }[];
    expect(batch[0]).toMatchObject({ result: 0, error: null });
    expect(batch[1]!.error).toMatchObject({ code: -32601 });
    const client = new RpcClient({ url, auth: AUTH });
    cleanups.push(() => client.close());
    expect(await client.call('getblockcount')).toBe(0);
  });
});
