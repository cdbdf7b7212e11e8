/** Shared by the miner tests: a real pool on the embedded chain, and awaiting a miner's events. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuthorityKeyPair } from '../src/noise/authority-key.js';
import type { RunningNode } from '../src/roles/common/embedded-node.js';
import { silentLogger } from '../src/roles/common/logger.js';
import type { Miner, MinerEvents } from '../src/roles/miner/miner.js';
import { loadPoolConfig } from '../src/roles/pool/config.js';
import { templateFeedFor } from '../src/roles/pool/feeds.js';
import { Pool } from '../src/roles/pool/pool.js';

export interface TestPool {
  pool: Pool;
  node: RunningNode;
  url: string;
  close(): Promise<void>;
}

/** A pool on 127.0.0.1 (port 0) with its own embedded regtest chain; `base` adds config keys. */
export async function startPool(authority: AuthorityKeyPair, env: Record<string, string> = {}, base?: Record<string, unknown>): Promise<TestPool> {
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-miner-')), 'pool.sqlite');
  const cfg = loadPoolConfig(
    undefined,
    {
      POOL__LISTEN_ADDRESS: '127.0.0.1:0',
      POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
      POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
      POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
      POOL__SHARE_BATCH_SIZE: '1',
      POOL__SHARES_PER_MINUTE: '300',
      POOL__ACCOUNTING_DB: db,
      ...env,
    },
    base,
  );
  const feed = await templateFeedFor(cfg, silentLogger());
  const pool = await Pool.start({ config: cfg, feed: feed.feed });
  return { pool, node: feed.node!, url: `stratum2+tcp://127.0.0.1:${pool.port}/${authority.publicKey.toString()}`, close: () => pool.close() };
}

/**
 * The next `event` the miner emits that `accept` takes. It fails after `timeoutMs` with the
 * miner's counters in the message, so a stuck test says where it stood.
 */
export function nextEvent<E extends keyof MinerEvents>(
  miner: Miner,
  event: E,
  accept: (...args: MinerEvents[E]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<MinerEvents[E]> {
  return new Promise((resolve, reject) => {
    const emitter = miner as unknown as NodeJS.EventEmitter;
    const listener = (...args: unknown[]) => {
      if (!accept(...(args as MinerEvents[E]))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as MinerEvents[E]);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms; miner stats: ${JSON.stringify(miner.stats(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Resolves once the chain holds a block with this hash (internal byte order). */
export function blockInChain(node: RunningNode, hash: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (node.chain.entryByHash(hash) !== undefined) return resolve();
    const stop = node.chain.onTip(() => {
      if (node.chain.entryByHash(hash) === undefined) return;
      stop();
      resolve();
    });
  });
}
