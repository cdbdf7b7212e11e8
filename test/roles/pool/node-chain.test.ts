/** The pool's payout address against the chain its bitcoind is on (asked with getblockchaininfo). */
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { RpcServer } from '../../../src/net/bitcoind/rpc-server.js';
import type { RpcTemplateSource } from '../../../src/net/bitcoind/rpc-template-source.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ConfigError } from '../../../src/roles/common/config.js';
import type { SourceTemplateFeed } from '../../../src/roles/common/template-feed.js';
import { loadPoolConfig } from '../../../src/roles/pool/config.js';
import { templateFeedFor } from '../../../src/roles/pool/feeds.js';
import { fastLinkEnv, nextConnection } from '../../support/node-link.js';
import { testPoolEnv } from '../../support/pool.js';
import { capturingLogger } from '../../support/template-provider.js';

const auth = { user: 'pool', password: 'secret' };
const MAINNET_ADDRESS = 'addr(bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq)';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function configFor(url: string, reward?: string) {
  return loadPoolConfig(
    undefined,
    testPoolEnv(AuthorityKeyPair.generate(), {
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__URL: url,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__USER: auth.user,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__PASSWORD: auth.password,
      ...fastLinkEnv('POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC'),
      ...(reward !== undefined && { POOL__COINBASE_REWARD_SCRIPT: reward }),
    }),
  );
}

describe('payout address and the node’s chain', () => {
  it('a mainnet address on a regtest node is refused at start, naming the key', async () => {
    const rpc = new RpcServer({ chain: new EmbeddedChain(), auth, longpollMempoolSeconds: 0 });
    const { url } = await rpc.listen();
    cleanups.push(() => rpc.close());
    const err = await templateFeedFor(configFor(url, MAINNET_ADDRESS), capturingLogger().logger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^coinbase_reward_script: is not an address of the node's chain \(regtest\).*use a regtest address$/);
  });

  it('the default regtest address on the same node starts', async () => {
    const rpc = new RpcServer({ chain: new EmbeddedChain(), auth, longpollMempoolSeconds: 0 });
    const { url } = await rpc.listen();
    cleanups.push(() => rpc.close());
    const { feed } = await templateFeedFor(configFor(url), capturingLogger().logger);
    cleanups.push(() => feed.close());
  });

  it('a node that is down at start is asked when it answers, and a mismatch is an error line', async () => {
    const probe = new RpcServer({ chain: new EmbeddedChain(), auth, longpollMempoolSeconds: 0 });
    const { port } = await probe.listen();
    await probe.close();
    const { logger, lines } = capturingLogger();
    const { feed } = await templateFeedFor(configFor(`http://127.0.0.1:${port}/`, MAINNET_ADDRESS), logger);
    cleanups.push(() => feed.close());
    const source = (feed as SourceTemplateFeed).source as RpcTemplateSource;
    await feed.start(0, { newTemplate: () => undefined, setNewPrevHash: () => undefined, lateVerdict: () => undefined });
    const up = nextConnection(source, true);
    const rpc = new RpcServer({ chain: new EmbeddedChain(), auth, port, longpollMempoolSeconds: 0 });
    await rpc.listen();
    cleanups.push(() => rpc.close());
    await up;
    await expect.poll(() => lines().find((l) => l.level === 50)?.msg).toMatch(/^coinbase_reward_script is not an address of the node's chain \(regtest\)/);
  });
});
