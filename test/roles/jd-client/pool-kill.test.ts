/**
 * The pool SIGKILLed under load: a real pool process (with its JDS, on a node over RPC), the JD
 * client (its templates from the same node over RPC) and two CPU miners in this process. The devices mine solo within 5 s of the kill, none
 * is disconnected, and the JD client is back on the pool once it runs again.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startNode, type RunningNode } from '../../../src/roles/common/embedded-node.js';
import { Miner } from '../../../src/roles/miner/miner.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { nextEvent as minerEvent } from '../../support/miner.js';
import { fastLinkEnv } from '../../support/node-link.js';
import { testPoolEnv } from '../../support/pool.js';
import { spawnRole, type SpawnedRole } from '../../support/spawn-role.js';

const authority = AuthorityKeyPair.generate();
const RPC = { user: 'u', password: 'p' };
let node: RunningNode;
let t: TestJdc;
let pool: SpawnedRole | undefined;
const miners: Miner[] = [];
let poolEnv: Record<string, string>;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startPool(): Promise<SpawnedRole> {
  const p = spawnRole(['pool'], poolEnv);
  await p.waitFor(/sv2 pool: listening/, 30_000);
  return p;
}

beforeAll(async () => {
  // A fixed, moderate difficulty: blocks are rare, shares are not.
  node = await startNode({ rpc: { port: 0, credentials: RPC }, txPerSecond: 0, bootstrapBlocks: 0, difficulty: { mode: 'fixed', bits: 0x1e00ffff } });
  const [poolPort, jdsPort] = [await freePort(), await freePort()];
  const rpc = 'POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC';
  poolEnv = testPoolEnv(authority, {
    POOL__LISTEN_ADDRESS: `127.0.0.1:${poolPort}`,
    POOL__JDS__LISTEN_ADDRESS: `127.0.0.1:${jdsPort}`,
    POOL__SHARES_PER_MINUTE: '600',
    [`${rpc}__URL`]: node.rpc!.url,
    [`${rpc}__USER`]: RPC.user,
    [`${rpc}__PASSWORD`]: RPC.password,
    ...fastLinkEnv(rpc),
  });
  pool = await startPool();
  // The JD client reads the same node over RPC, as a miner's own bitcoind.
  t = await startTestJdc([{ poolPort, jdsPort, authority }], { JDC__SHARES_PER_MINUTE: '120', ...fastLinkEnv('JDC__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC') }, node, RPC);
  const url = `stratum2+tcp://127.0.0.1:${t.jdc.port}/${t.authority.publicKey.toString()}`;
  for (const user of ['rig1', 'rig2']) miners.push(await Miner.start({ url, user, threads: 1, nominalHashrate: 200_000, hashrateReportSecs: 3600 }));
}, 60_000);

afterAll(async () => {
  for (const m of miners) await m.close();
  await t?.close();
  pool?.child.kill('SIGKILL');
  await node?.close();
});

describe('jd-client: the pool dies under load', () => {
  it('solo within 5 s of SIGKILL, no device disconnected, back on the pool when it returns', async () => {
    const disconnects: string[] = [];
    for (const m of miners) m.on('disconnected', (i) => disconnects.push(i.reason));
    // On the pool: a custom job taken and a share of it accepted up there.
    if (t.jdc.upstreamInUse === null) await nextEvent(t.jdc, 'mode', (u) => u !== null);
    await nextEvent(t.jdc, 'share-answered', (_d, ok) => ok);

    const killedAt = Date.now();
    const solo = nextEvent(t.jdc, 'mode', (u) => u === null);
    pool!.child.kill('SIGKILL');
    await solo;
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    // Every device keeps mining: each has a share accepted after the kill.
    await Promise.all(miners.map((m) => minerEvent(m, 'share-accepted')));

    const back = nextEvent(t.jdc, 'custom-job');
    pool = await startPool();
    await back;
    expect(t.jdc.upstreamInUse).not.toBeNull();
    await nextEvent(t.jdc, 'share-answered', (_d, ok) => ok);
    expect(disconnects).toEqual([]);
    expect(t.jdc.downstreams.size).toBe(2);
  }, 90_000);
});
