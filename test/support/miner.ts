/** Shared by the miner tests: a real pool on the embedded chain, and awaiting a miner's events. */
import type { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import type { RunningNode } from '../../src/roles/common/embedded-node.js';
import type { Miner, MinerEvents } from '../../src/roles/miner/miner.js';
import type { PoolOptions } from '../../src/roles/pool/pool.js';
import { startTestPool, type TestPool } from './pool.js';

/** A pool on 127.0.0.1 (port 0) with its own embedded regtest chain, asking for 300 shares a minute; `env` and `base` add config keys, `options` pool options. */
export function startPool(authority: AuthorityKeyPair, env: Record<string, string> = {}, base?: Record<string, unknown>, options: Omit<PoolOptions, 'config' | 'feed'> = {}): Promise<TestPool> {
  return startTestPool(authority, { POOL__SHARES_PER_MINUTE: '300', ...env }, base, options);
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
