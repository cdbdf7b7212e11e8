/**
 * `[template_provider_type.*]`, as the pool and the JD client read it (SRI's tables plus ours):
 * where a role's templates come from, and the feed built from it.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { ConfigError, hostPort } from './config.js';
import { embeddedDifficulty, startNode, type RunningNode } from './embedded-node.js';
import { nodeLinkKeys, nodeLinkSource } from './node-link.js';
import { TdpTemplateFeed } from './tdp-client.js';
import { SourceTemplateFeed, type TemplateFeed } from './template-feed.js';
import { checkNodeChain, type PayoutCheck } from './node-chain-check.js';

export const templateProviderType = z.union([
  /** A Template Provider over Template Distribution (Sv2, Noise unless it says plaintext). */
  z.strictObject({ Sv2Tp: z.strictObject({ address: hostPort, public_key: z.string().optional() }) }),
  /** An in-process regtest chain (ours): what `sv2 stack` and tests use. */
  z.strictObject({
    Embedded: z.strictObject({
      data_dir: z.string().optional(),
      /** Fixed nBits for the chain, as hex (regtest minimum when absent). */
      nbits: z.string().regex(/^(0x)?[0-9a-fA-F]{1,8}$/).optional(),
      /** Retarget so a block comes about every this many seconds. */
      target_block_interval_secs: z.number().positive().optional(),
      tx_per_second: z.number().nonnegative().default(2),
      /** First height where segwit is active (default 0): a chain where it activates late. */
      segwit_height: z.number().int().nonnegative().optional(),
    }),
  }),
  /** SRI's Bitcoin Core IPC (multiprocess) link: recognised so that it is refused with what to use instead. */
  z.strictObject({ BitcoinCoreIpc: z.record(z.string(), z.unknown()) }),
  /** Any node that speaks bitcoind JSON-RPC: Bitcoin Core, Knots, btcd (ours). */
  z.strictObject({
    BitcoinCoreRpc: z.strictObject({
      url: z.string().url(),
      user: z.string().optional(),
      password: z.string().optional(),
      cookie_file: z.string().optional(),
      poll_interval_secs: z.number().positive().default(1),
      ...nodeLinkKeys,
    }),
  }),
]);

export type TemplateProviderType = Exclude<z.infer<typeof templateProviderType>, { BitcoinCoreIpc: unknown }>;

/**
 * The table in use: `[template_provider_type.*]`, or SRI ≤ v1.5's `tp_address` (and key); missing
 * or Bitcoin Core IPC is a ConfigError saying what to write instead.
 */
export function resolveTemplateProviderType(
  table: z.infer<typeof templateProviderType> | undefined,
  tpAddress: string | undefined,
  tpKey: string | undefined,
): TemplateProviderType {
  if (tpAddress !== undefined && table !== undefined) throw new ConfigError('tp_address', 'give either tp_address or [template_provider_type], not both');
  const source = table ?? (tpAddress !== undefined ? { Sv2Tp: { address: tpAddress, public_key: tpKey } } : undefined);
  if (source === undefined) {
    throw new ConfigError(
      'template_provider_type',
      'is missing: set [template_provider_type.Sv2Tp] address (a Template Provider), [template_provider_type.BitcoinCoreRpc] url (a node over RPC), or [template_provider_type.Embedded] for a private regtest chain',
    );
  }
  if ('BitcoinCoreIpc' in source) {
    throw new ConfigError(
      'template_provider_type.BitcoinCoreIpc',
      "Bitcoin Core's IPC interface is not supported; run a Template Provider (sv2 template-provider, or Bitcoin Core's sv2-tp) and use [template_provider_type.Sv2Tp], or reach the node over JSON-RPC with [template_provider_type.BitcoinCoreRpc]",
    );
  }
  return source;
}

export interface FeedResult {
  feed: TemplateFeed;
  /** The in-process node, when the role runs the embedded chain. */
  node?: RunningNode;
}

/**
 * The feed for a table; `foundBlocksDir` is where an RPC node's found blocks wait by default;
 * `payout`, when given, is checked against an RPC node's chain.
 */
export async function templateFeedFrom(tp: TemplateProviderType, log: Logger, foundBlocksDir: string | undefined, payout?: PayoutCheck): Promise<FeedResult> {
  if ('Embedded' in tp) {
    const e = tp.Embedded;
    const node = await startNode(
      { dataDir: e.data_dir, difficulty: embeddedDifficulty(e, 'template_provider_type.Embedded'), txPerSecond: e.tx_per_second, segwitHeight: e.segwit_height },
      { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    );
    return { feed: new SourceTemplateFeed(node.source, { onClose: () => node.close() }), node };
  }
  if ('BitcoinCoreRpc' in tp) {
    const r = tp.BitcoinCoreRpc;
    if (r.cookie_file === undefined && (r.user === undefined || r.password === undefined)) throw new ConfigError('template_provider_type.BitcoinCoreRpc', 'needs cookie_file, or user and password');
    const source = nodeLinkSource(r, log, {}, foundBlocksDir);
    if (payout !== undefined) await checkNodeChain(r, source, log, payout);
    const lateVerdicts = (listener: (hash: string, o: SubmitOutcome) => void) =>
      source.onSubmitEvent((e) => {
        if (e.kind === 'resubmitted' && e.restored) listener(e.hash, e.outcome);
      });
    // A node that is down at start: the role listens (health degraded) and mines once it answers.
    return { feed: new SourceTemplateFeed(source, { connected: () => source.isConnected, lateVerdicts, firstTemplateWaitMs: 3_000 }) };
  }
  return { feed: new TdpTemplateFeed({ address: tp.Sv2Tp.address, authorityPublicKey: tp.Sv2Tp.public_key, logger: log }) };
}
