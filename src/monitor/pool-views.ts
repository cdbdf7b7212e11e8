/**
 * The pool's monitoring views (SRI's /api/v1 shapes), read from the parts that own each fact:
 * connections from the downstream server, channels and share counts from the channel manager.
 */
import { blockPayoutView } from './pool-user-views.js';
import { hashToDisplay } from '../bitcoin/bytes.js';
import { difficultyFromTarget } from '../bitcoin/target.js';
import { rejectedTotal } from '../channels/share-accounting.js';
import type { ChannelManager } from '../roles/pool/channel-manager.js';
import { channelPage, paged } from '../roles/common/paging.js';
import type { Pool } from '../roles/pool/pool.js';

type Channel = ReturnType<ChannelManager['channelsOf']>[number];

export function poolGlobal(pool: Pool) {
  const tip = pool.manager.chainTip;
  const totals = pool.manager.totals();
  const a = pool.activity;
  return {
    uptime_secs: Math.round((pool.now() - pool.startedAt) / 1000),
    connections: pool.downstreams.size,
    channels: pool.manager.channelCount,
    shares_accepted: totals.accepted,
    shares_rejected: rejectedTotal(totals),
    // every block the pool recorded: from a share, or pushed by a JD client (its share may arrive stale)
    blocks_found: pool.blocks().found,
    ...blockVerdicts(pool),
    estimated_hashrate: pool.hashrateNow(),
    prev_hash: tip === null ? null : hashToDisplay(tip.prevHash),
    // beyond SRI's shape, for the dashboard
    best_share_difficulty: totals.bestDifficulty,
    rejected_by_reason: Object.fromEntries(totals.rejected),
    blocks_recorded: pool.store.blockCount(),
    tip_height: a.tipHeight,
    network_difficulty: tip === null ? null : difficultyFromTarget(tip.networkTarget),
    template_source: templateSource(pool),
    templates_received: a.templatesReceived,
    last_template_at: a.lastTemplateAt,
    history_interval_secs: pool.history.intervalMs / 1000,
    now: pool.now(),
    jds: jdsView(pool),
  };
}

/** The Job Declarator's counts, when the pool runs one (`[jds]`). */
function jdsView(pool: Pool) {
  const jd = pool.jd;
  if (jd === undefined) return null;
  const c = jd.server.counts;
  return {
    connections: jd.server.size,
    live_tokens: jd.server.tokens.size,
    tokens_allocated: c.tokensAllocated,
    jobs_declared: c.declared,
    jobs_refused: c.refused,
    missing_txs_asked: c.missingTxsAsked,
    solutions_pushed: c.pushedSolutions,
  };
}

/** What the node said about the blocks found (a TP feed: accepted once the chain builds on one). */
function blockVerdicts(pool: Pool) {
  const b = pool.blocks();
  return { blocks_accepted: b.accepted, blocks_rejected: b.rejected, blocks_stale: b.stale, blocks_pending: b.pending };
}

/** Where templates come from, without credentials. */
function templateSource(pool: Pool): string {
  const t = pool.config.template_provider_type;
  if ('Sv2Tp' in t) return `Template Provider ${t.Sv2Tp.address}`;
  if ('Embedded' in t) return 'embedded regtest chain';
  try {
    return `bitcoind RPC ${new URL(t.BitcoinCoreRpc.url).host}`;
  } catch {
    return 'bitcoind RPC';
  }
}

/** Blocks found, newest first; `depth` counts the tip's confirmations of an accepted block. */
export function poolBlocks(pool: Pool, limitRaw: string | undefined) {
  const n = Number(limitRaw ?? 50);
  const limit = Number.isInteger(n) && n >= 1 ? Math.min(n, 500) : 50;
  const tip = pool.activity.tipHeight;
  return pool.store.recentBlocks(limit).map((b) => ({
    time_ms: b.timeMs,
    height: b.height,
    hash: b.blockHash,
    user_identity: b.userIdentity,
    channel_id: b.channelId,
    status: b.status,
    reject_reason: b.rejectReason,
    confirmations: b.status === 'accepted' && b.height !== null && tip !== null && tip >= b.height ? tip - b.height + 1 : 0,
    ...blockPayoutView(pool, b.blockHash),
  }));
}

export function poolClients(pool: Pool, params: Record<string, string>) {
  return paged(pool.downstreams.all(), params, (d) => poolClient(pool, d.id)!);
}

/** SRI's `/clients/{id}/channels`: one client's channels, extended and standard apart. */
export function poolClientChannels(pool: Pool, id: number, params: Record<string, string>) {
  if (pool.downstreams.get(id) === undefined) return undefined;
  const all = pool.manager.channelsOf(id).map((ch) => channelView(pool, id, ch));
  return channelPage(
    all.filter((c) => c.kind === 'extended'),
    all.filter((c) => c.kind === 'standard'),
    params,
  );
}

/** SRI's `/server` is a role's upstream; the pool's is where its templates come from. */
export function poolServer(pool: Pool) {
  const a = pool.activity;
  const tip = pool.manager.chainTip;
  return {
    template_source: templateSource(pool),
    health: pool.health().status,
    tip_height: a.tipHeight,
    prev_hash: tip === null ? null : hashToDisplay(tip.prevHash),
    templates_received: a.templatesReceived,
    last_template_at: a.lastTemplateAt,
  };
}

export function poolClient(pool: Pool, id: number) {
  const d = pool.downstreams.get(id);
  if (d === undefined) return undefined;
  const totals = pool.manager.connectionTotals(id);
  const channels = pool.manager.channelsOf(d.id).map((ch) => channelView(pool, d.id, ch));
  return {
    id: d.id,
    address: d.peer,
    vendor: d.setup?.vendor ?? null,
    hardware_version: d.setup?.hardwareVersion ?? null,
    firmware: d.setup?.firmware ?? null,
    device_id: d.setup?.deviceId ?? null,
    flags: d.setup?.flags ?? null,
    extensions: d.state?.extensions ?? [],
    connected_secs: Math.round((pool.now() - d.connectedAt) / 1000),
    shares_accepted: totals?.accepted ?? 0,
    shares_rejected: totals === undefined ? 0 : rejectedTotal(totals),
    rejected_by_reason: totals === undefined ? {} : Object.fromEntries(totals.rejected),
    best_share_difficulty: totals?.bestDifficulty ?? 0,
    blocks_found: totals?.blocksFound ?? 0,
    hashrate: channels.reduce((sum, ch) => sum + ch.hashrate, 0),
    last_share_at: channels.reduce<number | null>((last, ch) => (ch.last_share_at !== null && (last === null || ch.last_share_at > last) ? ch.last_share_at : last), null),
    channels,
  };
}

function channelView(pool: Pool, connId: number, ch: Channel) {
  const now = pool.now();
  const a = pool.activity.channel(connId, ch.channelId, now);
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
    /** Measured from accepted shares (ten-minute window); nominal_hashrate is vardiff's estimate. */
    hashrate: a.meter.hashrate(now) ?? 0,
    last_share_at: a.lastShareAt,
  };
}
