import { afterEach, describe, expect, it } from 'vitest';
import { parseBlock } from '../../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { REGTEST_PARAMS } from '../../../src/chain/params.js';
import { nextBlock, solve, startTp, tdpClient } from '../../support/template-provider.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('template provider on a chain where segwit activates at height 2', () => {
  it('sends templates without a witness commitment before activation and with one after; the pool-built blocks are accepted', async () => {
    const chain = new EmbeddedChain({ params: { ...REGTEST_PARAMS, segwitHeight: 2 } });
    const tp = await startTp(chain);
    cleanups.push(() => tp.close());
    const c = await tdpClient(tp.port);
    cleanups.push(() => c.client.close());

    expect(c.template.coinbaseTxOutputsCount).toBe(0);
    const first = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(c.template, c.prevHash));
    expect(await first).toMatchObject({ accepted: true, height: 1 });
    // The coinbase the pool's construction (channels/work.ts) built has no witness.
    expect(parseBlock(chain.readBlock(chain.tip)).transactions[0]!.inputs[0]!.witness).toHaveLength(0);

    const t = (await c.client.next('NewTemplate')).message;
    const p = (await c.client.next('SetNewPrevHashTdp')).message;
    expect(t.coinbaseTxOutputsCount).toBe(1);
    const second = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(t, p));
    expect(await second).toMatchObject({ accepted: true, height: 2 });
    expect(parseBlock(chain.readBlock(chain.tip)).transactions[0]!.inputs[0]!.witness).toHaveLength(1);
  });
});
