/**
 * Back to the preferred upstream: the first pool is down when the JD client starts, so it
 * declares to the second; once the first listens, it moves back there (return_to_preferred_secs),
 * the device never noticing.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedTemplateSource } from '../../../src/chain/embedded-source.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import { SourceTemplateFeed } from '../../../src/roles/common/template-feed.js';
import { loadPoolConfig } from '../../../src/roles/pool/config.js';
import { Pool } from '../../../src/roles/pool/pool.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, testPoolEnv, type TestPool } from '../../support/pool.js';
import { TestClient } from '../../support/sv2-test-client.js';

const a1 = AuthorityKeyPair.generate();
const a2 = AuthorityKeyPair.generate();
let second: TestPool;
let first: Pool | undefined;
let t: TestJdc;
let ports: [number, number];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  second = await startTestPool(a2, { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001' });
  ports = [await freePort(), await freePort()];
  t = await startTestJdc(
    [
      { poolPort: ports[0], jdsPort: ports[1], authority: a1 },
      { poolPort: second.pool.port, jdsPort: second.pool.jd!.port, authority: a2 },
    ],
    { JDC__RETURN_TO_PREFERRED_SECS: '0.2' },
    second.node,
  );
});
afterAll(async () => {
  await t?.close();
  await first?.close();
  await second?.close();
});

describe('jd-client: back to the preferred upstream', () => {
  it('declares to the second while the first is down, and to the first once it is back', async () => {
    const c = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    await c.setup(MiningSetupFlags.RequiresStandardJobs);
    const onSecond = nextEvent(t.jdc, 'mode', (u) => u === `127.0.0.1:${second.pool.port}`);
    await c.openStandard('rig', 50);
    await onSecond;
    // The first pool comes up on its ports, on the same chain.
    const cfg = loadPoolConfig(undefined, testPoolEnv(a1, { POOL__LISTEN_ADDRESS: `127.0.0.1:${ports[0]}`, POOL__JDS__LISTEN_ADDRESS: `127.0.0.1:${ports[1]}` }, true), { template_provider_type: { Embedded: {} } });
    const onFirst = nextEvent(t.jdc, 'mode', (u) => u === `127.0.0.1:${ports[0]}`);
    first = await Pool.start({ config: cfg, feed: new SourceTemplateFeed(new EmbeddedTemplateSource(second.node.chain)), logger: silentLogger() });
    await onFirst;
    await nextEvent(t.jdc, 'custom-job', (w) => w.pool!.basis.epoch === t.jdc.declarator!.epoch);
    expect(t.jdc.upstreams!.status()).toMatchObject({ index: 0, returns_to_preferred: 1 });
    expect(c.conn.isOpen).toBe(true);
    await c.close();
  }, 30_000);
});
