import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputScriptFrom } from '../../../src/bitcoin/address.js';
import { parseBlock } from '../../../src/bitcoin/block.js';
import { equalBytes } from '../../../src/bitcoin/bytes.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { nextEvent, SOLO_SCRIPT, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

let t: TestJdc;

beforeAll(async () => {
  t = await startTestJdc([]);
});
afterAll(async () => {
  await t?.close();
});

describe('jd-client with no upstream: solo mining from its own node', () => {
  it('a device finds a block; the chain takes it and it pays coinbase_reward_script', async () => {
    const c = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    expect((await c.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const ch = await c.openStandard('rig', 50);
    const height = t.node.chain.height;
    const share = grind(ch, (x) => x.isBlock && x.meetsTarget);
    const found = nextEvent(t.jdc, 'block');
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    const [block] = await found;
    expect(block.upstream).toBeNull();
    await expect.poll(() => t.node.chain.height).toBe(height + 1);
    const tip = t.node.chain.tip;
    const parsed = parseBlock(t.node.chain.readBlock(tip));
    const script = outputScriptFrom(SOLO_SCRIPT, 'regtest');
    expect(parsed.transactions[0]!.outputs.some((o) => equalBytes(o.script, script) && o.value > 0n)).toBe(true);
    // The device is given the next block's work.
    expect((await c.next('SetNewPrevHash')).message.channelId).toBe(ch.channelId);
    await c.close();
  });
});
