/** Test helpers for the link to a bitcoind JSON-RPC node: await its connection and found-block events. */
import type { SubmitEvent } from '../../src/net/bitcoind/block-submitter.js';
import type { ConnectionEvent, RpcTemplateSource } from '../../src/net/bitcoind/rpc-template-source.js';

/** Resolves with the next connection event with this state. */
export function nextConnection<C extends boolean>(source: RpcTemplateSource, connected: C): Promise<Extract<ConnectionEvent, { connected: C }>> {
  return new Promise((resolve) => {
    const off = source.onConnection((e) => {
      if (e.connected !== connected) return;
      off();
      resolve(e as Extract<ConnectionEvent, { connected: C }>);
    });
  });
}

/** Resolves with the next found-block event of this kind (queued, resubmitted, dropped). */
export function nextSubmitEvent<K extends SubmitEvent['kind']>(source: RpcTemplateSource, kind: K): Promise<Extract<SubmitEvent, { kind: K }>> {
  return new Promise((resolve) => {
    const off = source.onSubmitEvent((e) => {
      if (e.kind !== kind) return;
      off();
      resolve(e as Extract<SubmitEvent, { kind: K }>);
    });
  });
}

/** Short timeouts for a `BitcoinCoreRpc` table, as `<PREFIX>__<KEY>` variables, so outages are seen in tens of milliseconds. */
export function fastLinkEnv(prefix: string): Record<string, string> {
  return {
    [`${prefix}__LIVENESS_INTERVAL_SECS`]: '0.05',
    [`${prefix}__LIVENESS_TIMEOUT_SECS`]: '0.3',
    [`${prefix}__REQUEST_TIMEOUT_SECS`]: '0.5',
    [`${prefix}__RECONNECT_MAX_SECS`]: '0.1',
  };
}
