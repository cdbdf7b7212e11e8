import { afterEach, describe, expect, it } from 'vitest';
import { hashToDisplay } from '../../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { tpGlobal, tpHealth } from '../../../src/monitor/tp-views.js';
import { RpcServer } from '../../../src/net/bitcoind/rpc-server.js';
import type { RpcTemplateSource } from '../../../src/net/bitcoind/rpc-template-source.js';
import { startBackend } from '../../../src/roles/template-provider/backend.js';
import { ReasonLabels, TemplateProvider } from '../../../src/roles/template-provider/template-provider.js';
import { fastLinkEnv, nextConnection, nextSubmitEvent } from '../../support/node-link.js';
import { capturingLogger, nextBlock, solve, tdpClient, tpConfig } from '../../support/template-provider.js';

const auth = { user: 'tp', password: 'secret' };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tpOnRpc(node: EmbeddedChain) {
  const rpc = new RpcServer({ chain: node, auth, longpollMempoolSeconds: 0 });
  const { url, port } = await rpc.listen();
  const config = tpConfig({
    TP__BACKEND__BITCOINCORERPC__URL: url,
    TP__BACKEND__BITCOINCORERPC__USER: auth.user,
    TP__BACKEND__BITCOINCORERPC__PASSWORD: auth.password,
    ...fastLinkEnv('TP__BACKEND__BITCOINCORERPC'),
  });
  const { logger, lines } = capturingLogger();
  const tp = await TemplateProvider.start({ config, backend: await startBackend(config, logger), logger });
  cleanups.push(() => tp.close());
  const c = await tdpClient(tp.port);
  cleanups.push(() => c.client.close());
  return { rpc, port, tp, c, lines, source: tp.source as RpcTemplateSource };
}

describe('template provider: the node going away while a block is found', () => {
  it('keeps the block, says the node is down, and the block reaches the node once it is back', async () => {
    const node = new EmbeddedChain();
    const { rpc, port, tp, c, lines, source } = await tpOnRpc(node);
    const down = nextConnection(source, false);
    await rpc.close();
    await down;
    expect(tpHealth(tp)).toEqual({ status: 'waiting-for-node' });

    const kept = nextSubmitEvent(source, 'queued');
    const report = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(c.template, c.prevHash));
    await kept;
    expect(tpGlobal(tp)).toMatchObject({ blocks_waiting_for_node: 1, blocks_accepted: 0, blocks_rejected: 0 });

    const up = nextConnection(source, true);
    const again = new RpcServer({ chain: node, auth, port, longpollMempoolSeconds: 0 });
    await again.listen();
    cleanups.push(() => again.close());
    const r = await report;
    expect(r).toMatchObject({ accepted: true, height: 1 });
    expect(node.height).toBe(1);
    expect(r.hash).toBe(hashToDisplay(node.tip.hash));
    expect((await up).downForMs).toBeGreaterThan(0);
    expect(tpHealth(tp)).toEqual({ status: 'ok' });
    expect(tpGlobal(tp)).toMatchObject({ blocks_waiting_for_node: 0, blocks_accepted: 1, blocks_rejected: 0, blocks_stale: 0 });

    const msgs = lines().map((l) => l.msg as string);
    expect(msgs.filter((m) => m.startsWith('node down'))).toHaveLength(1);
    expect(lines().find((l) => (l.msg as string).startsWith('node up') && l.downSecs !== undefined)).toBeDefined();
    expect(msgs).toContain("block accepted: the node's new tip");
    expect(msgs.some((m) => m.startsWith('block rejected'))).toBe(false);
  });

  it('counts accepted and refused blocks apart, a refusal under its whole reason', async () => {
    const node = new EmbeddedChain();
    const { tp, c } = await tpOnRpc(node);
    const first = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(c.template, c.prevHash));
    expect(await first).toMatchObject({ accepted: true });
    const second = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(c.template, c.prevHash, { wantHighHash: true }));
    expect(await second).toMatchObject({ accepted: false, reason: 'high-hash' });
    const metrics = await tp.metrics.registry.metrics();
    expect(metrics).toContain('sv2_tp_blocks_rejected_total{reason="high-hash"} 1');
    expect(metrics).toContain('sv2_tp_blocks_accepted_total 1');
  });
});

describe('reject reason labels', () => {
  it('keep the whole reason token, and stay a bounded set', () => {
    const l = new ReasonLabels(3);
    expect(l.label('bad-txns-inputs-missingorspent')).toBe('bad-txns-inputs-missingorspent');
    expect(l.label('bad-cb-amount')).toBe('bad-cb-amount');
    expect(l.label('node-unreachable')).toBe('node-unreachable');
    expect(l.label('time-too-new')).toBe('other');
    expect(l.label('bad-cb-amount')).toBe('bad-cb-amount');
    expect(new ReasonLabels().label(undefined)).toBe('unknown');
    expect(new ReasonLabels().label('Block decode failed')).toBe('block-decode-failed');
    expect(new ReasonLabels().label('x'.repeat(200))).toHaveLength(64);
  });
});
