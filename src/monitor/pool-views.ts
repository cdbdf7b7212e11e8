/**
 * The pool's monitoring views (SRI's /api/v1 shapes), read from the parts that own each fact:
 * connections from the downstream server, channels and share counts from the channel manager.
 */
import { hashToDisplay } from '../bitcoin/bytes.js';
import { rejectedTotal } from '../channels/share-accounting.js';
import type { ChannelManager } from '../roles/pool/channel-manager.js';
import type { Pool } from '../roles/pool/pool.js';

type Channel = ReturnType<ChannelManager['channelsOf']>[number];

export function poolGlobal(pool: Pool) {
  const tip = pool.manager.chainTip;
  const totals = pool.manager.totals();
  return {
    uptime_secs: Math.round((pool.now() - pool.startedAt) / 1000),
    connections: pool.downstreams.size,
    channels: pool.manager.channelCount,
    shares_accepted: totals.accepted,
    shares_rejected: rejectedTotal(totals),
    blocks_found: totals.blocksFound,
    ...blockVerdicts(pool),
    estimated_hashrate: pool.hashrateNow(),
    prev_hash: tip === null ? null : hashToDisplay(tip.prevHash),
  };
}

/** What the node said about the blocks found (a TP feed: accepted once the chain builds on one). */
function blockVerdicts(pool: Pool) {
  const b = pool.blocks();
  return { blocks_accepted: b.accepted, blocks_rejected: b.rejected, blocks_stale: b.stale, blocks_pending: b.pending };
}

export function poolClients(pool: Pool) {
  return [...pool.downstreams.all()].map((d) => poolClient(pool, d.id)!);
}

export function poolClient(pool: Pool, id: number) {
  const d = pool.downstreams.get(id);
  if (d === undefined) return undefined;
  const totals = pool.manager.connectionTotals(id);
  return {
    id: d.id,
    address: d.peer,
    vendor: d.setup?.vendor ?? null,
    flags: d.setup?.flags ?? null,
    extensions: d.state?.extensions ?? [],
    connected_secs: Math.round((pool.now() - d.connectedAt) / 1000),
    shares_accepted: totals?.accepted ?? 0,
    shares_rejected: totals === undefined ? 0 : rejectedTotal(totals),
    channels: pool.manager.channelsOf(d.id).map(channelView),
  };
}

export function poolChannels(pool: Pool) {
  return pool.manager.connectionIds().flatMap((id) => pool.manager.channelsOf(id).map((ch) => ({ client_id: id, ...channelView(ch) })));
}

function channelView(ch: Channel) {
  return {
    channel_id: ch.channelId,
    kind: ch.kind,
    user_identity: ch.userIdentity,
    nominal_hashrate: ch.nominalHashrate,
    difficulty: ch.difficulty,
    target: hashToDisplay(ch.target),
    shares_accepted: ch.accounting.accepted,
    share_difficulty_sum: ch.accounting.difficultySum,
    best_share_difficulty: ch.accounting.bestDifficulty,
    blocks_found: ch.accounting.blocksFound,
    rejected: Object.fromEntries(ch.accounting.rejected),
  };
}
