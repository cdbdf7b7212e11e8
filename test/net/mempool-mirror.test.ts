/** MempoolMirror against our node's RPC server: incremental listings, the throttle, seeds from templates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { MempoolMirror } from '../../src/net/bitcoind/mempool-mirror.js';
import { RpcClient } from '../../src/net/bitcoind/rpc-client.js';
import { RpcServer } from '../../src/net/bitcoind/rpc-server.js';

const auth = { user: 'u', password: 'p' };
const chain = new EmbeddedChain();
const gen = new TxGenerator(chain, { seed: 'mirror' });
let rpc: RpcServer;
let client: RpcClient;

beforeAll(async () => {
  chain.generate(110, gen.script);
  rpc = new RpcServer({ chain, auth, longpollMempoolSeconds: 0 });
  client = new RpcClient({ url: (await rpc.listen()).url, auth });
});
afterAll(async () => {
  client?.close();
  await rpc?.close();
  gen.close();
});

describe('MempoolMirror', () => {
  it('fetches each transaction once, forgets mined ones, and lists the mempool at most once per interval', async () => {
    let now = 0;
    const mirror = new MempoolMirror({ client, minIntervalMs: 1000, now: () => now });
    gen.generate(4);
    await mirror.refresh();
    expect(mirror.fetched).toBe(4);
    for (const e of chain.mempool.values()) expect(mirror.lookup(e.tx.wtxid)?.raw).toEqual(e.tx.raw);
    gen.generate(2);
    await mirror.refresh(); // within the interval: skipped
    expect(mirror.fetched).toBe(4);
    now += 1000;
    await mirror.refresh();
    expect(mirror.fetched).toBe(6);
    expect(mirror.size).toBe(6);
    chain.generate(1, new Uint8Array([0x51]));
    now += 1000;
    await mirror.refresh();
    expect(mirror.size).toBe(chain.mempool.size);
    expect(mirror.fetched).toBe(6);
  });

  it('takes seeded transactions without a call and drops the unconfirmed ones on a new tip', () => {
    const mirror = new MempoolMirror({ client });
    gen.generate(2);
    const t = chain.getTemplate();
    mirror.seed(t.transactions);
    expect(mirror.seeded).toBe(t.transactions.length);
    expect(mirror.fetched).toBe(0);
    expect(mirror.lookup(t.transactions[0]!.wtxid)).toBeDefined();
    mirror.dropSeeded();
    expect(mirror.size).toBe(0);
  });
});
