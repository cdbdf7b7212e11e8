/** `sv2 node`'s RPC answers against the shapes Bitcoin Core documents for them (its RPC help). */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { RpcClient } from '../../src/net/bitcoind/rpc-client.js';
import { RpcServer } from '../../src/net/bitcoind/rpc-server.js';
import { fakeClock, PAYOUT } from '../support/chain.js';

const AUTH = { user: 'alice', password: 'secret' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node() {
  const clock = fakeClock(1_700_000_000);
  const chain = new EmbeddedChain({ clock: clock.now });
  const server = new RpcServer({ chain, auth: AUTH, longpollMempoolSeconds: 0 });
  const { url } = await server.listen();
  const client = new RpcClient({ url, auth: AUTH });
  cleanups.push(() => client.close(), () => server.close());
  return { chain, client, url, clock };
}

type Tx = { txid: string; fee?: number; vin: { coinbase?: string; scriptSig?: { asm: string; hex: string }; prevout?: Record<string, unknown>; txinwitness?: string[] }[]; vout: { value: number; scriptPubKey: { asm: string; hex: string; type: string; address?: string } }[] };

describe('sv2 node RPC: the shapes Bitcoin Core answers with', () => {
  it('getblock verbosity 2 has each transaction\'s fee, 3 each input\'s prevout; scripts have asm', async () => {
    const { chain, client, clock } = await node();
    const gen = new TxGenerator(chain, { seed: 'shapes', targetCoins: 4 });
    for (let i = 0; i < 101; i++) {
      clock.advance(600);
      chain.generate(1, gen.script);
    }
    gen.generate(2);
    const fees = [...chain.mempool.values()].map((e) => Number(e.fee) / 1e8).sort();
    clock.advance(600);
    const [hash] = await client.call<string[]>('generatetoaddress', [1, scriptToAddress(PAYOUT, 'regtest')]);

    const v2 = await client.call<{ tx: Tx[] }>('getblock', [hash, 2]);
    expect(v2.tx).toHaveLength(3);
    expect(v2.tx[0]!.fee).toBeUndefined(); // the coinbase has none, as Core
    expect(v2.tx.slice(1).map((t) => t.fee!).sort()).toEqual(fees);
    expect(v2.tx[1]!.vin[0]!.prevout).toBeUndefined();
    expect(Object.keys(v2.tx[1]!)).toEqual(['txid', 'hash', 'version', 'size', 'vsize', 'weight', 'locktime', 'vin', 'vout', 'fee', 'hex']);
    const pay = v2.tx[0]!.vout[0]!.scriptPubKey;
    expect(pay).toMatchObject({ type: 'witness_v0_keyhash', asm: `0 ${pay.hex.slice(4)}` });
    expect(v2.tx[0]!.vout[1]!.scriptPubKey.asm).toMatch(/^OP_RETURN aa21a9ed[0-9a-f]{64}$/);

    const v3 = await client.call<{ tx: Tx[] }>('getblock', [hash, 3]);
    const vin = v3.tx[1]!.vin[0]!;
    expect(vin.scriptSig).toEqual({ asm: '', hex: '' }); // P2WPKH: an empty scriptSig, the signature in the witness
    expect(vin.txinwitness).toHaveLength(2);
    expect(vin.prevout).toEqual({
      generated: expect.any(Boolean),
      height: expect.any(Number),
      value: expect.any(Number),
      scriptPubKey: { asm: expect.stringMatching(/^0 [0-9a-f]{40}$/), hex: expect.any(String), address: expect.any(String), type: 'witness_v0_keyhash' },
    });
    const spent = v3.tx.slice(1).map((t) => t.vin.reduce((s, i) => s + (i.prevout!.value as number), 0) - t.vout.reduce((s, o) => s + o.value, 0));
    expect(spent.map((x) => Math.round(x * 1e8)).sort()).toEqual(fees.map((f) => Math.round(f * 1e8)).sort());
  });

  it('getnetworkhashps, getmininginfo.networkhashps, getconnectioncount, getpeerinfo, estimatesmartfee', async () => {
    const { chain, client, clock } = await node();
    for (let i = 0; i < 10; i++) {
      clock.advance(60);
      chain.generate(1, PAYOUT);
    }
    const hps = await client.call<number>('getnetworkhashps');
    // Regtest work per block is 2 hashes. The default looks back 120 blocks: here all ten, back to genesis (as Core).
    expect(hps).toBeCloseTo((10 * 2) / (chain.tip.header.time - chain.entryAt(0)!.header.time), 12);
    // The last five blocks, a minute apart: five blocks' work over five minutes.
    expect(await client.call<number>('getnetworkhashps', [5])).toBeCloseTo((5 * 2) / (5 * 60), 9);
    expect(await client.call<number>('getnetworkhashps', [5, 5])).toBeCloseTo((5 * 2) / (chain.entryAt(5)!.header.time - chain.entryAt(0)!.header.time), 12);
    expect((await client.call<{ networkhashps: number }>('getmininginfo')).networkhashps).toBe(hps);
    expect(await client.call('getconnectioncount')).toBe(0);
    expect(await client.call('getpeerinfo')).toEqual([]);
    expect(await client.call('estimatesmartfee', [6])).toEqual({ errors: ['Insufficient data or no feerate found'], blocks: 6 });
    await expect(client.call('estimatesmartfee', [0])).rejects.toMatchObject({ rpcCode: -8 });
  });

  it('getmempoolinfo sizes in bytes; validateaddress has witness_version and witness_program', async () => {
    const { chain, client } = await node();
    const gen = new TxGenerator(chain, { seed: 'mempool', targetCoins: 4 });
    chain.generate(101, gen.script);
    gen.generate(3);
    const info = await client.call<Record<string, number>>('getmempoolinfo');
    const entries = [...chain.mempool.values()];
    expect(entries.length).toBeGreaterThan(0);
    expect(info).toMatchObject({ loaded: true, size: entries.length, bytes: entries.reduce((s, e) => s + e.vsize, 0), usage: entries.reduce((s, e) => s + e.tx.totalSize, 0) });
    expect(info.maxmempool).toBe(chain.mempool.maxWeight / 4);
    expect(info.usage).toBeLessThan(info.maxmempool!);

    const p2wpkh = scriptToAddress(PAYOUT, 'regtest')!;
    expect(await client.call('validateaddress', [p2wpkh])).toEqual({
      isvalid: true, address: p2wpkh, scriptPubKey: '0014' + '07'.repeat(20), isscript: false, iswitness: true, witness_version: 0, witness_program: '07'.repeat(20),
    });
    const p2pkh = 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn';
    const legacy = await client.call<Record<string, unknown>>('validateaddress', [p2pkh]);
    expect(legacy).toMatchObject({ isvalid: true, iswitness: false });
    expect(legacy.witness_version).toBeUndefined();
  });

  it('a JSON-RPC 2.0 notification (no id) is run and answered 204 with no body; a request with an id gets its reply', async () => {
    const { url } = await node();
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString('base64')}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const n = await post({ jsonrpc: '2.0', method: 'getblockcount' });
    expect(n.status).toBe(204);
    expect(await n.text()).toBe('');
    const r = await post({ jsonrpc: '2.0', method: 'getblockcount', id: 7 });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ jsonrpc: '2.0', result: 0, id: 7 });
    const batch = await post([{ jsonrpc: '2.0', method: 'getblockcount' }, { jsonrpc: '2.0', method: 'getblockcount', id: 1 }]);
    expect(await batch.json()).toEqual([{ jsonrpc: '2.0', result: 0, id: 1 }]);
    // A 1.0 request without an id is not a notification: it is answered.
    const v1 = await post({ method: 'getblockcount' });
    expect(v1.status).toBe(200);
  });
});
