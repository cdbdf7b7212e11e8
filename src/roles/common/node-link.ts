/**
 * The link to a bitcoind JSON-RPC node, shared by every role that can use one (pool, template
 * provider): the config keys that tune how fast an outage is seen and how found blocks wait, the
 * source built from them, and the log lines when the node goes and comes back.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { TemplateHubOptions } from '../../chain/template-source.js';
import { RpcClient } from '../../net/bitcoind/rpc-client.js';
import { RpcTemplateSource } from '../../net/bitcoind/rpc-template-source.js';

/** Keys of a `BitcoinCoreRpc` table beyond url and auth (ours). */
export const nodeLinkKeys = {
  /** While a long poll waits, the node is asked getbestblockhash this often… */
  liveness_interval_secs: z.number().positive().max(3600).default(2),
  /** …and is unreachable when it does not answer within this. */
  liveness_timeout_secs: z.number().positive().max(3600).default(2),
  /** A long poll without an answer this long is asked again. */
  long_poll_timeout_secs: z.number().positive().max(86_400).default(60),
  /** Timeout of submitblock, getblockheader and plain getblocktemplate polls. */
  request_timeout_secs: z.number().positive().max(3600).default(10),
  /** Reconnect delay cap (the delay starts at 0.25 s and doubles). */
  reconnect_max_secs: z.number().positive().max(3600).default(2),
  /** Found blocks kept while the node does not answer; beyond it the oldest is given up. */
  max_queued_blocks: z.number().int().min(1).max(1024).default(16),
  /** Found blocks are written here before submitblock and kept until the node answers; those left go again at start (the pool's default: found-blocks/ beside its accounting_db). */
  found_blocks_dir: z.string().min(1).optional(),
};

export interface NodeLinkConfig {
  url: string;
  user?: string;
  password?: string;
  cookie_file?: string;
  long_poll?: boolean;
  poll_interval_secs: number;
  liveness_interval_secs: number;
  liveness_timeout_secs: number;
  long_poll_timeout_secs: number;
  request_timeout_secs: number;
  reconnect_max_secs: number;
  max_queued_blocks: number;
  found_blocks_dir?: string;
}

/** The source for a validated `BitcoinCoreRpc` table (auth was checked by the config); logs outages and queued blocks. */
export function nodeLinkSource(r: NodeLinkConfig, log: Logger, templates: TemplateHubOptions = {}, defaultFoundBlocksDir?: string): RpcTemplateSource {
  const foundBlocksDir = r.found_blocks_dir ?? defaultFoundBlocksDir;
  const auth = r.cookie_file !== undefined ? { cookieFile: r.cookie_file } : { user: r.user!, password: r.password! };
  const s = (secs: number): number => Math.round(secs * 1000);
  const source = new RpcTemplateSource({
    ...templates,
    client: new RpcClient({ url: r.url, auth }),
    longPoll: r.long_poll,
    pollIntervalMs: s(r.poll_interval_secs),
    livenessIntervalMs: s(r.liveness_interval_secs),
    livenessTimeoutMs: s(r.liveness_timeout_secs),
    longPollTimeoutMs: s(r.long_poll_timeout_secs),
    requestTimeoutMs: s(r.request_timeout_secs),
    backoffMaxMs: s(r.reconnect_max_secs),
    maxQueuedBlocks: r.max_queued_blocks,
    ...(foundBlocksDir === undefined ? {} : { foundBlocksDir }),
  });
  source.onConnection((ev) => {
    if (!ev.connected) log.warn({ url: r.url, err: ev.error, queuedBlocks: source.queuedBlocks }, 'node down: bitcoind does not answer; retrying');
    else if (ev.downForMs !== undefined) log.info({ url: r.url, downSecs: Math.round(ev.downForMs / 100) / 10, queuedBlocks: source.queuedBlocks }, 'node up: bitcoind answers again');
    else log.info({ url: r.url }, 'node up: bitcoind answered getblocktemplate');
  });
  source.onSubmitEvent((ev) => {
    if (ev.kind === 'queued') log.warn({ blockHash: ev.hash, err: ev.error, queued: ev.queued }, 'block kept: the node did not answer submitblock; it goes again when the node is back');
    else if (ev.kind === 'resubmitted') log.info({ blockHash: ev.hash, accepted: ev.outcome.accepted, stale: ev.outcome.stale ?? false, reason: ev.outcome.reason, waitedSecs: Math.round(ev.waitedMs / 100) / 10 }, 'kept block resubmitted');
    else if (ev.kind === 'restored') log.warn({ blocks: ev.hashes, dir: foundBlocksDir }, 'found blocks left by an earlier run: they go to the node when it answers');
    else log.error({ blockHash: ev.hash, reason: ev.reason }, 'kept block given up: it did not reach the node');
  });
  return source;
}
